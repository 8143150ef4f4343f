import { Migration } from '@mikro-orm/migrations';

/** The event outbox (platform/events): events written in the transaction of the change they announce. */
export class Migration20261127000000EventOutbox extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "event_outbox" ("id" bigserial primary key, "topic" varchar(255) not null, "payload" jsonb not null, "created_at" timestamptz not null);`);
    this.addSql(`create index "event_outbox_created_at_index" on "event_outbox" ("created_at");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "event_outbox";`);
  }
}
