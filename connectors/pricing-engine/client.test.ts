// Contract test: PricingEngineClient against PricingEngineSimulator over real HTTP on 127.0.0.1.
import type { CallOutcome } from '../../platform/http/index.js';
import { CALCULATE_PATH, PricingEngineClient, RULES_PATH } from './client.js';
import { PRICING_SANDBOX_KEY, PricingEngineSimulator, type PricingSimulatorOptions } from './simulator.js';

let sim: PricingEngineSimulator;
let client: PricingEngineClient;
let outcomes: CallOutcome[];

async function start(simOpts: PricingSimulatorOptions = {}, key: string | null = PRICING_SANDBOX_KEY) {
  sim = new PricingEngineSimulator({ rateLimit: false, ...simOpts });
  const url = await sim.listen();
  outcomes = [];
  client = new PricingEngineClient({
    config: { system: 'pricing-engine', endpoint: url, apiKey: key ?? undefined, batchSize: 100, rateLimit: { perSecond: 1000, burst: 100 } },
    policy: { timeoutMs: 5000, retries: 3, backoffBaseMs: 10, backoffMaxMs: 50 },
    onOutcome: (o) => outcomes.push(o),
  });
}

afterEach(async () => {
  await client?.close();
  await sim?.close();
});

describe('PricingEngineClient', () => {
  it('reads every active rule, page by page', async () => {
    await start();
    for (let i = 0; i < 120; i++) sim.setRule({ id: `r-${String(i).padStart(3, '0')}`, name: `Rule ${i}`, countries: ['TW'], multiplier: 1, priority: i, active: i % 2 === 0 });
    const rules = await client.activeRules();
    expect(rules).toHaveLength(62);
    expect(rules.find((r) => r.id === 'sg-weekend')).toEqual({ id: 'sg-weekend', name: 'SG weekend uplift', countries: ['SG'], priority: 20, updatedAt: expect.any(Date) });
    expect(outcomes.filter((o) => o.operation === 'getActivePricingRules')).toHaveLength(1);
    sim.setRule({ id: 'z-last', name: 'Last', countries: [], multiplier: 1, priority: 1, active: true });
    for (let i = 120; i < 160; i++) sim.setRule({ id: `r-${i}`, name: `Rule ${i}`, countries: [], multiplier: 1, priority: 0, active: true });
    expect(await client.activeRules()).toHaveLength(103);
    expect(outcomes.filter((o) => o.operation === 'getActivePricingRules')).toHaveLength(3);
  });

  it('calculates prices per SKU and country as decimal text; unknown SKUs are left out', async () => {
    await start();
    sim.setBasePrice('A', 10001);
    const prices = await client.calculate(['A', 'UNKNOWN'], ['SG', 'TW']);
    expect(prices).toEqual([
      { sku: 'A', country: 'SG', currency: 'SGD', price: '124.75', ruleName: 'SG weekend uplift' },
      { sku: 'A', country: 'TW', currency: 'TWD', price: '2835.28', ruleName: 'Cross-border base margin' },
    ]);
  });

  it('refuses more SKUs than one call takes before sending, and the engine refuses a bad request', async () => {
    await start();
    await expect(client.calculate(Array.from({ length: 101 }, (_, i) => `S${i}`), ['SG'])).rejects.toThrow(/101 SKUs given; at most 100 per call/);
    expect(outcomes).toEqual([]);
    await expect(client.calculate(['A'], ['JP'])).rejects.toThrow(/calculatePrices: HTTP 422: invalid_request: The request is invalid/);
  });

  it('names a price answer the contract does not allow', async () => {
    await start();
    sim.faults.add({ path: CALCULATE_PATH, response: { status: 200, body: { items: [{ sku: 'A', country: 'SG', currency: 'SGD', price: '12,34' }] } } });
    await expect(client.calculate(['A'], ['SG'])).rejects.toThrow('pricing-engine: price 0 (A in SG): price "12,34" is not a decimal amount of 0 or more');
  });

  it('says a refused API key is the cause, in health too', async () => {
    await start({}, 'wrong-key');
    await expect(client.activeRules()).rejects.toThrow(/HTTP 401: the engine refused the API key \(auth\.key\)/);
    expect(await client.health()).toMatchObject({ ok: false, detail: expect.stringMatching(/refused the API key/) });
    await client.close();
    await sim.close();
    await start({}, null);
    expect(await client.health()).toMatchObject({ ok: false, detail: 'pricing-engine: auth.key is not configured (config/integrations.yaml)' });
  });

  it('waits out 429 with Retry-After, and retries a 500', async () => {
    await start({ rateLimit: { perSecond: 1, burst: 1 } });
    sim.setBasePrice('A', 1000);
    await client.calculate(['A'], ['SG']);
    await client.calculate(['A'], ['SG']);
    expect(sim.stats.throttled).toBeGreaterThan(0);
    sim.faults.add({ path: RULES_PATH, times: 1, response: { status: 500, body: { code: 'internal', message: 'boom' } } });
    await client.activeRules();
    expect(outcomes.filter((o) => o.ok).map((o) => o.attempts)).toEqual([1, expect.any(Number), expect.any(Number)]);
    expect(outcomes.at(-1)!.attempts).toBeGreaterThan(1);
  }, 15_000);
});
