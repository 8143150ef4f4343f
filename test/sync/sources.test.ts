// Several stock sources, each with its own channels, policy, lease and rollback: the shipped amazon source
// (yahoo, rakuten by the tiers) beside a second source "depot" feeding its own channel "outlet" by its own policy.
// depot and outlet are served by the amazon and rakuten connectors (a second block of each), so they run against
// the same simulators over real HTTP.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidInputError } from '../../platform/errors.js';
import { LedgerEntry } from '../../subgraphs/inventory/entities/ledger-entry.js';
import { RunLease } from '../../subgraphs/inventory/run-lock.js';
import { createTestApp, type TestApp } from '../support/app.js';

const dir = mkdtempSync(join(tmpdir(), 'tsunagi-sources-'));

/** The shipped config with depot → [outlet] by a shared policy (buffer 1). */
function twoSourceConfig(): string {
  const integrations = readFileSync('config/integrations.yaml', 'utf8');
  const copyOf = (system: string, name: string) => {
    const block = integrations.slice(integrations.indexOf(`  - name: ${system}\n`)).split('\n\n')[0]!;
    return `\n${block.replace(`name: ${system}`, `name: ${name}\n    connector: ${system}`).replace(/ {4}sync_schedule:\n(?: {6}.*\n)+/, '')}\n`;
  };
  writeFileSync(join(dir, 'integrations.yaml'), `${integrations}${copyOf('amazon', 'depot')}${copyOf('rakuten', 'outlet')}`);
  const config = readFileSync('config/config.yaml', 'utf8').replace(
    '      channels: [yahoo, rakuten]\n',
    '      channels: [yahoo, rakuten]\n    depot:\n      channels: [outlet]\n      policy: { kind: shared, buffer: 1 }\n',
  );
  writeFileSync(join(dir, 'config.yaml'), config);
  copyFileSync('config/data-mappings.json', join(dir, 'data-mappings.json'));
  return join(dir, 'config.yaml');
}

describe('stock sources, each with its own channels and policy', () => {
  let app: TestApp;
  const configPath = twoSourceConfig();
  beforeEach(async () => {
    app = await createTestApp({ configPath });
  });
  afterEach(() => app.close());
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const yahoo = (sku: string) => app.sims.yahoo.getQuantity(`Y-${sku}`);
  const outlet = (sku: string) => app.sims.rakuten.getQuantity(`o-${sku.toLowerCase()}`);
  const operator = { name: 'op', role: 'operator' as const };
  const manager = { name: 'boss', role: 'manager' as const };

  /** SKUs the source systems report at `quantity`, listed on yahoo, rakuten and outlet at `listed`. */
  async function seed(skus: string[], quantity: number, listed: number): Promise<void> {
    for (const sku of skus) app.sims.amazon.setQuantity(sku, quantity);
    app.sims.yahoo.seed(skus.map((s) => `Y-${s}`), listed);
    app.sims.rakuten.seed([...skus.map((s) => `r-${s.toLowerCase()}`), ...skus.map((s) => `o-${s.toLowerCase()}`)], listed);
    await app.ctx.catalog.upsertMappings(
      skus.map((s) => ({ sku: s, isActive: true, listings: { yahoo: `Y-${s}`, rakuten: `r-${s.toLowerCase()}`, outlet: `o-${s.toLowerCase()}` } })),
    );
  }

  it("a run changes only its source's channels, by its source's policy, and records its source", async () => {
    await seed(['S-1', 'S-2'], 10, 3);
    const depot = await app.ctx.inventory.sync.run({ source: 'depot', dryRun: false, trigger: 'test' });
    expect(depot).toMatchObject({ status: 'SUCCESS', sourceSystem: 'depot', updates: 2 });
    expect(Object.keys(depot.channels)).toEqual(['outlet']);
    // shared, buffer 1: 10 − 1; yahoo untouched until amazon's run (tiers: 10 → 1/4 → 2).
    expect([outlet('S-1'), yahoo('S-1')]).toEqual([9, 3]);
    const amazon = await app.ctx.inventory.sync.run({ source: 'amazon', dryRun: false, trigger: 'test' });
    expect(amazon).toMatchObject({ status: 'SUCCESS', sourceSystem: 'amazon', updates: 4 });
    expect([outlet('S-1'), yahoo('S-1')]).toEqual([9, 2]);
    expect((await app.ctx.inventory.history.getRun(depot.runId))!.sourceSystem).toBe('depot');
    expect((await app.ctx.inventory.history.listRuns(10, { sourceSystem: 'amazon' })).map((r) => r.id)).toEqual([amazon.runId]);
    const ledger = await app.ctx.db.em().find(LedgerEntry, { runId: depot.runId });
    expect(new Set(ledger.map((e) => e.channel))).toEqual(new Set(['outlet']));
    // Each source's own figure is its snapshot.
    expect((await app.ctx.inventory.history.stock(['S-1'], ['amazon', 'depot'])).map((s) => [s.channel, s.quantity])).toEqual([['amazon', 10], ['depot', 10]]);
  });

  it("one source's run never blocks another's: the lease is per source", async () => {
    await seed(['L-1'], 20, 0);
    const held = await new RunLease(app.ctx.db, 'amazon', { leaseMs: 30_000, heartbeatMs: 5000 }).acquire();
    try {
      await expect(app.ctx.inventory.sync.run({ source: 'amazon', dryRun: false, trigger: 'test' })).rejects.toThrow(
        /^another sync run is in progress for the source amazon/,
      );
      await expect(app.ctx.inventory.sync.setChannelStock({ channel: 'yahoo', sku: 'L-1', quantity: 1, actor: 'op' })).rejects.toThrow(/for the source amazon/);
      expect(await app.ctx.inventory.sync.run({ source: 'depot', dryRun: false, trigger: 'test' })).toMatchObject({ status: 'SUCCESS', updates: 1 });
      expect(await app.ctx.inventory.sync.setChannelStock({ channel: 'outlet', sku: 'L-1', quantity: 5, actor: 'op' })).toMatchObject({ status: 'SUCCESS', sourceSystem: 'depot' });
    } finally {
      await held!.release();
    }
    expect(outlet('L-1')).toBe(5);
  });

  it('each source has its own policy, changed only by a proposal a manager approves', async () => {
    await seed(['P-1'], 12, 0);
    const split = await app.ctx.inventory.rules.proposePolicyInput('depot', { kind: 'split', weights: { outlet: 1 } }, operator);
    expect(split).toMatchObject({ source: 'depot', status: 'PROPOSED' });
    expect((await app.ctx.inventory.rules.current('depot')).policy).toEqual({ kind: 'shared', buffer: 1 });
    await expect(app.ctx.inventory.rules.approve(split.id, manager, 'amazon')).rejects.toThrow(`source: rule set ${split.id} is for depot, not amazon`);
    await app.ctx.inventory.rules.approve(split.id, manager, 'depot');
    expect(await app.ctx.inventory.rules.current('depot')).toMatchObject({ ruleSetId: split.id, policy: { kind: 'split', weights: { outlet: 1 } } });
    // The other source keeps its own: the configured tiers.
    expect(await app.ctx.inventory.rules.current('amazon')).toMatchObject({ ruleSetId: null, policy: { kind: 'tiers' } });
    await app.ctx.inventory.sync.run({ source: 'depot', dryRun: false, trigger: 'test' });
    await app.ctx.inventory.sync.run({ source: 'amazon', dryRun: false, trigger: 'test' });
    expect([outlet('P-1'), yahoo('P-1')]).toEqual([12, 3]);

    // Approving amazon's next policy supersedes only amazon's.
    const shared = await app.ctx.inventory.rules.proposePolicyInput('amazon', { kind: 'shared', buffer: 2 }, operator);
    await app.ctx.inventory.rules.approve(shared.id, manager);
    expect((await app.ctx.inventory.rules.list({ source: 'depot' })).map((r) => r.status)).toEqual(['APPROVED']);

    // A weight for a channel the source does not feed is bad input naming the key, and nothing is proposed.
    const before = (await app.ctx.inventory.rules.list({ limit: 100 })).length;
    const refused = app.ctx.inventory.rules.proposePolicyInput('depot', { kind: 'split', weights: { outlet: 1, yahoo: 1 } }, operator);
    await expect(refused).rejects.toThrow(InvalidInputError);
    await expect(refused).rejects.toThrow('invalid policy: policy.weights.yahoo: not a channel of this source (its channels: outlet)');
    await expect(app.ctx.inventory.rules.propose('nowhere', [{ min: 0, share: '1/2' }], operator)).rejects.toThrow(/unknown stock source "nowhere"; sources: amazon, depot/);
    expect((await app.ctx.inventory.rules.list({ limit: 100 })).length).toBe(before);
  });

  it("rollback undoes a source's most recent run, whichever source ran last", async () => {
    await seed(['R-1'], 8, 4);
    const amazon = await app.ctx.inventory.sync.run({ source: 'amazon', dryRun: false, trigger: 'test' });
    const depot = await app.ctx.inventory.sync.run({ source: 'depot', dryRun: false, trigger: 'test' });
    expect([yahoo('R-1'), outlet('R-1')]).toEqual([2, 7]);
    // Naming no source: the first configured (amazon), whichever ran last.
    expect(await app.ctx.inventory.rollback.run({ dryRun: true, trigger: 'test', actor: 'op' })).toMatchObject({ rollbackOf: amazon.runId, sourceSystem: 'amazon' });
    await expect(app.ctx.inventory.rollback.run({ runId: amazon.runId, source: 'depot', dryRun: true, trigger: 'test', actor: 'op' })).rejects.toThrow(
      `runId: run ${amazon.runId} synced amazon, not depot`,
    );
    const undone = await app.ctx.inventory.rollback.run({ source: 'amazon', dryRun: false, trigger: 'test', actor: 'op' });
    expect(undone).toMatchObject({ rollbackOf: amazon.runId, status: 'SUCCESS' });
    expect([yahoo('R-1'), outlet('R-1')]).toEqual([4, 7]);
    expect((await app.ctx.inventory.history.getRun(undone.runId))!.sourceSystem).toBe('amazon');
    // The run id picks its source.
    expect(await app.ctx.inventory.rollback.run({ runId: depot.runId, dryRun: false, trigger: 'test', actor: 'op' })).toMatchObject({ rollbackOf: depot.runId });
    expect(outlet('R-1')).toBe(4);
    await expect(app.ctx.inventory.rollback.run({ source: 'depot', dryRun: true, trigger: 'test', actor: 'op' })).rejects.toThrow(/already rolled back/);
  });
});
