// A local BI sales import API for sandbox mode, tests and the benchmark: an API key, batches of at most 5000 rows
// and deletions, each row checked field by field and refused when it carries anything but the BI shape (no room
// for a name or an address), rows kept by key so that a batch sent twice changes nothing.
import { FaultPlan } from '../sandbox/faults.js';
import { SimulatorServer, type SimRequest, type SimResponse } from '../sandbox/server.js';
import { PersistentState } from '../sandbox/state.js';
import { COLUMNS, PATHS, type SalesRow } from './client.js';
import { MAX_BATCH } from './config.js';

/** Sandbox only: the key the simulator takes and the secret of the sandbox's buyer keys. */
export const BI_SANDBOX_CREDENTIALS = {
  apiKey: 'tsunagi-sandbox-bi-api-key',
  buyerKeySecret: 'tsunagi-sandbox-bi-buyer-key-secret-0001',
} as const;

const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));
const FIELDS = new Set<string>(['key', ...COLUMNS]);
const DECIMAL = /^\d{1,15}(\.\d{1,4})?$/;
/** Rows kept in the sandbox's state file; beyond this, memory only. */
const PERSISTED_ROWS = 100_000;

export interface BiSimulatorOptions {
  stateFile?: string;
  apiKey?: string;
}

const error = (status: number, message: string, errors?: string[]): SimResponse => ({ status, body: { code: status === 401 ? 'unauthorized' : 'invalid', message, ...(errors ? { errors } : {}) } });

/** What is wrong with one row, by field; empty when it is a BI row. */
function rowProblems(row: unknown, at: string): string[] {
  if (typeof row !== 'object' || row === null || Array.isArray(row)) return [`${at}: not an object`];
  const r = row as Record<string, unknown>;
  const problems = Object.keys(r).filter((k) => !FIELDS.has(k)).map((k) => `${at}.${k}: not a BI field`);
  const need = (ok: boolean, field: string, what: string) => ok || problems.push(`${at}.${field}: ${what}`);
  need(typeof r.key === 'string' && r.key.length > 0 && r.key.length <= 300, 'key', 'required');
  need(typeof r.date === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(r.date), 'date', 'YYYY-MM-DD');
  need(typeof r.country === 'string' && /^[A-Z]{2}$/.test(r.country), 'country', 'a two-letter country code');
  need(typeof r.order_id === 'string' && r.order_id.length > 0, 'order_id', 'required');
  need(typeof r.sku === 'string' && r.sku.length > 0, 'sku', 'required');
  need(Number.isInteger(r.quantity) && (r.quantity as number) > 0, 'quantity', 'a positive whole number');
  need(typeof r.unit_price === 'string' && DECIMAL.test(r.unit_price), 'unit_price', 'decimal text');
  need(typeof r.total_amount === 'string' && DECIMAL.test(r.total_amount), 'total_amount', 'decimal text');
  need(typeof r.currency === 'string' && CURRENCIES.has(r.currency), 'currency', 'an ISO 4217 code');
  need(r.buyer_key === null || (typeof r.buyer_key === 'string' && /^[0-9a-f]{64}$/.test(r.buyer_key)), 'buyer_key', 'null or 64 hex digits');
  return problems;
}

export class BiSimulator {
  readonly faults = new FaultPlan();
  private readonly server: SimulatorServer;
  private readonly state: PersistentState<{ rows: Record<string, SalesRow> }>;
  /** Rows by key, as JSON text: a million rows in a compact form. */
  private readonly rowsByKey = new Map<string, string>();
  private readonly apiKey: string;
  private calls = 0;

  constructor(opts: BiSimulatorOptions = {}) {
    this.apiKey = opts.apiKey ?? BI_SANDBOX_CREDENTIALS.apiKey;
    this.state = new PersistentState(opts.stateFile, () => ({ rows: {} }));
    for (const [key, row] of Object.entries(this.state.data.rows)) this.rowsByKey.set(key, JSON.stringify(row));
    this.server = new SimulatorServer('bi', async (req) => {
      await this.faults.wait(req);
      return this.handle(req);
    });
  }

  listen(port = 0): Promise<string> {
    return this.server.listen(port);
  }

  async close(): Promise<void> {
    await this.server.close();
    this.flushState();
  }

  // ---- control ------------------------------------------------------------------------------------------

  reset(): void {
    this.rowsByKey.clear();
    this.faults.clear();
    this.calls = 0;
    this.state.data.rows = {};
    this.state.changed();
  }

  /** How many rows it holds, and how many import calls it took. */
  stats(): { rows: number; calls: number } {
    return { rows: this.rowsByKey.size, calls: this.calls };
  }

  /** Rows held (those of one order, or the first `limit`). */
  rows(opts: { orderId?: string; limit?: number } = {}): SalesRow[] {
    const out: SalesRow[] = [];
    for (const text of this.rowsByKey.values()) {
      const row = JSON.parse(text) as SalesRow;
      if (opts.orderId === undefined || row.order_id === opts.orderId) out.push(row);
      if (out.length >= (opts.limit ?? 1000)) break;
    }
    return out;
  }

  /** The next `times` import calls answer `status`. */
  fail(status: number, times = 1): void {
    this.faults.add({ path: PATHS.import, times, response: error(status, 'injected failure') });
  }

  // ---- the API ------------------------------------------------------------------------------------------

  private handle(req: SimRequest): SimResponse {
    const fault = this.faults.match(req);
    if (fault) return fault;
    if (req.headers['x-api-key'] !== this.apiKey) return error(401, 'a valid X-API-Key is required');
    if (req.path === PATHS.stats && req.method === 'GET') return { status: 200, body: { rows: this.rowsByKey.size } };
    if (req.path !== PATHS.import) return error(404, `no route ${req.path}`);
    if (req.method !== 'POST') return error(405, 'POST only');
    let body: { rows?: unknown; delete?: unknown };
    try {
      body = JSON.parse(req.body) as typeof body;
    } catch {
      return error(400, 'the body is not JSON');
    }
    const rows = body.rows ?? [];
    const deletes = body.delete ?? [];
    if (!Array.isArray(rows) || !Array.isArray(deletes)) return error(400, 'rows and delete are arrays');
    if (rows.length + deletes.length > MAX_BATCH) return error(413, `at most ${MAX_BATCH} rows and deletions per call`);
    const problems = rows.flatMap((r, i) => rowProblems(r, `rows[${i}]`));
    deletes.forEach((k, i) => typeof k === 'string' || problems.push(`delete[${i}]: a row key`));
    if (problems.length) return error(422, 'the batch is not valid; nothing was imported', problems.slice(0, 100));
    this.calls++;
    let deleted = 0;
    for (const key of deletes as string[]) if (this.rowsByKey.delete(key)) deleted++;
    for (const row of rows as SalesRow[]) this.rowsByKey.set(row.key, JSON.stringify(row));
    return { status: 200, body: { upserted: rows.length, deleted } };
  }

  /** The rows go to the state file when the simulator closes (up to PERSISTED_ROWS; a benchmark's million stay in memory). */
  private flushState(): void {
    if (this.rowsByKey.size > PERSISTED_ROWS) return;
    this.state.data.rows = Object.fromEntries([...this.rowsByKey].map(([k, v]) => [k, JSON.parse(v) as SalesRow]));
    this.state.changed();
    this.state.flush();
  }
}

