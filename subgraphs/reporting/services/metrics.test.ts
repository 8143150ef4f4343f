// The hub's metrics from real calls and runs: what a scrape shows, and that no label carries a SKU or a code.
import { createTestApp, seed, type TestApp } from '../../../test/support/app.js';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(() => app?.close());

/** One sample's value from the exposition text; undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const inner = line.slice(name.length + 1, line.indexOf('}'));
    if (wanted.every((w) => inner.split(',').includes(w))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

it('counts calls by system, operation and outcome with their latency; runs by kind and status; credential days', async () => {
  // Counting starts when the metrics are first asked for (the gateway does so at its start).
  await app.ctx.hubMetrics();
  const skus = Array.from({ length: 5 }, (_, i) => ({ sku: `MET-${i}`, quantity: 20 }));
  await seed(app, skus, 50);
  await app.ctx.inventory.sync.run({ source: 'amazon', dryRun: false, trigger: 'cli' });
  app.sims.rakuten.faults.add({ path: '/es/2.0/inventories', response: { status: 503, body: { errors: [{ code: 'GA0001', message: 'Service Unavailable' }] } } });
  await expect(app.ctx.hub.run({ system: 'rakuten', operation: 'get_stock', input: { codes: ['r-met-0'] }, dryRun: false, trigger: 'cli' })).rejects.toThrow();
  app.sims.rakuten.faults.clear();

  const text = await (await app.ctx.hubMetrics()).registry.metrics();
  expect(sample(text, 'tsunagi_external_calls_total', { system: 'yahoo', operation: 'setStock', outcome: 'ok' })).toBe(1);
  expect(sample(text, 'tsunagi_external_calls_total', { system: 'rakuten', operation: 'bulkGetInventories', outcome: 'failed' })).toBe(1);
  expect(sample(text, 'tsunagi_external_call_duration_seconds_count', { system: 'yahoo', operation: 'setStock' })).toBe(1);
  expect(sample(text, 'tsunagi_external_call_duration_seconds_bucket', { system: 'yahoo', operation: 'setStock', le: '+Inf' })).toBe(1);
  expect(sample(text, 'tsunagi_runs', { kind: 'SYNC', status: 'SUCCESS', dry_run: 'false' })).toBe(1);
  expect(sample(text, 'tsunagi_credential_expiry_days', { system: 'yahoo' })).toBe(28);
  // Bounded labels: systems, operations, statuses; no SKU, listing code or URL anywhere.
  expect(text).not.toMatch(/MET-|r-met|Y-MET|http:\/\//);
});

it('counts the alerts firing by rule', async () => {
  const smtp = app.sims.notify.email;
  const port = smtp.port;
  await smtp.close();
  try {
    await app.ctx.alertRules.evaluate();
    expect(sample(await (await app.ctx.hubMetrics()).registry.metrics(), 'tsunagi_alerts_firing', { rule: 'unreachable' })).toBe(1);
  } finally {
    await smtp.listen(port);
  }
  await app.ctx.alertRules.evaluate();
  expect(sample(await (await app.ctx.hubMetrics()).registry.metrics(), 'tsunagi_alerts_firing', { rule: 'unreachable' })).toBeUndefined();
});
