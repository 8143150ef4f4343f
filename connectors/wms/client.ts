// The merchant's WMS: the stock source of the Shopee shops. REST (cursor pages sorted by (updated_at, sku), an
// incremental read from a watermark kept in the database), the WebSocket stream of changes (stream.ts) and the
// FTP drop box of stock files (drops.ts). The contract is our own design (README.md), not an external standard.
// Every WMS record, whichever way it came, is mapped by the mapping engine (config/data-mappings.json).
import { AppError } from '../../platform/errors.js';
import { HttpClient, HttpError, type CallOutcome, type HttpPolicy } from '../../platform/http/index.js';
import type { ConnectorHealth } from '../../platform/integrations/index.js';
import type { IntegrationState } from '../../platform/integrations/state.js';
import { silentLogger, type Logger } from '../../platform/log/index.js';
import type { Mapping, MappingSet } from '../../platform/transform/index.js';
import type { HealthCheck, SourceChange, SourceItem, StockSource, StockStream } from '../../subgraphs/inventory/ports.js';
import type { WmsConfig } from './config.js';
import { WmsDrops } from './drops.js';
import { STREAM_STATE_KEY, WmsStream, type ChangeHandler, type StreamReport, type StreamTiming } from './stream.js';

export type { WmsConfig } from './config.js';

/** The named mappings (config/data-mappings.json): REST items and CSV rows, and stream frames. */
export const RECORD_MAPPING = 'wms_to_shopee';
export const FRAME_MAPPING = 'wms_stream_to_shopee';

export const STOCK_PATH = '/v1/stock';
export const API_KEY_HEADER = 'x-api-key';
const WATERMARK_KEY = 'rest.watermark';
/** A stream report older than this means no process consumes the stream. */
export const STREAM_REPORT_STALE_MS = 30_000;

/** One SKU's stock as the WMS reports it. */
export interface WmsStockRecord {
  sku: string;
  available: number;
  reserved?: number;
  location?: string;
  /** When the WMS last changed it (ISO 8601): the REST item's updated_at, the frame's ts. */
  updatedAt: string;
}

/** The WMS answered with an error, broke its contract, or could not be reached. */
export class WmsApiError extends AppError {
  readonly code = 'UPSTREAM_FAILED';
  constructor(
    message: string,
    readonly status: number | null,
    /** The WMS's error code (`{code, message}` bodies). */
    readonly wmsCode?: string,
  ) {
    super(message);
    this.name = 'WmsApiError';
  }
}

/**
 * One WMS row (a REST item, a CSV row, a stream frame) through its mapping; what is wrong with it, or the
 * record. `sku` and a whole, non-negative `stock` are required; `reserved`, when given, is whole and non-negative.
 */
export function mapStock(mapping: Mapping, raw: Record<string, unknown>): { stock?: Omit<WmsStockRecord, 'updatedAt'>; problems: string[] } {
  let out: Record<string, unknown>;
  try {
    out = mapping.apply(raw);
  } catch (err) {
    return { problems: [(err as Error).message] };
  }
  const problems: string[] = [];
  const from = (to: string) => mapping.rules.find((r) => r.to === to)?.from ?? to;
  const { sku, stock, reserved, location } = out;
  if (typeof sku !== 'string' || sku === '') problems.push(`${from('sku')}: missing`);
  if (typeof stock !== 'number') problems.push(`${from('stock')}: missing`);
  else if (stock < 0) problems.push(`${from('stock')}: ${stock} is negative`);
  if (typeof reserved === 'number' && reserved < 0) problems.push(`${from('reserved')}: ${reserved} is negative`);
  if (location !== undefined && typeof location !== 'string') problems.push(`${from('location')}: not text`);
  if (problems.length > 0) return { problems };
  const record: Omit<WmsStockRecord, 'updatedAt'> = { sku: sku as string, available: stock as number };
  if (typeof reserved === 'number') record.reserved = reserved;
  if (typeof location === 'string' && location !== '') record.location = location;
  return { stock: record, problems };
}

/** An ISO 8601 / RFC 3339 instant, normalised; undefined when `value` is none. */
export function instant(value: unknown): string | undefined {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

interface StockPage {
  items?: unknown;
  next_cursor?: unknown;
}

/** An incremental read: the changed records page by page; `commit` moves the watermark once they were used. */
export interface IncrementalRead {
  /** Where the read starts (the watermark less the overlap); null = everything (no watermark yet). */
  since: string | null;
  pages(): AsyncGenerator<WmsStockRecord[]>;
  /** Stores the newest updated_at read as the watermark (never moves it back). */
  commit(): Promise<void>;
}

export interface WmsClientOptions {
  config: WmsConfig;
  mappings: MappingSet;
  /** This system's durable state (watermark, stream position, imported files). */
  state: IntegrationState;
  policy?: Partial<HttpPolicy>;
  logger?: Logger;
  onOutcome?: (outcome: CallOutcome) => void;
}

export class WmsClient implements StockSource, StockStream, HealthCheck {
  readonly name: string;
  readonly config: WmsConfig;
  /** The FTP drop box; undefined when no FTP server is configured. */
  readonly drops: WmsDrops | undefined;
  private readonly http: HttpClient;
  private readonly records: Mapping;
  private readonly frames: Mapping;
  private readonly state: IntegrationState;
  private readonly logger: Logger;
  private readonly onOutcome?: (outcome: CallOutcome) => void;
  private readonly streams = new Set<WmsStream>();

  constructor(opts: WmsClientOptions) {
    this.config = opts.config;
    this.name = opts.config.system;
    this.state = opts.state;
    this.logger = opts.logger ?? silentLogger;
    this.onOutcome = opts.onOutcome;
    this.records = opts.mappings.get(RECORD_MAPPING);
    this.frames = opts.mappings.get(FRAME_MAPPING);
    this.http = new HttpClient({
      system: this.name,
      baseUrl: opts.config.apiUrl,
      policy: opts.policy,
      rateLimits: { default: opts.config.rateLimit },
      logger: this.logger,
      onOutcome: opts.onOutcome,
      circuit: { failures: 5, openMs: 30_000 },
    });
    this.drops = opts.config.ftp
      ? new WmsDrops({
          system: this.name, ftp: opts.config.ftp, encoding: opts.config.csvEncoding, maxFileBytes: opts.config.maxFileBytes,
          mapping: this.records, state: opts.state, timeoutMs: opts.policy?.timeoutMs ?? 15_000, logger: this.logger, onOutcome: opts.onOutcome,
        })
      : undefined;
  }

  /** Stock records changed at or after `since` (every record when null), in (updated_at, sku) order, a page at a time. */
  async *stockPages(since: string | null = null): AsyncGenerator<WmsStockRecord[]> {
    let cursor: string | undefined;
    do {
      const query = cursor ? { cursor, limit: this.config.pageSize } : { updated_since: since ?? undefined, limit: this.config.pageSize };
      const page = await this.get<StockPage>(STOCK_PATH, query, 'listStock');
      if (!Array.isArray(page.items) || !(page.next_cursor === null || typeof page.next_cursor === 'string')) {
        throw new WmsApiError(`${this.name} listStock: the response lacks items[] or next_cursor`, 200);
      }
      yield page.items.map((item, i) => this.fromApi(item, i));
      cursor = (page.next_cursor as string | null) || undefined;
    } while (cursor);
  }

  /** Every SKU's available stock: the REST API, or the newest FTP file when settings.batch_source is ftp. */
  async *pages(): AsyncGenerator<SourceItem[]> {
    if (this.config.batchSource === 'ftp') {
      const newest = await this.requireDrops().newest();
      if (!newest) throw new WmsApiError(`${this.name}: no stock file on the FTP server (batch_source is ftp)`, null);
      for (let i = 0; i < newest.records.length; i += 1000) yield newest.records.slice(i, i + 1000).map(toSourceItem);
      return;
    }
    for await (const page of this.stockPages(null)) yield page.map(toSourceItem);
  }

  /** What changed since the watermark (less the overlap); the watermark moves only when the caller commits. */
  async incremental(): Promise<IncrementalRead> {
    const stored = await this.state.get<{ updatedAt: string }>(WATERMARK_KEY);
    const since = stored ? new Date(Date.parse(stored.updatedAt) - this.config.overlapSeconds * 1000).toISOString() : null;
    let newest = stored?.updatedAt;
    const client = this;
    return {
      since,
      async *pages() {
        for await (const page of client.stockPages(since)) {
          for (const r of page) if (!newest || r.updatedAt > newest) newest = r.updatedAt;
          yield page;
        }
      },
      async commit() {
        if (newest && newest !== stored?.updatedAt) await client.state.put(WATERMARK_KEY, { updatedAt: newest });
      },
    };
  }

  /** The watermark of incremental reads; undefined before the first. */
  async watermark(): Promise<string | undefined> {
    return (await this.state.get<{ updatedAt: string }>(WATERMARK_KEY))?.updatedAt;
  }

  /**
   * The WebSocket stream of changes, handed to `handler` in order, resumed from the position kept in the
   * database. Not connected until `start()`.
   */
  openStream(handler: ChangeHandler, timing: Partial<StreamTiming> = {}): WmsStream {
    if (!this.config.apiKey) throw new WmsApiError(`${this.name}: no API key configured (auth.key)`, null);
    const stream = new WmsStream({
      system: this.name,
      url: this.config.streamUrl,
      apiKey: this.config.apiKey,
      frames: this.frames,
      state: this.state,
      catchUp: (since) => this.stockPages(since),
      overlapSeconds: this.config.overlapSeconds,
      timing: { pingMs: this.config.pingMs, ...timing },
      handler,
      logger: this.logger,
      onOutcome: this.onOutcome,
    });
    this.streams.add(stream);
    stream.onStop(() => this.streams.delete(stream));
    return stream;
  }

  /** The stream as the inventory's real-time feed takes it: each change's SKU and available figure. */
  openChanges(handler: (changes: SourceChange[]) => Promise<void>): WmsStream {
    return this.openStream((changes) => handler(changes.map((c) => ({ sku: c.sku, quantity: c.available, at: c.updatedAt, ...(c.seq === undefined ? {} : { seq: c.seq }) }))));
  }

  /** The stream's state as its consumer (any process) last reported it; undefined when never consumed. */
  async streamReport(): Promise<(StreamReport & { ageMs: number }) | undefined> {
    const report = await this.state.get<StreamReport>(STREAM_STATE_KEY);
    return report && { ...report, ageMs: Math.max(0, Date.now() - Date.parse(report.reportedAt)) };
  }

  async health(): Promise<ConnectorHealth> {
    const parts: string[] = [];
    let ok = true;
    try {
      await this.get<StockPage>(STOCK_PATH, { limit: 1 }, 'health');
      parts.push('REST OK');
    } catch (err) {
      ok = false;
      parts.push((err as Error).message);
    }
    const stream = await this.streamReport().catch(() => undefined);
    if (!stream || stream.ageMs > STREAM_REPORT_STALE_MS) {
      parts.push('stream: no consumer running (the worker consumes it)');
    } else if (!stream.connected) {
      parts.push(`stream: disconnected (${stream.lastError ?? 'reconnecting'}), last seq ${stream.lastSeq ?? 'none'}`);
      if (stream.disconnectedMs !== null && stream.disconnectedMs > STREAM_REPORT_STALE_MS) ok = false;
    } else {
      parts.push(`stream: connected, last seq ${stream.lastSeq ?? 'none'}, lag ${stream.lagMs ?? 0} ms`);
    }
    if (this.drops) {
      try {
        parts.push(`FTP OK (${(await this.drops.pending()).length} file(s) waiting)`);
      } catch (err) {
        ok = false;
        parts.push(`FTP: ${(err as Error).message}`);
      }
    }
    return { name: this.name, ok, detail: parts.join('; '), expiresInDays: null };
  }

  async close(): Promise<void> {
    await Promise.all([...this.streams].map((s) => s.stop()));
    await this.http.close();
  }

  private requireDrops(): WmsDrops {
    if (!this.drops) throw new WmsApiError(`${this.name}: no FTP server configured (endpoints.ftp.url)`, null);
    return this.drops;
  }

  private fromApi(item: unknown, index: number): WmsStockRecord {
    const where = `${this.name} listStock: item #${index + 1}`;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) throw new WmsApiError(`${where} is not an object`, 200);
    const { stock, problems } = mapStock(this.records, item as Record<string, unknown>);
    const updatedAt = instant((item as { updated_at?: unknown }).updated_at);
    if (!updatedAt) problems.push('updated_at: not an RFC 3339 date-time');
    if (!stock || problems.length > 0) throw new WmsApiError(`${where}: ${problems.join('; ')}`, 200);
    return { ...stock, updatedAt: updatedAt! };
  }

  private async get<T>(path: string, query: Record<string, string | number | undefined>, operation: string): Promise<T> {
    if (!this.config.apiKey) throw new WmsApiError(`${this.name}: no API key configured (auth.key)`, null);
    try {
      const res = await this.http.request({ url: path, query, operation, headers: { [API_KEY_HEADER]: this.config.apiKey, accept: 'application/json' } });
      return res.json<T>();
    } catch (err) {
      throw this.translate(err, operation);
    }
  }

  private translate(err: unknown, operation: string): Error {
    if (err instanceof HttpError) {
      let body: { code?: unknown; message?: unknown } = {};
      try {
        body = JSON.parse(err.body) as typeof body;
      } catch {
        // Not the contract's error body: the status and the start of the text say enough.
      }
      const code = typeof body.code === 'string' ? body.code : undefined;
      const message = typeof body.message === 'string' ? body.message : err.body.slice(0, 200);
      const hint = err.status === 401 || err.status === 403 ? ': check auth.key of the wms block (WMS_API_KEY)' : '';
      return new WmsApiError(`${this.name} ${operation}: HTTP ${err.status}${code ? ` ${code}` : ''}: ${message}${hint}`, err.status, code);
    }
    // Network failures, timeouts and an open circuit (CircuitOpenError) alike: the WMS could not be reached.
    return new WmsApiError(`${this.name} ${operation}: ${(err as Error).message}`, null);
  }
}

const toSourceItem = (r: WmsStockRecord): SourceItem => ({ sku: r.sku, quantity: r.available });
