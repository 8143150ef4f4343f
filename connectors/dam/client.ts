// The DAM's REST API (API key): each product's images (id, file URL, alt text, position, updated time), page by
// page, and the files themselves, read as bytes under a size cap. See README.md for the contract.
import { HttpClient, HttpError, type CallOutcome, type HttpPolicy } from '../../platform/http/index.js';
import { silentLogger, type Logger } from '../../platform/log/index.js';
import type { ConnectorHealth, HealthCheck } from '../../subgraphs/inventory/ports.js';
import type { ImageSource, SourceImage } from '../../subgraphs/media/ports.js';
import type { DamConfig } from './config.js';

export const ASSETS_PATH = '/v1/assets';

interface AssetJson {
  id?: unknown;
  product_sku?: unknown;
  url?: unknown;
  alt?: unknown;
  position?: unknown;
  updated_at?: unknown;
}

/** The DAM answered something the contract does not allow: names the asset and the field. */
export class DamResponseError extends Error {
  override readonly name = 'DamResponseError';
}

export interface DamClientOptions {
  config: DamConfig;
  policy?: Partial<HttpPolicy>;
  logger?: Logger;
  onOutcome?: (outcome: CallOutcome) => void;
}

export class DamClient implements ImageSource, HealthCheck {
  readonly name: string;
  private readonly http: HttpClient;
  private readonly config: DamConfig;
  private readonly origin: string;

  constructor(opts: DamClientOptions) {
    this.config = opts.config;
    this.name = opts.config.system;
    this.origin = new URL(opts.config.endpoint).origin;
    this.http = new HttpClient({
      system: this.name, baseUrl: opts.config.endpoint, policy: opts.policy, rateLimits: { default: opts.config.rateLimit },
      logger: opts.logger ?? silentLogger, onOutcome: opts.onOutcome, circuit: { failures: 5, openMs: 60_000 },
    });
  }

  /** Every product's images (or one SKU's), page by page, in the DAM's order (SKU, then position). */
  async *images(opts: { sku?: string }): AsyncGenerator<SourceImage[]> {
    let cursor: string | null = null;
    do {
      const body: { items?: AssetJson[]; next_cursor?: string | null } = await this.call('listAssets', {
        limit: this.config.pageSize, ...(opts.sku !== undefined ? { product: opts.sku } : {}), ...(cursor ? { cursor } : {}),
      });
      yield (body.items ?? []).map((a, i) => this.toImage(a, i));
      cursor = typeof body.next_cursor === 'string' && body.next_cursor !== '' ? body.next_cursor : null;
    } while (cursor);
  }

  /** The file's bytes; the API key goes only to the API's own origin (a CDN URL gets none). */
  async download(image: SourceImage, maxBytes: number): Promise<Buffer> {
    const url = new URL(image.url);
    const headers: Record<string, string> = url.origin === this.origin && this.config.apiKey ? { 'x-api-key': this.config.apiKey } : {};
    try {
      const res = await this.http.request({ url: url.href, operation: 'downloadAsset', headers, bytes: { maxBytes } });
      return res.bytes!;
    } catch (err) {
      if (err instanceof HttpError) throw new Error(`${this.name} downloadAsset: HTTP ${err.status}: ${err.detail}`);
      throw err;
    }
  }

  async health(): Promise<ConnectorHealth> {
    try {
      await this.call('listAssets', { limit: 1 });
      return { name: this.name, ok: true, detail: 'API key accepted', expiresInDays: null };
    } catch (err) {
      return { name: this.name, ok: false, detail: (err as Error).message, expiresInDays: null };
    }
  }

  async close(): Promise<void> {
    await this.http.close();
  }

  private toImage(a: AssetJson, i: number): SourceImage {
    const bad = (what: string) => new DamResponseError(`${this.name}: asset ${i} of a page (${String(a.id)}): ${what}`);
    if (typeof a.id !== 'string' || a.id === '') throw bad('no id');
    if (typeof a.product_sku !== 'string' || a.product_sku === '') throw bad('no product_sku');
    if (typeof a.url !== 'string' || !/^https?:\/\//.test(a.url) || !URL.canParse(a.url)) throw bad('url is not an http(s) URL');
    if (typeof a.position !== 'number' || !Number.isInteger(a.position) || a.position < 0) throw bad('position is not a whole number of 0 or more');
    const updated = typeof a.updated_at === 'string' && !Number.isNaN(Date.parse(a.updated_at)) ? new Date(a.updated_at) : null;
    return { id: a.id, sku: a.product_sku, url: a.url, alt: typeof a.alt === 'string' && a.alt !== '' ? a.alt : null, position: a.position, updatedAt: updated };
  }

  private async call<T>(operation: string, query: Record<string, string | number>): Promise<T> {
    if (!this.config.apiKey) throw new Error(`${this.name}: auth.key is not configured (config/integrations.yaml)`);
    try {
      const res = await this.http.request({ url: ASSETS_PATH, query, operation, headers: { 'x-api-key': this.config.apiKey, accept: 'application/json' } });
      return res.json<T>();
    } catch (err) {
      if (err instanceof HttpError) {
        const why = err.status === 401 ? 'the DAM refused the API key (auth.key)' : err.detail;
        throw new Error(`${this.name} ${operation}: HTTP ${err.status}: ${why}`);
      }
      throw err;
    }
  }
}
