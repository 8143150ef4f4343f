// A local DAM: each product's images listed as the client reads them, and the files themselves, real JPEG and PNG
// images made with sharp from a seed (the same seed always gives the same picture) in several sizes. It can also
// hold the bad files a real DAM may hand over: a truncated JPEG, a file that is no image, a PNG whose header
// claims a decompression bomb's size. Enforces the API key, the page limit and its rate limit (429 + Retry-After).
import { createHash, randomBytes } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';
import { FaultPlan } from '../sandbox/faults.js';
import { SimulatorServer, type SimRequest, type SimResponse } from '../sandbox/server.js';
import { PersistentState } from '../sandbox/state.js';
import { TokenBucket } from '../../platform/http/token-bucket.js';
import { ASSETS_PATH } from './client.js';

export const DAM_SANDBOX_KEY = 'tsunagi-sandbox-dam-key';
export const FILES_PATH = '/files/';

export type AssetKind = 'jpeg' | 'png' | 'truncated' | 'not-an-image' | 'pixel-bomb';

export interface SimAsset {
  id: string;
  sku: string;
  position: number;
  alt: string | null;
  kind: AssetKind;
  width: number;
  height: number;
  /** What the picture is made from; a new seed is a new picture. */
  seed: number;
  updatedAt: string;
}

interface SimState {
  assets: SimAsset[];
}

export interface DamSimulatorOptions {
  stateFile?: string;
  /** Requests per second; false = unlimited. Default 20/s, burst 20. */
  rateLimit?: false | { perSecond: number; burst: number };
}

/** Files kept made (or given) in memory; older ones are made again when asked for. */
const CACHE = 1000;
const TYPES: Record<AssetKind, string> = { jpeg: 'image/jpeg', png: 'image/png', truncated: 'image/jpeg', 'not-an-image': 'image/jpeg', 'pixel-bomb': 'image/png' };
const EXT: Record<AssetKind, string> = { jpeg: 'jpg', png: 'png', truncated: 'jpg', 'not-an-image': 'jpg', 'pixel-bomb': 'png' };
const SIZES = { jpeg: [[1600, 1200], [1200, 1600], [2000, 2000]], png: [[800, 800], [400, 300]] } as const;

const error = (status: number, code: string, message: string, headers?: Record<string, string>): SimResponse => ({ status, headers, body: { code, message } });

/** A picture made from a seed: a gradient with shapes, as SVG rendered by libvips. */
export function picture(seed: number, width: number, height: number): Buffer {
  const h = createHash('sha256').update(String(seed)).digest();
  const colour = (i: number) => `rgb(${h[i]},${h[i + 1]},${h[i + 2]})`;
  const shapes = Array.from({ length: 12 }, (_, i) => {
    const v = (j: number) => h[(i * 3 + j) % 32]! / 255;
    return `<circle cx="${(v(0) * width).toFixed(0)}" cy="${(v(1) * height).toFixed(0)}" r="${(v(2) * Math.min(width, height) * 0.3 + 10).toFixed(0)}" fill="${colour((i * 2) % 29)}" opacity="0.7"/>`;
  }).join('');
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">` +
      `<stop offset="0" stop-color="${colour(0)}"/><stop offset="1" stop-color="${colour(3)}"/></linearGradient></defs>` +
      `<rect width="${width}" height="${height}" fill="url(#g)"/>${shapes}</svg>`,
  );
}

/** A PNG whose header says width×height while its data is a few bytes: decoding it would take width×height×3 bytes. */
export function pixelBombPng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.alloc(1024))), chunk('IEND', Buffer.alloc(0))]);
}

export class DamSimulator {
  readonly faults = new FaultPlan();
  readonly stats = { listRequests: 0, downloads: 0, throttled: 0 };
  private readonly server: SimulatorServer;
  private readonly state: PersistentState<SimState>;
  private readonly bucket: TokenBucket | undefined;
  private readonly files = new Map<string, Buffer>();

  constructor(opts: DamSimulatorOptions = {}) {
    const rate = opts.rateLimit === false ? undefined : (opts.rateLimit ?? { perSecond: 20, burst: 20 });
    this.bucket = rate ? new TokenBucket(rate.perSecond, rate.burst) : undefined;
    this.state = new PersistentState<SimState>(opts.stateFile, () => ({ assets: [] }));
    this.server = new SimulatorServer('dam', (req) => this.handle(req));
  }

  get url(): string {
    return this.server.url;
  }

  listen(port = 0): Promise<string> {
    return this.server.listen(port);
  }

  async close(): Promise<void> {
    await this.server.close();
    this.state.flush();
  }

  /** Two images per SKU, `<sku>-1` (a JPEG photo) and `<sku>-2` (a PNG), sized by the SKU. */
  seed(skus: string[]): number {
    this.put(
      skus.flatMap((sku) => {
        const h = createHash('sha256').update(sku).digest();
        const [jw, jh] = SIZES.jpeg[h[0]! % SIZES.jpeg.length]!;
        const [pw, ph] = SIZES.png[h[1]! % SIZES.png.length]!;
        return [
          { id: `${sku}-1`, sku, position: 0, alt: `${sku} front`, kind: 'jpeg' as const, width: jw, height: jh, seed: h.readUInt32BE(2) },
          { id: `${sku}-2`, sku, position: 1, alt: `${sku} detail`, kind: 'png' as const, width: pw, height: ph, seed: h.readUInt32BE(6) },
        ];
      }),
    );
    this.state.changed();
    return skus.length;
  }

  /** Adds or replaces one image; `bytes` serves exactly those (benchmarks bring their own files). */
  addImage(image: { id: string; sku: string; position?: number; alt?: string | null; kind?: AssetKind; width?: number; height?: number; seed?: number }, bytes?: Buffer): void {
    this.put([{ position: 0, alt: null, kind: 'jpeg', width: 1200, height: 900, seed: 1, ...image }]);
    if (bytes) this.files.set(image.id, bytes);
    else this.files.delete(image.id);
    this.state.changed();
  }

  /** A new picture under the same id (the DAM's updated time moves). */
  replaceImage(id: string, seed: number): void {
    const asset = this.asset(id);
    asset.seed = seed;
    asset.updatedAt = new Date().toISOString();
    this.files.delete(id);
    this.state.changed();
  }

  removeImage(id: string): void {
    this.state.data.assets = this.state.data.assets.filter((a) => a.id !== id);
    this.files.delete(id);
    this.state.changed();
  }

  count(): number {
    return this.state.data.assets.length;
  }

  clear(): void {
    this.state.data.assets = [];
    this.files.clear();
    this.state.changed();
  }

  reset(): void {
    this.clear();
  }

  /** The file an image is served as. */
  async file(id: string): Promise<Buffer> {
    const cached = this.files.get(id);
    if (cached) return cached;
    const a = this.asset(id);
    let bytes: Buffer;
    if (a.kind === 'not-an-image') bytes = Buffer.from('<!doctype html><title>Asset moved</title><p>This asset moved.</p>');
    else if (a.kind === 'pixel-bomb') bytes = pixelBombPng(a.width, a.height);
    else {
      // Loaded on the first image served: a process that only joins a running sandbox never draws one.
      const { default: sharp } = await import('sharp');
      const image = sharp(picture(a.seed, a.width, a.height));
      bytes = a.kind === 'png' ? await image.png().toBuffer() : await image.jpeg({ quality: 88 }).toBuffer();
      if (a.kind === 'truncated') bytes = bytes.subarray(0, Math.floor(bytes.length / 2));
    }
    if (this.files.size >= CACHE) this.files.delete(this.files.keys().next().value!);
    this.files.set(id, bytes);
    return bytes;
  }

  private asset(id: string): SimAsset {
    const a = this.state.data.assets.find((x) => x.id === id);
    if (!a) throw new Error(`dam simulator: no image ${id}`);
    return a;
  }

  /** Adds or replaces assets by id, keeping the list in the order the DAM pages it (one sort per call, not per asset). */
  private put(added: Omit<SimAsset, 'updatedAt'>[]): void {
    const ids = new Set(added.map((a) => a.id));
    const updatedAt = new Date().toISOString();
    const assets = [...this.state.data.assets.filter((x) => !ids.has(x.id)), ...added.map((a) => ({ ...a, updatedAt }))];
    assets.sort((x, y) => x.sku.localeCompare(y.sku) || x.position - y.position || x.id.localeCompare(y.id));
    this.state.data.assets = assets;
  }

  private async handle(req: SimRequest): Promise<SimResponse> {
    if (this.bucket && !this.bucket.take()) {
      this.stats.throttled++;
      return error(429, 'rate_limited', 'Too many requests', { 'retry-after': String(this.bucket.retryAfterSeconds()) });
    }
    const fault = this.faults.match(req);
    if (fault) return fault;
    // Files are served like a CDN's: no key needed.
    if (req.method === 'GET' && req.path.startsWith(FILES_PATH)) return this.download(req.path.slice(FILES_PATH.length));
    if (req.headers['x-api-key'] !== DAM_SANDBOX_KEY) return error(401, 'unauthorized', 'A valid X-API-Key header is required');
    if (req.method === 'GET' && req.path === ASSETS_PATH) return this.list(req);
    return error(404, 'not_found', `No resource ${req.method} ${req.path}`);
  }

  private async download(name: string): Promise<SimResponse> {
    const id = decodeURIComponent(name.replace(/\.[a-z]+$/, ''));
    if (!this.state.data.assets.some((a) => a.id === id)) return error(404, 'not_found', `No file ${name}`);
    this.stats.downloads++;
    const bytes = await this.file(id);
    return { status: 200, headers: { 'content-type': TYPES[this.asset(id).kind], 'content-length': String(bytes.length) }, body: bytes };
  }

  private list(req: SimRequest): SimResponse {
    this.stats.listRequests++;
    const limit = Number(req.query.get('limit') ?? 20);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) return error(422, 'invalid_request', 'limit must be 1 to 100');
    const cursor = req.query.get('cursor');
    const offset = cursor === null ? 0 : Number(Buffer.from(cursor, 'base64url').toString());
    if (!Number.isInteger(offset) || offset < 0) return error(422, 'invalid_request', 'cursor is not one this DAM issued');
    const product = req.query.get('product');
    const all = product === null ? this.state.data.assets : this.state.data.assets.filter((a) => a.sku === product);
    const items = all.slice(offset, offset + limit).map((a) => ({
      id: a.id, product_sku: a.sku, url: `${this.url}${FILES_PATH}${encodeURIComponent(a.id)}.${EXT[a.kind]}`, alt: a.alt, position: a.position,
      updated_at: a.updatedAt, content_type: TYPES[a.kind], width: a.width, height: a.height, request_id: randomBytes(4).toString('hex'),
    }));
    return { status: 200, body: { items, next_cursor: offset + limit < all.length ? Buffer.from(String(offset + limit)).toString('base64url') : null } };
  }
}
