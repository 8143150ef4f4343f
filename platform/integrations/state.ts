// Durable facts a connector keeps between runs and across processes, by key, in one generic table
// (integration_state): a REST watermark, a stream's last processed sequence number, the record of a file already
// imported. Values are small JSON documents; each write is one statement, so a reader never sees half of one.
import type { Database } from '../db/index.js';

/** One system's keys. */
export interface IntegrationState {
  get<T>(key: string): Promise<T | undefined>;
  put(key: string, value: unknown): Promise<void>;
  /** Writes `value` only when the key is absent: false when it is already there (another process took it). */
  insertIfAbsent(key: string, value: unknown): Promise<boolean>;
  delete(key: string): Promise<void>;
}

export class IntegrationStateStore {
  constructor(private readonly db: Database) {}

  /** The keys of `system` (a block name of integrations.yaml). */
  for(system: string): IntegrationState {
    const run = <T extends object[]>(sql: string, params: unknown[]) => this.db.em().getConnection().execute<T>(sql, params);
    return {
      async get<T>(key: string) {
        const rows = await run<{ value: T }[]>('select value from integration_state where system = ? and key = ?', [system, key]);
        return rows[0]?.value;
      },
      async put(key, value) {
        await run(
          `insert into integration_state (system, key, value, updated_at) values (?, ?, ?::jsonb, clock_timestamp())
           on conflict (system, key) do update set value = excluded.value, updated_at = excluded.updated_at`,
          [system, key, JSON.stringify(value)],
        );
      },
      async insertIfAbsent(key, value) {
        const rows = await run<{ key: string }[]>(
          `insert into integration_state (system, key, value, updated_at) values (?, ?, ?::jsonb, clock_timestamp())
           on conflict (system, key) do nothing returning key`,
          [system, key, JSON.stringify(value)],
        );
        return rows.length > 0;
      },
      async delete(key) {
        await run('delete from integration_state where system = ? and key = ?', [system, key]);
      },
    };
  }
}
