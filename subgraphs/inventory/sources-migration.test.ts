// The stock-sources migration: existing runs and rule sets become the one source's there was (amazon); down()
// drops what only several sources can hold (other sources' rule sets) and keeps every run.
import { createTestDatabase, type TestDatabase } from '../../test/support/db.js';

describe('Migration20261128090000StockSources', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t.drop());

  it('gives existing runs and rule sets their source, and back', async () => {
    const em = () => t.db.em();
    await t.db.orm.migrator.down({ to: 'Migration20261127120000RulePolicies' });
    await em().execute(`insert into sync_run (kind, dry_run, status, trigger, source, started_at, heartbeat_at, owner, channels)
      values ('SYNC', false, 'SUCCESS', 'cli', 'amazon', now(), now(), 'host:1', '{}'), ('SYNC', true, 'SUCCESS', 'cli', 'fba.tsv', now(), now(), 'host:1', '{}')`);
    await em().execute(`insert into allocation_rule_set (policy, status, proposed_by, proposed_at) values ('{"kind":"shared","buffer":2}'::jsonb, 'APPROVED', 'op', now())`);

    await t.db.orm.migrator.up();
    expect(await em().execute('select source, source_system from sync_run order by id')).toEqual([
      { source: 'amazon', source_system: 'amazon' }, { source: 'fba.tsv', source_system: 'amazon' },
    ]);
    expect(await em().execute('select source, status from allocation_rule_set')).toEqual([{ source: 'amazon', status: 'APPROVED' }]);
    await expect(em().execute(`insert into allocation_rule_set (policy, status, proposed_by, proposed_at) values ('{"kind":"shared","buffer":1}'::jsonb, 'PROPOSED', 'op', now())`))
      .rejects.toThrow(/not-null/);
    await em().execute(`insert into allocation_rule_set (source, policy, status, proposed_by, proposed_at) values ('wms', '{"kind":"shared","buffer":1}'::jsonb, 'PROPOSED', 'op', now())`);

    await t.db.orm.migrator.down({ to: 'Migration20261127120000RulePolicies' });
    expect(await em().execute('select policy from allocation_rule_set')).toEqual([{ policy: { kind: 'shared', buffer: 2 } }]);
    expect(await em().execute('select count(*)::int as n from sync_run')).toEqual([{ n: 2 }]);
    await t.db.orm.migrator.up();
  });
});
