// The listings migration moves the master's per-mall columns into listing rows, and down() moves them back;
// the rule-policies migration wraps each stored tier table into a tiers policy, and back; the master's SKU column
// loses its vendor name, and gets it back.
import { createTestDatabase, type TestDatabase } from '../../test/support/db.js';

describe('Migration20261127110000Listings, Migration20261127120000RulePolicies and Migration20261127130000CatalogSku', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t.drop());

  it('moves codes into listings and back, keeping every SKU', async () => {
    const em = () => t.db.em();
    await t.db.orm.migrator.down({ to: 'Migration20261127100000RunLease' });
    await em().execute(`insert into sku_mapping (amazon_sku, yahoo_item_code, rakuten_item_number, is_active, imported_at) values
      ('AMZ-1', 'YH-1', 'rkt-1', true, now()), ('AMZ-2', null, 'rkt-2', false, now()), ('AMZ-3', 'YH-3', null, true, now())`);

    const tiers = [{ min: 0, max: 0, share: '0/1' }, { min: 1, share: '1/2' }];
    await em().execute(`insert into allocation_rule_set (tiers, status, proposed_by, proposed_at) values (?::jsonb, 'APPROVED', 'op', now())`, [JSON.stringify(tiers)]);

    await t.db.orm.migrator.up();
    expect(await em().execute('select policy from allocation_rule_set')).toEqual([{ policy: { kind: 'tiers', tiers } }]);
    expect(await em().execute('select sku, channel, code, variant_id from listing order by sku, channel')).toEqual([
      { sku: 'AMZ-1', channel: 'rakuten', code: 'rkt-1', variant_id: null },
      { sku: 'AMZ-1', channel: 'yahoo', code: 'YH-1', variant_id: null },
      { sku: 'AMZ-2', channel: 'rakuten', code: 'rkt-2', variant_id: null },
      { sku: 'AMZ-3', channel: 'yahoo', code: 'YH-3', variant_id: null },
    ]);
    expect(await em().execute('select sku, is_active from sku_mapping order by sku')).toEqual([
      { sku: 'AMZ-1', is_active: true }, { sku: 'AMZ-2', is_active: false }, { sku: 'AMZ-3', is_active: true },
    ]);
    // One listing code feeds one SKU per channel.
    await expect(em().execute(`insert into listing (sku, channel, code) values ('AMZ-3', 'rakuten', 'rkt-1')`)).rejects.toThrow(/unique/);

    await em().execute(`insert into allocation_rule_set (source, policy, status, proposed_by, proposed_at) values ('amazon', '{"kind":"shared","buffer":2}'::jsonb, 'PROPOSED', 'op', now())`);
    await t.db.orm.migrator.down({ to: 'Migration20261127100000RunLease' });
    // A shared policy has no tier table to go back to.
    expect(await em().execute('select tiers from allocation_rule_set')).toEqual([{ tiers }]);
    expect(await em().execute('select amazon_sku, yahoo_item_code, rakuten_item_number, is_active from sku_mapping order by amazon_sku')).toEqual([
      { amazon_sku: 'AMZ-1', yahoo_item_code: 'YH-1', rakuten_item_number: 'rkt-1', is_active: true },
      { amazon_sku: 'AMZ-2', yahoo_item_code: null, rakuten_item_number: 'rkt-2', is_active: false },
      { amazon_sku: 'AMZ-3', yahoo_item_code: 'YH-3', rakuten_item_number: null, is_active: true },
    ]);
    await t.db.orm.migrator.up();
  });
});
