import { Migration } from '@mikro-orm/migrations';

/** The stock-sync core: SKU master, runs and their ledger, stock snapshots, rules, audit, integration log. */
export class Migration20261121000000Init extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "allocation_rule_set" ("id" serial primary key, "tiers" jsonb not null, "status" text not null, "reason" text null, "proposed_by" varchar(255) not null, "proposed_at" timestamptz not null, "decided_by" varchar(255) null, "decided_at" timestamptz null);`);
    this.addSql(`alter table "allocation_rule_set" add constraint "allocation_rule_set_status_check" check ("status" in ('PROPOSED', 'APPROVED', 'REJECTED', 'SUPERSEDED'));`);

    this.addSql(`create table "audit_log" ("id" bigserial primary key, "at" timestamptz not null, "actor" varchar(255) not null, "action" varchar(255) not null, "subject" varchar(255) not null, "detail" jsonb not null);`);
    this.addSql(`create index "audit_log_at_index" on "audit_log" ("at");`);

    this.addSql(`create table "credential" ("name" varchar(255) not null, "ciphertext" text not null, "expires_at" timestamptz null, "updated_at" timestamptz not null, primary key ("name"));`);

    this.addSql(`create table "integration_log" ("id" bigserial primary key, "at" timestamptz not null, "system" varchar(255) not null, "operation" varchar(255) not null, "method" varchar(255) not null, "url" text not null, "status" int null, "ok" boolean not null, "attempts" int not null, "duration_ms" int not null, "error" text null);`);
    this.addSql(`create index "integration_log_at_index" on "integration_log" ("at");`);

    this.addSql(`create table "sync_ledger" ("id" bigserial primary key, "run_id" int not null, "channel" varchar(255) not null, "sku" varchar(255) not null, "code" varchar(255) not null, "before" int null, "after" int not null, "result" text not null, "error" text null, "at" timestamptz not null);`);
    this.addSql(`create index "sync_ledger_run_id_channel_sku_index" on "sync_ledger" ("run_id", "channel", "sku");`);
    this.addSql(`alter table "sync_ledger" add constraint "sync_ledger_result_check" check ("result" in ('PENDING', 'APPLIED', 'FAILED'));`);

    this.addSql(`create table "sku_mapping" ("amazon_sku" varchar(255) not null, "yahoo_item_code" varchar(255) null, "rakuten_item_number" varchar(255) null, "is_active" boolean not null, "imported_at" timestamptz not null, primary key ("amazon_sku"));`);

    this.addSql(`create table "stock_snapshot" ("channel" varchar(255) not null, "sku" varchar(255) not null, "code" varchar(255) not null, "quantity" int not null, "updated_at" timestamptz not null, primary key ("channel", "sku"));`);

    this.addSql(`create table "sync_run" ("id" serial primary key, "kind" text not null, "dry_run" boolean not null, "status" text not null, "trigger" varchar(255) not null, "source" varchar(255) not null, "rollback_of" int null, "rolled_back_by" int null, "started_at" timestamptz not null, "finished_at" timestamptz null, "heartbeat_at" timestamptz not null, "owner" varchar(255) not null, "source_items" int not null default 0, "mapped_skus" int not null default 0, "skipped_inactive" int not null default 0, "skipped_unmapped" int not null default 0, "updates" int not null default 0, "failed" int not null default 0, "channels" jsonb not null, "error_summary" text null);`);
    this.addSql(`create index "sync_run_status_index" on "sync_run" ("status");`);
    this.addSql(`create index "sync_run_started_at_index" on "sync_run" ("started_at");`);
    this.addSql(`alter table "sync_run" add constraint "sync_run_kind_check" check ("kind" in ('SYNC', 'ROLLBACK'));`);
    this.addSql(`alter table "sync_run" add constraint "sync_run_status_check" check ("status" in ('RUNNING', 'SUCCESS', 'PARTIAL', 'FAILED', 'INTERRUPTED', 'ROLLED_BACK'));`);
  }
}
