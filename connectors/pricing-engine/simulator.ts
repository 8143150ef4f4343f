// A local pricing engine: each SKU has a base price in yen, each market's price is base × exchange rate × the active
// rules' multipliers, written with two decimals whatever the currency (the engine knows no marketplace's precision:
// that is Tsunagi's job). Enforces the API key, its list and batch limits, and 429 + Retry-After.
import { createHash, randomBytes } from 'node:crypto';
import { FaultPlan } from '../sandbox/faults.js';
import { SimulatorServer, type SimRequest, type SimResponse } from '../sandbox/server.js';
import { PersistentState } from '../sandbox/state.js';
import { TokenBucket } from '../../platform/http/token-bucket.js';
import { CALCULATE_PATH, RULES_PATH } from './client.js';

export const PRICING_SANDBOX_KEY = 'tsunagi-sandbox-pricing-key';

/** Yen → the market currency (the simulator's fixed rates). */
export const SIM_RATES: Record<string, { currency: string; perYen: number }> = {
  SG: { currency: 'SGD', perYen: 0.0088 }, MY: { currency: 'MYR', perYen: 0.031 }, TH: { currency: 'THB', perYen: 0.23 },
  TW: { currency: 'TWD', perYen: 0.21 }, PH: { currency: 'PHP', perYen: 0.39 }, VN: { currency: 'VND', perYen: 172 },
  BR: { currency: 'BRL', perYen: 0.037 }, ID: { currency: 'IDR', perYen: 107 }, MX: { currency: 'MXN', perYen: 0.13 },
};

export interface SimRule {
  id: string;
  name: string;
  /** Countries it applies in; empty = all. */
  countries: string[];
  multiplier: number;
  priority: number;
  active: boolean;
  updatedAt: string;
}

interface SimState {
  /** Base price in whole yen per SKU. */
  base: Record<string, number>;
  rules: SimRule[];
}

export interface PricingSimulatorOptions {
  stateFile?: string;
  /** Requests per second; false = unlimited. Default 10/s, burst 10. */
  rateLimit?: false | { perSecond: number; burst: number };
  apiKey?: string;
}

const DEFAULT_RULES = (): SimRule[] => {
  const at = new Date().toISOString();
  return [
    { id: 'base-margin', name: 'Cross-border base margin', countries: [], multiplier: 1.35, priority: 10, active: true, updatedAt: at },
    { id: 'sg-weekend', name: 'SG weekend uplift', countries: ['SG'], multiplier: 1.05, priority: 20, active: true, updatedAt: at },
  ];
};

const error = (status: number, code: string, message: string, extra: Record<string, unknown> = {}, headers?: Record<string, string>): SimResponse =>
  ({ status, headers, body: { code, message, ...extra } });

/** A base price for a SKU, the same every time: 1,000 to 19,900 yen. */
export const demoBasePrice = (sku: string) => 1000 + (createHash('sha256').update(sku).digest().readUInt16BE(0) % 190) * 100;

/**
 * What a shop lists a demo SKU at before Tsunagi prices it: its base price at the country's rate with a margin a
 * little under the default rules' (1.35), so the sandbox's first pricing run raises it by some 8 % (13 % in SG),
 * inside the guardrails' largest change. Two decimals; null where the simulator has no rate.
 */
export function demoListPrice(sku: string, country: string): { currency: string; price: string } | null {
  const rate = SIM_RATES[country];
  return rate ? { currency: rate.currency, price: (demoBasePrice(sku) * rate.perYen * 1.25).toFixed(2) } : null;
}

export class PricingEngineSimulator {
  readonly faults = new FaultPlan();
  readonly stats = { calculations: 0, throttled: 0 };
  private readonly server: SimulatorServer;
  private readonly state: PersistentState<SimState>;
  private readonly bucket: TokenBucket | undefined;
  private readonly apiKey: string;

  constructor(opts: PricingSimulatorOptions = {}) {
    const rate = opts.rateLimit === false ? undefined : (opts.rateLimit ?? { perSecond: 10, burst: 10 });
    this.bucket = rate ? new TokenBucket(rate.perSecond, rate.burst) : undefined;
    this.apiKey = opts.apiKey ?? PRICING_SANDBOX_KEY;
    this.state = new PersistentState<SimState>(opts.stateFile, () => ({ base: {}, rules: DEFAULT_RULES() }));
    this.server = new SimulatorServer('pricing-engine', (req) => this.handle(req));
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

  /** Gives each SKU its demo base price. */
  seed(skus: string[]): number {
    for (const sku of skus) this.state.data.base[sku] = demoBasePrice(sku);
    this.state.changed();
    return skus.length;
  }

  setBasePrice(sku: string, yen: number): void {
    if (!Number.isInteger(yen) || yen < 0) throw new Error(`setBasePrice ${sku}: a whole number of yen >= 0, got ${yen}`);
    this.state.data.base[sku] = yen;
    this.state.changed();
  }

  /** Adds or replaces a rule. */
  setRule(rule: Omit<SimRule, 'updatedAt'>): void {
    const rules = this.state.data.rules.filter((r) => r.id !== rule.id);
    rules.push({ ...rule, updatedAt: new Date().toISOString() });
    this.state.data.rules = rules;
    this.state.changed();
  }

  /** The price the engine computes now, as it would answer it. */
  priceOf(sku: string, country: string): { currency: string; price: string; rule: string | null } | null {
    const base = this.state.data.base[sku];
    const rate = SIM_RATES[country];
    if (base === undefined || !rate) return null;
    const rules = this.state.data.rules.filter((r) => r.active && (r.countries.length === 0 || r.countries.includes(country)));
    const value = rules.reduce((v, r) => v * r.multiplier, base * rate.perYen);
    const top = rules.sort((a, b) => b.priority - a.priority)[0];
    return { currency: rate.currency, price: (Math.round(value * 100) / 100).toFixed(2), rule: top?.name ?? null };
  }

  clear(): void {
    this.state.data.base = {};
    this.state.changed();
  }

  /** No prices and the default rules: the sandbox's first start. */
  reset(): void {
    this.state.data.base = {};
    this.state.data.rules = DEFAULT_RULES();
    this.state.changed();
  }

  private handle(req: SimRequest): SimResponse {
    if (this.bucket && !this.bucket.take()) {
      this.stats.throttled++;
      return error(429, 'rate_limited', 'Too many requests', {}, { 'retry-after': String(this.bucket.retryAfterSeconds()) });
    }
    const fault = this.faults.match(req);
    if (fault) return fault;
    if (req.headers['x-api-key'] !== this.apiKey) return error(401, 'unauthorized', 'A valid X-API-Key header is required');
    if (req.path === RULES_PATH && req.method === 'GET') return this.rules(req);
    if (req.path === CALCULATE_PATH && req.method === 'POST') return this.calculate(req);
    return error(404, 'not_found', `No resource ${req.method} ${req.path}`);
  }

  private rules(req: SimRequest): SimResponse {
    const status = req.query.get('status');
    if (status !== null && status !== 'active' && status !== 'all') return error(422, 'invalid_request', 'status must be active or all');
    const limit = Number(req.query.get('limit') ?? 20);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) return error(422, 'invalid_request', 'limit must be 1 to 100');
    const cursor = req.query.get('cursor');
    const offset = cursor === null ? 0 : Number(Buffer.from(cursor, 'base64url').toString());
    if (!Number.isInteger(offset) || offset < 0) return error(422, 'invalid_request', 'cursor is not one this engine issued');
    const all = this.state.data.rules.filter((r) => status === 'all' || r.active).sort((a, b) => a.id.localeCompare(b.id));
    const items = all.slice(offset, offset + limit).map((r) => ({ id: r.id, name: r.name, countries: r.countries, priority: r.priority, updated_at: r.updatedAt }));
    const next = offset + limit < all.length ? Buffer.from(String(offset + limit)).toString('base64url') : null;
    return { status: 200, body: { items, next_cursor: next } };
  }

  private calculate(req: SimRequest): SimResponse {
    let body: { skus?: unknown; countries?: unknown };
    try {
      body = JSON.parse(req.body) as typeof body;
    } catch {
      return error(400, 'invalid_json', 'The body is not JSON');
    }
    const errors: { field: string; message: string }[] = [];
    const { skus, countries } = body;
    if (!Array.isArray(skus) || skus.length < 1 || skus.length > 100 || skus.some((s) => typeof s !== 'string' || s === '')) {
      errors.push({ field: 'skus', message: 'a list of 1 to 100 SKUs' });
    }
    if (!Array.isArray(countries) || countries.length < 1 || countries.some((c) => typeof c !== 'string' || !SIM_RATES[c])) {
      errors.push({ field: 'countries', message: `a list of countries the engine prices in (${Object.keys(SIM_RATES).join(', ')})` });
    }
    if (errors.length) return error(422, 'invalid_request', 'The request is invalid', { errors });
    this.stats.calculations++;
    const items: unknown[] = [];
    const unknown: string[] = [];
    for (const sku of skus as string[]) {
      if (this.state.data.base[sku] === undefined) {
        unknown.push(sku);
        continue;
      }
      for (const country of countries as string[]) {
        const p = this.priceOf(sku, country)!;
        items.push({ sku, country, currency: p.currency, price: p.price, rule_name: p.rule, computed_at: new Date().toISOString(), id: randomBytes(6).toString('hex') });
      }
    }
    return { status: 200, body: { items, unknown_skus: unknown } };
  }
}
