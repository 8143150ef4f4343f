import { LedgerEntry } from '../../subgraphs/inventory/entities/ledger-entry.js';
import { SyncRun } from '../../subgraphs/inventory/entities/sync-run.js';
import { createTestApp, seed, type TestApp } from '../support/app.js';

describe('stock sync against the simulators', () => {
  let app: TestApp;
  beforeEach(async () => {
    app = await createTestApp();
  });
  afterEach(() => app.close());

  const yahoo = (sku: string) => app.sims.yahoo.getQuantity(`Y-${sku}`);
  const rakuten = (sku: string) => app.sims.rakuten.getQuantity(`r-${sku.toLowerCase()}`);

  it('allocates every tier boundary to both malls, rounded down', async () => {
    const cases: [number, number][] = [[0, 0], [1, 0], [2, 1], [5, 2], [6, 2], [9, 3], [10, 2], [19, 4], [20, 4], [99, 19]];
    await seed(app, cases.map(([q]) => ({ sku: `T-${q}`, quantity: q })), 50);
    const report = await app.ctx.inventory.sync.run({ source: 'amazon', dryRun: false, trigger: 'test' });
    expect(report.status).toBe('SUCCESS');
    for (const [q, expected] of cases) {
      expect([q, yahoo(`T-${q}`)]).toEqual([q, expected]);
      expect([q, rakuten(`T-${q}`)]).toEqual([q, expected]);
    }
  });

  it('a split or shared policy takes effect only once a manager approves it, and then drives the sync', async () => {
    await seed(app, [{ sku: 'S-10', quantity: 10 }, { sku: 'S-7', quantity: 7 }], 50);
    const operator = { name: 'op', role: 'operator' as const };
    const manager = { name: 'boss', role: 'manager' as const };
    const split = await app.ctx.inventory.rules.proposePolicyInput('amazon', { kind: 'split', weights: { yahoo: 2, rakuten: 1 } }, operator, 'yahoo sells more');
    await app.ctx.inventory.sync.run({ source: 'amazon', dryRun: false, trigger: 'test' });
    // Still the manual's tiers: 10 → 1/4 → 2; 7 → 1/3 → 2.
    expect([yahoo('S-10'), rakuten('S-10'), yahoo('S-7'), rakuten('S-7')]).toEqual([2, 2, 2, 2]);

    await expect(app.ctx.inventory.rules.approve(split.id, operator)).rejects.toThrow(/needs the manager role/);
    expect((await app.ctx.inventory.rules.approve(split.id, manager)).policy).toEqual({ kind: 'split', weights: { yahoo: 2, rakuten: 1 } });
    await app.ctx.inventory.sync.run({ source: 'amazon', dryRun: false, trigger: 'test' });
    // Each share rounded down: the channels together never hold more than the source.
    expect([yahoo('S-10'), rakuten('S-10'), yahoo('S-7'), rakuten('S-7')]).toEqual([6, 3, 4, 2]);

    const shared = await app.ctx.inventory.rules.proposePolicyInput('amazon', { kind: 'shared', buffer: 3 }, operator);
    await app.ctx.inventory.rules.approve(shared.id, manager);
    await app.ctx.inventory.sync.run({ source: 'amazon', dryRun: false, trigger: 'test' });
    expect([yahoo('S-10'), rakuten('S-10'), yahoo('S-7'), rakuten('S-7')]).toEqual([7, 7, 4, 4]);
    expect((await app.ctx.inventory.rules.current('amazon')).ruleSetId).toBe(shared.id);

    await expect(app.ctx.inventory.rules.proposePolicyInput('amazon', { kind: 'split', weights: { yahoo: 0 } }, operator)).rejects.toThrow(
      'invalid policy: policy.weights: at least one weight must be above 0',
    );
  });

  it('a dry run reports exactly the changes the applied run then sends, and sends nothing', async () => {
    await seed(app, Array.from({ length: 40 }, (_, i) => ({ sku: `D-${i}`, quantity: i, active: i % 7 !== 0, rakuten: i % 5 !== 0 })), 1);
    app.sims.amazon.setQuantity('UNMAPPED-1', 30);
    const dry = await app.ctx.inventory.sync.run({ source: 'amazon', dryRun: true, trigger: 'test' });
    expect(yahoo('D-39')).toBe(1);
    expect(dry.skipped.inactive).toBe(6);
    expect(dry.skipped.unmapped).toBe(1);
    const applied = await app.ctx.inventory.sync.run({ source: 'amazon', dryRun: false, trigger: 'test' });
    const ledger = await app.ctx.db.em().find(LedgerEntry, { runId: applied.runId }, { orderBy: { id: 'asc' } });
    const key = (c: { channel: string; sku: string; before?: number | null; after: number }) => `${c.channel}/${c.sku}/${c.before}->${c.after}`;
    expect(ledger.map(key).sort()).toEqual(dry.changes.map(key).sort());
    expect(ledger.every((e) => e.result === 'APPLIED')).toBe(true);
    expect(applied.updates).toBe(dry.updates);
    expect(dry.updates).toBeGreaterThan(0);
    const again = await app.ctx.inventory.sync.run({ source: 'amazon', dryRun: true, trigger: 'test' });
    expect(again.updates).toBe(0);
  });

  it('never touches inactive or unmapped SKUs', async () => {
    await seed(app, [{ sku: 'OFF', quantity: 50, active: false }, { sku: 'ON', quantity: 50 }], 3);
    await app.ctx.inventory.sync.run({ source: 'amazon', dryRun: false, trigger: 'test' });
    expect(yahoo('OFF')).toBe(3);
    expect(yahoo('ON')).toBe(10);
  });

  it('rollback restores every channel exactly, once, and only within the window', async () => {
    await seed(app, Array.from({ length: 30 }, (_, i) => ({ sku: `R-${i}`, quantity: i * 3 })), 7);
    const before = Array.from({ length: 30 }, (_, i) => [yahoo(`R-${i}`), rakuten(`R-${i}`)]);
    const run = await app.ctx.inventory.sync.run({ source: 'amazon', dryRun: false, trigger: 'test' });
    expect(run.updates).toBeGreaterThan(0);

    const preview = await app.ctx.inventory.rollback.run({ source: 'amazon', dryRun: true, trigger: 'test', actor: 'tester' });
    expect(preview.changes.length).toBe(run.updates);
    expect(yahoo('R-29')).not.toBe(7);
    // A channel that already holds the old figure again is no change: neither listed nor counted.
    app.sims.yahoo.setQuantity('Y-R-29', 7);
    const fewer = await app.ctx.inventory.rollback.run({ source: 'amazon', dryRun: true, trigger: 'test', actor: 'tester' });
    expect(fewer.changes.length).toBe(run.updates - 1);
    expect(fewer.changes.some((c) => c.before === c.after)).toBe(false);

    const rb = await app.ctx.inventory.rollback.run({ source: 'amazon', dryRun: false, trigger: 'test', actor: 'tester' });
    expect(rb.status).toBe('SUCCESS');
    expect(Array.from({ length: 30 }, (_, i) => [yahoo(`R-${i}`), rakuten(`R-${i}`)])).toEqual(before);
    expect((await app.ctx.inventory.history.getRun(run.runId))?.status).toBe('ROLLED_BACK');

    await expect(app.ctx.inventory.rollback.run({ source: 'amazon', dryRun: false, trigger: 'test', actor: 'tester' })).rejects.toThrow(/already rolled back/);

    const next = await app.ctx.inventory.sync.run({ source: 'amazon', dryRun: false, trigger: 'test' });
    await app.ctx.db.em().nativeUpdate(SyncRun, { id: next.runId }, { finishedAt: new Date(Date.now() - 25 * 3_600_000) });
    await expect(app.ctx.inventory.rollback.run({ source: 'amazon', dryRun: true, trigger: 'test', actor: 'tester' })).rejects.toThrow(/within 24 hours/);
    await expect(app.ctx.inventory.rollback.run({ runId: run.runId, dryRun: true, trigger: 'test', actor: 'tester' })).rejects.toThrow(/most recent/);
  });

  it('refuses a second run while one is in progress', async () => {
    await seed(app, Array.from({ length: 5 }, (_, i) => ({ sku: `C-${i}`, quantity: 10 })));
    const [a, b] = await Promise.allSettled([
      app.ctx.inventory.sync.run({ source: 'amazon', dryRun: false, trigger: 'test' }),
      app.ctx.inventory.sync.run({ source: 'amazon', dryRun: false, trigger: 'test' }),
    ]);
    const outcomes = [a.status, b.status].sort();
    expect(outcomes).toEqual(['fulfilled', 'rejected']);
    const refused = (a.status === 'rejected' ? a : b) as PromiseRejectedResult;
    expect(String(refused.reason.message)).toMatch(/another sync run is in progress/);
  });

  it('a channel failing mid-run gives PARTIAL, and the ledger says exactly what was applied', async () => {
    // 1,200 Yahoo! updates = two setStock calls; the second fails every attempt.
    await seed(app, Array.from({ length: 1200 }, (_, i) => ({ sku: `P-${String(i).padStart(4, '0')}`, quantity: 20 })));
    app.sims.yahoo.faults.add({ path: 'setStock', after: 1, response: { status: 503, body: 'maintenance' } });
    const report = await app.ctx.inventory.sync.run({ source: 'amazon', dryRun: false, trigger: 'test' });
    expect(report.status).toBe('PARTIAL');
    expect(report.channels.yahoo).toMatchObject({ updates: 1200, failed: 200 });
    expect(report.channels.rakuten).toMatchObject({ updates: 1200, failed: 0 });
    const ledger = await app.ctx.db.em().find(LedgerEntry, { runId: report.runId, channel: 'yahoo' });
    for (const e of ledger) {
      const now = app.sims.yahoo.getQuantity(e.code);
      expect([e.code, e.result, now]).toEqual([e.code, now === e.after ? 'APPLIED' : 'FAILED', now]);
    }
    expect(ledger.filter((e) => e.result === 'FAILED')).toHaveLength(200);
    expect((await app.ctx.inventory.history.getRun(report.runId))?.errorSummary).toMatch(/200 × yahoo/);
  });

  it('records every external call in the integration log', async () => {
    await seed(app, [{ sku: 'L-1', quantity: 8 }]);
    await app.ctx.inventory.sync.run({ source: 'amazon', dryRun: false, trigger: 'test' });
    const log = await app.ctx.reporting.integrationLog({ limit: 100 });
    const systems = new Set(log.map((l) => l.system));
    expect([...systems].sort()).toEqual(expect.arrayContaining(['amazon', 'rakuten', 'yahoo']));
    expect(log.every((l) => !l.url.includes('token='))).toBe(true);
  });

  it('a manual stock set is a ledgered run that streams its change and is undone by rollback', async () => {
    await seed(app, [{ sku: 'M-1', quantity: 10 }], 4);
    const events: unknown[] = [];
    const unsubscribe = await app.ctx.events.subscribe('stock_changed', (batch: unknown[]) => events.push(...batch));
    const r = await app.ctx.inventory.sync.setChannelStock({ channel: 'yahoo', sku: 'M-1', quantity: 9, actor: 'tester' });
    expect(r).toMatchObject({ status: 'SUCCESS', updates: 1, changes: [{ channel: 'yahoo', sku: 'M-1', before: 4, after: 9 }] });
    expect(yahoo('M-1')).toBe(9);
    expect(rakuten('M-1')).toBe(4);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(events).toEqual([expect.objectContaining({ sku: 'M-1', channel: 'yahoo', before: 4, after: 9, runId: r.runId })]);
    await unsubscribe();
    await expect(app.ctx.inventory.sync.setChannelStock({ channel: 'amazon', sku: 'M-1', quantity: 1, actor: 'tester' })).rejects.toThrow(/unknown channel/);
    await expect(app.ctx.inventory.sync.setChannelStock({ channel: 'yahoo', sku: 'NOPE', quantity: 1, actor: 'tester' })).rejects.toThrow(/unknown SKU "NOPE"/);
    await app.ctx.inventory.rollback.run({ source: 'amazon', dryRun: false, trigger: 'test', actor: 'tester' });
    expect(yahoo('M-1')).toBe(4);
  });
});
