// What the dashboard needs from the public API and from the gateway that serves it: startStockSync answering
// before the run ends, run filters and who ran it, ledger search by SKU, allocation tiers and the current
// inventory preview, the scheduler's next runs; the page's headers and config; GraphiQL and introspection by mode.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway, type RunningGateway } from '../../gateway/index.js';
import { authenticate } from '../../platform/auth/tokens.js';
import type { StockSource } from '../../subgraphs/inventory/ports.js';
import { baseOf, gql, JWT_SECRET, seedDemo, startHarness, token, within, wsClient, type Harness } from './support.js';

let h: Harness;
let production: RunningGateway;
let root: string;

beforeAll(async () => {
  // A stand-in build: the serving rules are tested here, the real build by the browser suite (test/dashboard).
  root = mkdtempSync(join(tmpdir(), 'tsunagi-web-'));
  mkdirSync(join(root, 'assets'));
  writeFileSync(join(root, 'index.html'), '<!doctype html><script type="module" src="/assets/index-abc123.js"></script>');
  writeFileSync(join(root, 'graphiql.html'), '<!doctype html><title>GraphiQL</title>');
  writeFileSync(join(root, 'assets', 'index-abc123.js'), 'export {};');
  h = await startHarness({ dashboardRoot: root });
  await seedDemo(h.app);
  // The same hub as production would run it: not in sandbox mode, nothing set for introspection or GraphiQL.
  const ctx = { ...h.app.ctx, config: { ...h.app.ctx.config, sandbox: false } };
  production = await startGateway(ctx, { port: 0, host: '127.0.0.1', jwtSecret: JWT_SECRET, dashboardRoot: root });
});

afterAll(async () => {
  await production?.close();
  await h?.close();
  rmSync(root, { recursive: true, force: true });
});

const INTROSPECTION = '{ __schema { queryType { name } } }';
const RUN = 'id kind dryRun status trigger user';

describe('startStockSync', () => {
  test('answers with the run while it is still running; syncRunProgress then follows it to its end', async () => {
    const operator = await token('operator', 'early-bird');
    const res = await gql(h.gateway.url, `mutation { startStockSync(dryRun: false) { ${RUN} } }`, {}, operator);
    expect(res.body.errors).toBeUndefined();
    const run = res.body.data!.startStockSync;
    expect(run).toEqual(expect.objectContaining({ kind: 'SYNC', dryRun: false, trigger: 'graphql:early-bird', user: 'early-bird' }));

    const client = wsClient(h.gateway.wsUrl, operator);
    try {
      const events = client.iterate<{ syncRunProgress: { phase: string; status: string } }>({
        query: 'subscription($id: Int!) { syncRunProgress(runId: $id) { phase status } }', variables: { id: run.id },
      });
      let last: { phase: string; status: string } | undefined;
      await within((async () => {
        for await (const e of events) last = e.data!.syncRunProgress;
      })(), 10_000, 'the run to finish');
      expect(last).toEqual({ phase: 'finished', status: 'SUCCESS' });
    } finally {
      await client.dispose();
    }
    const done = await gql(h.gateway.url, `query($id: Int!) { syncRun(id: $id) { status updates } }`, { id: run.id }, operator);
    expect(done.body.data!.syncRun).toEqual({ status: 'SUCCESS', updates: 6 });
  });

  test('the service returns the run before the source has been read', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const source: StockSource = {
      name: 'gated',
      async *pages() {
        await gate;
        yield [{ sku: 'AMZ-000001', quantity: 20 }];
      },
    };
    const runId = await within(h.app.ctx.inventory.sync.start({ source: 'amazon', dryRun: true, trigger: 'test', from: source }), 5000, 'startSync');
    expect((await h.app.ctx.inventory.history.getRun(runId))!.status).toBe('RUNNING');
    release();
    await within((async () => {
      while ((await h.app.ctx.inventory.history.getRun(runId))!.status === 'RUNNING') await new Promise((r) => setTimeout(r, 20));
    })(), 5000, 'the gated run to end');
    expect((await h.app.ctx.inventory.history.getRun(runId))!.status).toBe('SUCCESS');
  });

  test('a partner may not start one, and nothing runs', async () => {
    const before = (await h.app.ctx.inventory.history.listRuns()).length;
    const res = await gql(h.gateway.url, 'mutation { startStockSync(dryRun: true) { id } }', {}, await token('partner'));
    expect(res.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await h.app.ctx.inventory.history.listRuns()).length).toBe(before);
  });
});

describe('what the Status, Simulate and Health widgets read', () => {
  test('runs filter by status and kind; a bad value is named', async () => {
    const operator = await token('operator');
    const all = await gql(h.gateway.url, `{ syncRuns { ${RUN} } }`, {}, operator);
    const dry = all.body.data!.syncRuns.filter((r: { dryRun: boolean }) => r.dryRun);
    expect(dry.length).toBeGreaterThan(0);
    const sync = await gql(h.gateway.url, `{ syncRuns(kind: "SYNC", status: "SUCCESS") { ${RUN} } }`, {}, operator);
    expect(sync.body.data!.syncRuns.length).toBe(all.body.data!.syncRuns.length);
    const none = await gql(h.gateway.url, `{ syncRuns(kind: "ROLLBACK") { id } }`, {}, operator);
    expect(none.body.data!.syncRuns).toEqual([]);
    const bad = await gql(h.gateway.url, `{ syncRuns(status: "DONE") { id } }`, {}, operator);
    expect(bad.body.errors?.[0]).toEqual(expect.objectContaining({
      message: 'status must be one of RUNNING, SUCCESS, PARTIAL, FAILED, INTERRUPTED, ROLLED_BACK; got "DONE"',
      extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }),
    }));
  });

  test("a run's ledger is searchable by SKU, any case, with % and _ taken literally", async () => {
    const operator = await token('operator');
    const runs = (await gql(h.gateway.url, '{ syncRuns(kind: "SYNC", status: "SUCCESS") { id dryRun } }', {}, operator)).body.data!.syncRuns;
    const run = runs.find((r: { dryRun: boolean }) => !r.dryRun);
    const ledger = (sku: string) => gql(h.gateway.url, 'query($id: Int!, $sku: String) { syncRun(id: $id) { ledger(sku: $sku) { edges { node { sku channel } } } } }', { id: run.id, sku }, operator);
    const found = (await ledger('amz-000002')).body.data!.syncRun.ledger.edges.map((e: { node: { sku: string } }) => e.node.sku);
    expect(found).toEqual(['AMZ-000002', 'AMZ-000002']);
    expect((await ledger('AMZ%')).body.data!.syncRun.ledger.edges).toEqual([]);
    expect((await ledger('AMZ_000001')).body.data!.syncRun.ledger.edges).toEqual([]);
  });

  test('the allocation preview names the tier that applied; the current inventory is paged and searchable', async () => {
    const partner = await token('partner');
    const sim = await gql(h.gateway.url, '{ simulateAllocation(quantities: [0, 3, 7, 15, 40]) { quantity allocated tier { min max share } } }', {}, partner);
    expect(sim.body.data!.simulateAllocation).toEqual([
      { quantity: 0, allocated: 0, tier: { min: 0, max: 0, share: '0/1' } },
      { quantity: 3, allocated: 1, tier: { min: 1, max: 5, share: '1/2' } },
      { quantity: 7, allocated: 2, tier: { min: 6, max: 9, share: '1/3' } },
      { quantity: 15, allocated: 3, tier: { min: 10, max: 19, share: '1/4' } },
      { quantity: 40, allocated: 8, tier: { min: 20, max: null, share: '1/5' } },
    ]);
    const page = await gql(h.gateway.url, '{ simulateInventory(first: 2, offset: 1) { total items { sku sourceQuantity channels { channel quantity } } } }', {}, partner);
    expect(page.body.data!.simulateInventory).toEqual({
      total: 3,
      items: [
        { sku: 'AMZ-000002', sourceQuantity: 10, channels: [{ channel: 'yahoo', quantity: 2 }, { channel: 'rakuten', quantity: 2 }] },
        { sku: 'AMZ-000003', sourceQuantity: 4, channels: [{ channel: 'yahoo', quantity: 2 }, { channel: 'rakuten', quantity: 2 }] },
      ],
    });
    const search = await gql(h.gateway.url, '{ simulateInventory(sku: "000001") { total items { sku } } }', {}, partner);
    expect(search.body.data!.simulateInventory).toEqual({ total: 1, items: [{ sku: 'AMZ-000001' }] });
    const bad = await gql(h.gateway.url, '{ simulateInventory(first: 1000) { total } }', {}, partner);
    expect(bad.body.errors?.[0]?.message).toBe('first must be 1..200; got 1000');
  });

  test('health lists the scheduled jobs with their next run in the configured timezone', async () => {
    const res = await gql(h.gateway.url, '{ health { schedules { name schedule timezone nextRunAt } } }', {}, await token('partner'));
    const schedules = res.body.data!.health.schedules as { name: string; schedule: string; timezone: string; nextRunAt: string }[];
    const sync = schedules.find((s) => s.name === 'amazon.stock_sync')!;
    const cleanup = schedules.find((s) => s.name === 'cleanup');
    expect(sync).toEqual(expect.objectContaining({ name: 'amazon.stock_sync', schedule: '0 4 * * *', timezone: 'Asia/Tokyo' }));
    expect(cleanup).toEqual(expect.objectContaining({ name: 'cleanup', schedule: '30 2 * * *' }));
    const next = new Date(sync.nextRunAt);
    expect(next.getTime()).toBeGreaterThan(Date.now());
    expect(next.getTime() - Date.now()).toBeLessThanOrEqual(24 * 3_600_000);
    // 04:00 in Tokyo is 19:00 UTC.
    expect(next.toISOString().slice(11, 16)).toBe('19:00');
  });

  test('health covers the scheduler, the hub serving the data directory and disk space', async () => {
    const res = await gql(h.gateway.url, '{ health { ok workerAlive components { name ok detail } schedules { name lastRunAt lastRunFailed failReason } } }', {}, await token('partner'));
    const health = res.body.data!.health as { ok: boolean; workerAlive: boolean | null; components: { name: string; ok: boolean; detail: string }[]; schedules: { name: string; lastRunAt: string | null; lastRunFailed: boolean | null }[] };
    const byName = Object.fromEntries(health.components.map((c) => [c.name, c]));
    // This gateway announced itself in the data directory and answers there.
    expect(byName.hub).toEqual({ name: 'hub', ok: true, detail: expect.stringMatching(/^running \(process \d+\) at http:\/\/127\.0\.0\.1:\d+\/graphql since /) });
    // No worker runs in this harness: the scheduler is not ok, and so neither is the whole.
    expect(byName.scheduler).toEqual({ name: 'scheduler', ok: false, detail: 'no worker has scheduled the jobs (none has started on this job store)' });
    expect(health.workerAlive).toBe(false);
    expect(health.ok).toBe(false);
    expect(byName['disk:data']).toEqual({ name: 'disk:data', ok: expect.any(Boolean), detail: expect.stringMatching(/ MB free \(/) });
    expect(byName['disk:logs']).toBeDefined();
    expect(health.schedules.find((j) => j.name === 'amazon.stock_sync')).toEqual({ name: 'amazon.stock_sync', lastRunAt: null, lastRunFailed: null, failReason: null });
  });
});

describe('serving the dashboard', () => {
  test('index revalidated, hashed assets immutable, strict CSP and security headers on every page', async () => {
    const base = baseOf(h.gateway.url);
    const index = await fetch(`${base}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(index.headers.get('content-security-policy')).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; " +
        "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    expect(index.headers.get('x-frame-options')).toBe('DENY');
    expect(index.headers.get('x-content-type-options')).toBe('nosniff');
    expect(index.headers.get('referrer-policy')).toBe('no-referrer');
    const etag = index.headers.get('etag')!;
    expect((await fetch(`${base}/`, { headers: { 'if-none-match': etag } })).status).toBe(304);

    const asset = await fetch(`${base}/assets/index-abc123.js`);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await fetch(`${base}/assets/missing.js`)).status).toBe(404);
    expect((await fetch(`${base}/%2e%2e/%2e%2e/etc/passwd`)).status).toBe(404);
    expect((await fetch(`${base}/assets/%E0%A4%A`)).status).toBe(404);
  });

  test('sandbox mode: the page offers a working operator token; GraphiQL for browsers; introspection on', async () => {
    const base = baseOf(h.gateway.url);
    const config = await (await fetch(`${base}/config.json`)).json();
    expect(config).toEqual({ sandbox: true, timezone: 'Asia/Tokyo', sandboxToken: expect.stringMatching(/^eyJ/), graphiql: true });
    expect(await authenticate(JWT_SECRET, `Bearer ${config.sandboxToken}`)).toEqual({ name: 'sandbox-operator', role: 'operator' });

    const page = await fetch(h.gateway.url, { headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>GraphiQL</title>');
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    // A GraphQL client's GET is still the API's (here: no token, 401).
    expect((await fetch(h.gateway.url, { headers: { accept: 'application/json' } })).status).toBe(401);

    const res = await gql(h.gateway.url, INTROSPECTION, {}, await token('partner'));
    expect(res.body).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
  });

  test('production: no token offered, no GraphiQL, introspection refused naming the setting', async () => {
    const base = baseOf(production.url);
    expect(await (await fetch(`${base}/config.json`)).json()).toEqual({ sandbox: false, timezone: 'Asia/Tokyo', sandboxToken: null, graphiql: false });
    const page = await fetch(production.url, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(401);
    expect((await fetch(`${base}/`)).status).toBe(200);

    const res = await gql(production.url, INTROSPECTION, {}, await token('operator'));
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]).toEqual(expect.objectContaining({
      message: expect.stringContaining('GraphQL introspection is off on this server; set TSUNAGI_GRAPHQL_INTROSPECTION=true to turn it on'),
    }));
    // __typename is not introspection: clients need it.
    const typename = await gql(production.url, '{ __typename }', {}, await token('operator'));
    expect(typename.body).toEqual({ data: { __typename: 'Query' } });
  });

  test('the dashboard answers 503 with the command to run when it has not been built', async () => {
    const ctx = h.app.ctx;
    const unbuilt = await startGateway(ctx, { port: 0, host: '127.0.0.1', jwtSecret: JWT_SECRET, dashboardRoot: join(root, 'nowhere') });
    try {
      const res = await fetch(`${baseOf(unbuilt.url)}/`);
      expect(res.status).toBe(503);
      expect(await res.text()).toContain('npm run build:web');
    } finally {
      await unbuilt.close();
    }
  });
});

// Last: its runs (a manual set, a dry rollback) would change what the run-history tests above see.
describe('the run reports', () => {
  test("runStockSync, rollbackStockSync and setChannelStock carry the report's text, the lines the CLI prints", async () => {
    const operator = await token('operator', 'op-text');
    const dry = (await gql(h.gateway.url, 'mutation { runStockSync(dryRun: true) { runId kind sourceSystem updates text } }', {}, operator)).body.data!.runStockSync;
    expect(dry).toMatchObject({ kind: 'SYNC', sourceSystem: 'amazon' });
    const lines = dry.text.split('\n');
    expect(lines.slice(0, 3)).toEqual([expect.stringMatching(/^Amazon Inventory: \d+ items found$/), expect.stringMatching(/^Mapped SKUs: \d+ items$/), `Updates to be sent: ${dry.updates} items`]);
    expect(lines.slice(-2)).toEqual(['[DRY-RUN] No changes made to API.', `[SUCCESS] Run #${dry.runId}`]);

    const set = (await gql(h.gateway.url, 'mutation { setChannelStock(sku: "AMZ-000001", channel: "yahoo", quantity: 3) { runId text } }', {}, operator)).body.data!.setChannelStock;
    expect(set.text).toMatch(new RegExp(`^yahoo \\S+ \\(AMZ-000001\\): \\d+ → 3\n\\[SUCCESS\\] Run #${set.runId}$`));
    const undo = (await gql(h.gateway.url, 'mutation { rollbackStockSync(dryRun: true) { runId rollbackOf updates text } }', {}, operator)).body.data!.rollbackStockSync;
    expect(undo).toMatchObject({ rollbackOf: set.runId, updates: 1 });
    expect(undo.text.split('\n')).toEqual([
      `[DRY-RUN] Rollback of run #${set.runId}: 1 change(s)`, expect.stringMatching(/^ {2}yahoo +\S+ \(AMZ-000001\): 3 → \d+$/), '[DRY-RUN] No changes made to API.', `[SUCCESS] Rollback run #${undo.runId}`,
    ]);
  });
});
