// The pricing engine's REST API (api_key): the active pricing rules (get_active_pricing_rules) and the prices they
// compute per SKU and country (calculate_prices). See README.md for the contract.
import { HttpClient, HttpError, type CallOutcome, type HttpPolicy } from '../../platform/http/index.js';
import { silentLogger, type Logger } from '../../platform/log/index.js';
import { isCurrency } from '../../platform/money.js';
import type { ConnectorHealth, HealthCheck } from '../../subgraphs/inventory/ports.js';
import type { ComputedPrice, PriceSource, PricingRule } from '../../subgraphs/pricing/ports.js';
import type { PricingEngineConfig } from './config.js';

export const RULES_PATH = '/v1/rules';
export const CALCULATE_PATH = '/v1/prices/calculate';
const DECIMAL = /^\d+(\.\d+)?$/;

interface RuleJson {
  id?: unknown;
  name?: unknown;
  countries?: unknown;
  priority?: unknown;
  updated_at?: unknown;
}

interface PriceJson {
  sku?: unknown;
  country?: unknown;
  currency?: unknown;
  price?: unknown;
  rule_name?: unknown;
}

/** The engine answered something the contract does not allow: names the item and the field. */
export class PricingEngineResponseError extends Error {
  override readonly name = 'PricingEngineResponseError';
}

export interface PricingEngineClientOptions {
  config: PricingEngineConfig;
  policy?: Partial<HttpPolicy>;
  logger?: Logger;
  onOutcome?: (outcome: CallOutcome) => void;
}

export class PricingEngineClient implements PriceSource, HealthCheck {
  readonly name: string;
  readonly maxSkusPerCall: number;
  private readonly http: HttpClient;
  private readonly apiKey: string | undefined;

  constructor(opts: PricingEngineClientOptions) {
    this.name = opts.config.system;
    this.maxSkusPerCall = opts.config.batchSize;
    this.apiKey = opts.config.apiKey;
    this.http = new HttpClient({
      system: this.name, baseUrl: opts.config.endpoint, policy: opts.policy, rateLimits: { default: opts.config.rateLimit },
      logger: opts.logger ?? silentLogger, onOutcome: opts.onOutcome, circuit: { failures: 5, openMs: 60_000 },
    });
  }

  /** Every active rule, page by page. */
  async activeRules(): Promise<PricingRule[]> {
    const rules: PricingRule[] = [];
    let cursor: string | null = null;
    do {
      const body: { items?: RuleJson[]; next_cursor?: string | null } = await this.call('getActivePricingRules', {
        url: RULES_PATH, query: { status: 'active', limit: 100, ...(cursor ? { cursor } : {}) },
      });
      for (const [i, r] of (body.items ?? []).entries()) {
        if (typeof r.id !== 'string' || typeof r.name !== 'string') throw new PricingEngineResponseError(`${this.name}: rule ${i} of a page has no id or name`);
        const countries = Array.isArray(r.countries) ? r.countries.filter((c): c is string => typeof c === 'string') : [];
        rules.push({
          id: r.id, name: r.name, countries, priority: typeof r.priority === 'number' ? r.priority : 0,
          updatedAt: typeof r.updated_at === 'string' && !Number.isNaN(Date.parse(r.updated_at)) ? new Date(r.updated_at) : null,
        });
      }
      cursor = typeof body.next_cursor === 'string' && body.next_cursor !== '' ? body.next_cursor : null;
    } while (cursor);
    return rules;
  }

  /** Prices for the SKUs in the countries (at most maxSkusPerCall SKUs); SKUs the engine does not know are left out. */
  async calculate(skus: string[], countries: string[]): Promise<ComputedPrice[]> {
    if (skus.length === 0 || countries.length === 0) return [];
    if (skus.length > this.maxSkusPerCall) throw new Error(`${this.name} calculate: ${skus.length} SKUs given; at most ${this.maxSkusPerCall} per call`);
    const body: { items?: PriceJson[] } = await this.call('calculatePrices', { method: 'POST', url: CALCULATE_PATH, body: { skus, countries } });
    const asked = new Set(skus);
    const where = new Set(countries);
    return (body.items ?? []).map((p, i) => {
      const bad = (what: string) => new PricingEngineResponseError(`${this.name}: price ${i} (${String(p.sku)} in ${String(p.country)}): ${what}`);
      if (typeof p.sku !== 'string' || !asked.has(p.sku)) throw bad('a SKU that was not asked for');
      if (typeof p.country !== 'string' || !where.has(p.country)) throw bad('a country that was not asked for');
      if (typeof p.currency !== 'string' || !isCurrency(p.currency)) throw bad('no ISO 4217 currency');
      // A JSON number's shortest form is its decimal text (19.99, never 19.989999...).
      const price = typeof p.price === 'number' && Number.isFinite(p.price) ? String(p.price) : p.price;
      if (typeof price !== 'string' || !DECIMAL.test(price)) throw bad(`price ${JSON.stringify(p.price)} is not a decimal amount of 0 or more`);
      return { sku: p.sku, country: p.country, currency: p.currency, price, ruleName: typeof p.rule_name === 'string' ? p.rule_name : null };
    });
  }

  async health(): Promise<ConnectorHealth> {
    try {
      await this.call('getActivePricingRules', { url: RULES_PATH, query: { status: 'active', limit: 1 } });
      return { name: this.name, ok: true, detail: 'API key accepted', expiresInDays: null };
    } catch (err) {
      return { name: this.name, ok: false, detail: (err as Error).message, expiresInDays: null };
    }
  }

  async close(): Promise<void> {
    await this.http.close();
  }

  private async call<T>(operation: string, req: { method?: 'GET' | 'POST'; url: string; query?: Record<string, string | number>; body?: unknown }): Promise<T> {
    if (!this.apiKey) throw new Error(`${this.name}: auth.key is not configured (config/integrations.yaml)`);
    try {
      const res = await this.http.request({ ...req, operation, headers: { 'x-api-key': this.apiKey, accept: 'application/json' } });
      return res.json<T>();
    } catch (err) {
      if (err instanceof HttpError) {
        const why = err.status === 401 ? 'the engine refused the API key (auth.key)' : err.detail;
        throw new Error(`${this.name} ${operation}: HTTP ${err.status}: ${why}`);
      }
      throw err;
    }
  }
}
