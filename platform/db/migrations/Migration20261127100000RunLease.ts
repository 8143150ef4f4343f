import { Migration } from '@mikro-orm/migrations';

/** The stock-sync run lease, replacing the session advisory lock (lost with its connection) and the pid file. */
export class Migration20261127100000RunLease extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "run_lease" ("name" varchar(255) not null, "holder" varchar(255) not null, "run_id" int null, "acquired_at" timestamptz not null, "heartbeat_at" timestamptz not null, "expires_at" timestamptz not null, primary key ("name"));`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists "run_lease";');
  }
}
