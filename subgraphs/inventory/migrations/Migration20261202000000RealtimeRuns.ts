import { Migration } from '@mikro-orm/migrations';

/** Runs of kind REALTIME: a source's stream applied as it happens, one run per hour. */
export class Migration20261202000000RealtimeRuns extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "sync_run" drop constraint if exists "sync_run_kind_check";`);
    this.addSql(`alter table "sync_run" add constraint "sync_run_kind_check" check ("kind" in ('SYNC', 'ROLLBACK', 'REALTIME'));`);
  }

  /** Without the kind, the real-time runs and their ledgers go (they cannot be told apart from batch runs). */
  override async down(): Promise<void> {
    this.addSql(`delete from "sync_ledger" where "run_id" in (select "id" from "sync_run" where "kind" = 'REALTIME');`);
    this.addSql(`delete from "sync_run" where "kind" = 'REALTIME';`);
    this.addSql(`alter table "sync_run" drop constraint if exists "sync_run_kind_check";`);
    this.addSql(`alter table "sync_run" add constraint "sync_run_kind_check" check ("kind" in ('SYNC', 'ROLLBACK'));`);
  }
}
