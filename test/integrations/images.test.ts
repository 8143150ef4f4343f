// Images end to end: the DAM simulator's real JPEG and PNG files through the DAM connector and the media module
// (sharp) to WebP per market rule, stored by content hash and served by the gateway with long cache headers and an
// ETag; checked by decoding the served bytes. Each source is transcoded once; bad files are refused by name.
import sharp from 'sharp';
import type { DamSimulator } from '../../connectors/dam/simulator.js';
import { gql, seedDemo, startHarness, token, type Harness } from '../graphql/support.js';

const IMAGES = `query($sku: String!, $country: String!) {
  product(sku: $sku) { images(country: $country) { url alt position width height format bytes sourceUrl } }
}`;

let h: Harness;
let dam: DamSimulator;
let origin: string;

beforeAll(async () => {
  h = await startHarness();
  await seedDemo(h.app);
  dam = h.app.sims.dam as unknown as DamSimulator;
  origin = new URL(h.gateway.url).origin;
  dam.addImage({ id: 'A-front', sku: 'AMZ-000001', position: 0, alt: 'Front', kind: 'jpeg', width: 1600, height: 1200, seed: 11 });
  dam.addImage({ id: 'A-small', sku: 'AMZ-000001', position: 1, alt: 'Small', kind: 'png', width: 400, height: 300, seed: 12 });
  dam.addImage({ id: 'B-tall', sku: 'AMZ-000002', position: 0, kind: 'jpeg', width: 1200, height: 1600, seed: 13 });
  dam.addImage({ id: 'B-truncated', sku: 'AMZ-000002', position: 1, kind: 'truncated', width: 1200, height: 900, seed: 14 });
  dam.addImage({ id: 'B-html', sku: 'AMZ-000002', position: 2, kind: 'not-an-image' });
  dam.addImage({ id: 'B-bomb', sku: 'AMZ-000002', position: 3, kind: 'pixel-bomb', width: 30_000, height: 30_000 });
});

afterAll(() => h.close());

const sync = async (input: { sku?: string } = {}, dryRun = false) =>
  (await h.app.ctx.hub.run({ system: 'dam', operation: 'images-sync', input, dryRun, trigger: 'test' })).output as Record<string, any>;

const images = async (sku: string, country = 'SG') => {
  const r = await gql(h.gateway.url, IMAGES, { sku, country }, await token('partner'));
  return r.body.data?.product?.images as { url: string; alt: string | null; position: number; width: number; height: number; format: string; bytes: number; sourceUrl: string }[];
};

test('a dry run reads the listing and changes nothing', async () => {
  const dry = await sync({}, true);
  expect(dry).toMatchObject({ dryRun: true, products: 2, images: 6, transcoded: 6, failed: [] });
  expect(await images('AMZ-000001')).toEqual([]);
});

test('every good image becomes WebP at the rule’s size; each bad one is refused by name and the run goes on', async () => {
  const r = await sync();
  expect(r).toMatchObject({ dryRun: false, products: 2, images: 6, transcoded: 3, reused: 0, unchanged: 0, removed: 0 });
  expect(r.failed.map((f: { image: string }) => f.image).sort()).toEqual(['B-bomb', 'B-html', 'B-truncated']);
  const byId = Object.fromEntries(r.failed.map((f: { image: string; error: string; url: string; sku: string }) => [f.image, f]));
  expect(byId['B-truncated']).toMatchObject({ sku: 'AMZ-000002', url: expect.stringMatching(/\/files\/B-truncated\.jpg$/), error: expect.stringMatching(/^cannot be decoded/) });
  expect(byId['B-html'].error).toMatch(/^not an image sharp can read/);
  expect(byId['B-bomb'].error).toBe('30000×30000 is 900000000 pixels, more than media.maxInputPixels (50000000): refused as a decompression bomb');

  const [front, small] = await images('AMZ-000001');
  expect(front).toMatchObject({ alt: 'Front', position: 0, width: 1024, height: 1024, format: 'webp', url: expect.stringMatching(/^\/media\/[0-9a-f]{64}\.webp$/), sourceUrl: expect.stringMatching(/\/files\/A-front\.jpg$/) });
  expect(small).toMatchObject({ alt: 'Small', position: 1, width: 500, height: 500, format: 'webp' });
  expect(await images('AMZ-000002')).toMatchObject([{ width: 1024, height: 1024 }]);
  // Taiwan's market takes the same rule: the same files.
  expect((await images('AMZ-000001', 'TW')).map((i) => i.url)).toEqual([front!.url, small!.url]);

  // The hub serves them: the bytes decode as WebP of the size said, cached for a year, with an ETag.
  for (const image of [front!, small!]) {
    const res = await fetch(`${origin}${image.url}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/webp');
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.length).toBe(image.bytes);
    expect(await sharp(bytes).metadata()).toMatchObject({ format: 'webp', width: image.width, height: image.height });
    const again = await fetch(`${origin}${image.url}`, { headers: { 'if-none-match': res.headers.get('etag')! } });
    expect(again.status).toBe(304);
  }
  expect((await fetch(`${origin}/media/${'0'.repeat(64)}.webp`)).status).toBe(404);
  expect((await fetch(`${origin}/media/..%2Fpackage.json`)).status).toBe(404);
});

test('an unchanged source is never transcoded (nor read) again; the same file under another id is reused', async () => {
  const downloads = dam.stats.downloads;
  const r = await sync();
  expect(r).toMatchObject({ transcoded: 0, reused: 0, unchanged: 3 });
  // Only the three refused images were read again.
  expect(dam.stats.downloads - downloads).toBe(3);
  dam.addImage({ id: 'C-copy', sku: 'AMZ-000003', position: 0, alt: 'Copy' }, await dam.file('A-front'));
  expect(await sync({ sku: 'AMZ-000003' })).toMatchObject({ products: 1, images: 1, transcoded: 0, reused: 1 });
  expect((await images('AMZ-000003'))[0]!.url).toBe((await images('AMZ-000001'))[0]!.url);
});

test('a changed image is made again, a removed one leaves its product, one SKU at a time', async () => {
  const before = (await images('AMZ-000001'))[0]!.url;
  dam.replaceImage('A-front', 99);
  dam.removeImage('A-small');
  expect(await sync({ sku: 'AMZ-000001' })).toMatchObject({ products: 1, images: 1, transcoded: 1, unchanged: 0, removed: 1, failed: [] });
  const after = await images('AMZ-000001');
  expect(after).toHaveLength(1);
  expect(after[0]!.url).not.toBe(before);
  // The other products are untouched by a one-SKU sync.
  expect(await images('AMZ-000002')).toHaveLength(1);
});

test('a country without a market is refused, naming the argument', async () => {
  const r = await gql(h.gateway.url, IMAGES, { sku: 'AMZ-000001', country: 'JP' }, await token('partner'));
  expect(r.body.errors?.[0]).toMatchObject({ message: 'no market in country "JP" (markets are in: SG, MY, TH, TW, PH, VN, BR)', extensions: { code: 'BAD_USER_INPUT' } });
});
