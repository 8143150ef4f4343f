import { Migration } from '@mikro-orm/migrations';

/** The reporting module's alert tables: throttle windows of identical alerts, and the alert rules' states. */
export class Migration20261130000000Alerts extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "alert_throttle" ("fingerprint" varchar(64) not null, "type" varchar(255) not null, "sent_at" timestamptz not null, "suppressed" int not null default 0, "carried" int not null default 0, primary key ("fingerprint"));`);
    this.addSql(`create table "alert_state" ("rule" varchar(255) not null, "subject" varchar(255) not null, "firing" boolean not null, "since" timestamptz not null, "last_fired_at" timestamptz not null, "fire_count" int not null, "resolved_at" timestamptz null, "title" text not null, "channels" jsonb not null, primary key ("rule", "subject"));`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists "alert_state";');
    this.addSql('drop table if exists "alert_throttle";');
  }
}
