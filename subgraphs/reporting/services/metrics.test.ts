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

it('reads run durations, items changed per channel and the queues from the database, as any process would', async () => {
  // Another process's metrics: it made no run and received nothing itself.
  const other = await app.openAnother();
  await app.ctx.orders.receive('metrics-test', 'oms', '{}', [
    { kind: 'mystery', dedupKey: 'met-1' },
    { kind: 'shipment', dedupKey: 'met-2', orderRef: 'NO-SUCH', payload: { orderSn: 'NO-SUCH', trackingNumber: 'T-1' } },
  ]);
  // One attempt each: the unknown kind becomes a dead letter, the shipment of no known order waits for a retry.
  expect(await app.ctx.orders.inbox.processDue(10)).toBe(2);
  await app.ctx.orders.receive('metrics-test', 'oms', '{}', [{ kind: 'mystery', dedupKey: 'met-3' }]);
  await new Promise((r) => setTimeout(r, 1100));

  const text = await (await other.hubMetrics()).registry.metrics();
  expect(sample(text, 'tsunagi_run_duration_seconds_count', { kind: 'SYNC', status: 'SUCCESS' })).toBe(1);
  expect(sample(text, 'tsunagi_run_duration_seconds_bucket', { kind: 'SYNC', status: 'SUCCESS', le: '+Inf' })).toBe(1);
  expect(sample(text, 'tsunagi_run_duration_seconds_bucket', { kind: 'SYNC', status: 'SUCCESS', le: '3600' })).toBe(1);
  expect(sample(text, 'tsunagi_run_duration_seconds_sum', { kind: 'SYNC', status: 'SUCCESS' })).toBeGreaterThan(0);
  expect(text).toContain('# TYPE tsunagi_run_duration_seconds histogram');
  // The five SKUs went from 50 to their allocation on both malls.
  expect(sample(text, 'tsunagi_items_changed', { channel: 'yahoo', result: 'applied' })).toBe(5);
  expect(sample(text, 'tsunagi_items_changed', { channel: 'rakuten', result: 'applied' })).toBe(5);
  expect(sample(text, 'tsunagi_items_changed', { channel: 'yahoo', result: 'failed' })).toBe(0);
  expect(sample(text, 'tsunagi_messages', { queue: 'inbox', state: 'pending' })).toBe(2);
  expect(sample(text, 'tsunagi_messages', { queue: 'inbox', state: 'dead' })).toBe(1);
  expect(sample(text, 'tsunagi_messages_oldest_pending_seconds', { queue: 'inbox' })).toBeGreaterThanOrEqual(1);
  expect(sample(text, 'tsunagi_messages_retries', { queue: 'inbox' })).toBe(0);
  expect(sample(text, 'tsunagi_messages', { queue: 'outbox', state: 'pending' })).toBe(0);
  expect(sample(text, 'tsunagi_messages_oldest_pending_seconds', { queue: 'outbox' })).toBe(0);
  expect(text).not.toMatch(/NO-SUCH|met-\d|T-1/);

  // A retry is counted: the shipment's second attempt, made due now.
  await app.t.db.em().execute("update order_inbox set next_attempt_at = now() where dedup_key = 'met-2'");
  await app.ctx.orders.inbox.processDue(10);
  const after = await (await other.hubMetrics()).registry.metrics();
  expect(sample(after, 'tsunagi_messages_retries', { queue: 'inbox' })).toBe(1);
});
