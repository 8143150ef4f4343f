import { createTestDatabase, type TestDatabase } from '../../test/support/db.js';

describe('migrations', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t.drop());

  it('bring an empty database exactly to the entities (no drift between code and checked-in migrations)', async () => {
    const diff = await t.db.orm.schema.getUpdateSchemaSQL({ wrap: false });
    expect(diff.trim()).toBe('');
  });

  it('are recorded as applied so a second start does nothing', async () => {
    const pending = await t.db.orm.migrator.getPending();
    expect(pending).toEqual([]);
  });
});
