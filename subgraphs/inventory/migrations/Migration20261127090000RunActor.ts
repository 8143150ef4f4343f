import { Migration } from '@mikro-orm/migrations';

/** Who started each run (the CLI user, the API caller; null for the scheduler and runs from before this column). */
export class Migration20261127090000RunActor extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "sync_run" add column "actor" varchar(255) null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "sync_run" drop column "actor";`);
  }
}
