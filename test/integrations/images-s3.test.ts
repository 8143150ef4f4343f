// The media store in an S3-compatible bucket: a real S3 server on loopback (@20minutes/s3rver, which checks SigV4
// signatures) started here. Images made by the image sync are put there once per content, served by the gateway's
// /media route from the bucket (ETag, 304, 404), not put again when unchanged (PUTs counted at the server), and a
// wrong secret is an error naming the bucket and endpoint on each image while the run goes on.
import S3rver from '@20minutes/s3rver';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { DamSimulator } from '../../connectors/dam/simulator.js';
import { S3MediaStore } from '../../subgraphs/media/s3-store.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { gql, seedDemo, startHarness, token, type Harness } from '../graphql/support.js';

const BUCKET = 'tsunagi-media';
// The server's one account (s3rver's fixed keys).
const KEY = 'S3RVER';
const IMAGES = `query($sku: String!) { product(sku: $sku) { images(country: "SG") { url width height bytes } } }`;

let server: S3rver;
let endpoint: string;
let dir: string;
const puts: string[] = [];
let h: Harness;
let origin: string;

const s3Env = (secret = KEY) => ({
  TSUNAGI_MEDIA_STORE: 's3', TSUNAGI_MEDIA_S3_ENDPOINT: endpoint, TSUNAGI_MEDIA_S3_BUCKET: BUCKET, TSUNAGI_MEDIA_S3_PREFIX: 'hub',
  TSUNAGI_MEDIA_S3_FORCE_PATH_STYLE: 'true', TSUNAGI_MEDIA_S3_ACCESS_KEY_ID: KEY, TSUNAGI_MEDIA_S3_SECRET_ACCESS_KEY: secret,
});

const addImages = (app: TestApp) => {
  const dam = app.sims.dam as unknown as DamSimulator;
  dam.addImage({ id: 'A-front', sku: 'AMZ-000001', position: 0, alt: 'Front', kind: 'jpeg', width: 1600, height: 1200, seed: 21 });
  dam.addImage({ id: 'A-small', sku: 'AMZ-000001', position: 1, alt: 'Small', kind: 'png', width: 400, height: 300, seed: 22 });
  return dam;
};

const sync = async (app: TestApp, input: { sku?: string } = {}) =>
  (await app.ctx.hub.run({ system: 'dam', operation: 'images-sync', input, dryRun: false, trigger: 'test' })).output as Record<string, any>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tsunagi-s3-'));
  server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: [{ name: BUCKET }] });
  server.on('event', (e) => {
    for (const r of e.Records) if (r.eventName === 'ObjectCreated:Put') puts.push(r.s3.object.key);
  });
  endpoint = `http://127.0.0.1:${(await server.run()).port}`;
  h = await startHarness({}, { env: s3Env() });
  origin = new URL(h.gateway.url).origin;
  await seedDemo(h.app);
  addImages(h.app);
});

afterAll(async () => {
  await h?.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('variants go to the bucket under the prefix, once each, and the gateway serves them from there', async () => {
  expect(await sync(h.app)).toMatchObject({ images: 2, transcoded: 2, failed: [] });
  expect(puts).toHaveLength(2);
  expect(puts.every((k) => /^hub\/[0-9a-f]{2}\/[0-9a-f]{64}\.webp$/.test(k))).toBe(true);

  const r = await gql(h.gateway.url, IMAGES, { sku: 'AMZ-000001' }, await token('partner'));
  const images = r.body.data!.product.images as { url: string; width: number; height: number; bytes: number }[];
  // The URL names the content alone, whatever the bucket's prefix and fan-out.
  expect(images.map((i) => i.url).sort()).toEqual(puts.map((k) => `/media/${k.split('/')[2]}`).sort());
  for (const image of images) {
    const res = await fetch(`${origin}${image.url}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/webp');
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(res.headers.get('etag')).toBe(`"${image.url.slice('/media/'.length, -'.webp'.length)}"`);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.length).toBe(image.bytes);
    expect(await sharp(bytes).metadata()).toMatchObject({ format: 'webp', width: image.width, height: image.height });
    expect((await fetch(`${origin}${image.url}`, { headers: { 'if-none-match': res.headers.get('etag')! } })).status).toBe(304);
    const head = await fetch(`${origin}${image.url}`, { method: 'HEAD' });
    expect([head.status, head.headers.get('content-length')]).toEqual([200, String(image.bytes)]);
  }
});

test('an object the bucket does not hold is a 404, with or without an ETag', async () => {
  const missing = `${origin}/media/${'ab'.repeat(32)}.webp`;
  expect((await fetch(missing)).status).toBe(404);
  expect((await fetch(missing, { method: 'HEAD' })).status).toBe(404);
  expect((await fetch(missing, { headers: { 'if-none-match': `"${'ab'.repeat(32)}"` } })).status).toBe(404);
  expect((await fetch(`${origin}/media/..%2Fhub%2Fx.webp`)).status).toBe(404);
});

test('an unchanged source is not put again, in this process or in a new one that must ask the bucket', async () => {
  expect(await sync(h.app)).toMatchObject({ transcoded: 0, unchanged: 2, failed: [] });
  // A fresh process knows no key: it asks the bucket (HEAD) and still puts nothing.
  const other = await h.app.openAnother();
  const r = (await other.hub.run({ system: 'dam', operation: 'images-sync', input: {}, dryRun: false, trigger: 'test' })).output as Record<string, any>;
  expect(r).toMatchObject({ transcoded: 0, unchanged: 2, failed: [] });
  expect(puts).toHaveLength(2);
});

test('a wrong secret fails each image with the bucket and endpoint named; the run goes on and reports them', async () => {
  const app = await createTestApp({ env: s3Env('not-the-secret') });
  try {
    await seedDemo(app);
    addImages(app);
    const before = puts.length;
    const r = await sync(app);
    expect(r).toMatchObject({ images: 2, transcoded: 0 });
    expect(r.failed.map((f: { image: string }) => f.image).sort()).toEqual(['A-front', 'A-small']);
    for (const f of r.failed) {
      expect(f.error).toMatch(new RegExp(`^media store: put hub/[0-9a-f]{2}/[0-9a-f]{64}\\.webp in bucket "${BUCKET}" at ${endpoint}: access denied \\(SignatureDoesNotMatch\\): check media\\.s3\\.accessKeyId and media\\.s3\\.secretAccessKey`));
      expect(f.error).not.toContain('not-the-secret');
    }
    expect(puts.length).toBe(before);
  } finally {
    await app.close();
  }
});

test('a bucket that does not exist is named as such', async () => {
  const store = new S3MediaStore({ endpoint, region: 'us-east-1', bucket: 'no-such-bucket', prefix: undefined, forcePathStyle: true, accessKeyId: KEY, secretAccessKey: KEY }, '/media');
  try {
    const hash = 'cd'.repeat(32);
    expect(await store.has(hash, 'webp')).toBe(false);
    await expect(store.put(hash, 'webp', Buffer.from('x'))).rejects.toThrow(`media store: put cd/${hash}.webp in bucket "no-such-bucket" at ${endpoint}: no such bucket (media.s3.bucket)`);
  } finally {
    await store.close();
  }
});

test('what the gateway served is what the bucket holds', async () => {
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: KEY, secretAccessKey: KEY } });
  try {
    for (const key of puts) expect((await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }))).ContentType).toBe('image/webp');
  } finally {
    client.destroy();
  }
});
