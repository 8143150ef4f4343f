import { Migration } from '@mikro-orm/migrations';

/** Prices per SKU and market, pricing runs, and their changes (the ledger, the price history and held approvals). */
export class Migration20261201110000Pricing extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "price_change" ("id" bigserial primary key, "run_id" int not null, "sku" varchar(255) not null, "channel" varchar(255) not null, "country" varchar(255) not null, "currency" varchar(255) not null, "before" bigint null, "after" bigint not null, "reason" text not null, "status" text not null, "held_reason" text null, "approved_by" varchar(255) null, "approved_at" timestamptz null, "error" text null, "at" timestamptz not null);`);
    this.addSql(`create index "price_change_status_index" on "price_change" ("status");`);
    this.addSql(`create index "price_change_sku_country_at_index" on "price_change" ("sku", "country", "at");`);
    this.addSql(`create index "price_change_run_id_index" on "price_change" ("run_id");`);
    this.addSql(`alter table "price_change" add constraint "price_change_status_check" check ("status" in ('PENDING', 'APPLIED', 'FAILED', 'HELD', 'APPROVED', 'SUPERSEDED'));`);
    this.addSql(`create table "price" ("sku" varchar(255) not null, "channel" varchar(255) not null, "country" varchar(255) not null, "amount" bigint not null, "currency" varchar(255) not null, "updated_at" timestamptz not null, "run_id" int not null, primary key ("sku", "channel"));`);
    this.addSql(`create table "pricing_run" ("id" serial primary key, "kind" text not null, "dry_run" boolean not null, "status" text not null, "trigger" varchar(255) not null, "actor" varchar(255) null, "started_at" timestamptz not null, "finished_at" timestamptz null, "rules" jsonb not null, "computed" int not null default 0, "changes" int not null default 0, "applied" int not null default 0, "failed" int not null default 0, "held" int not null default 0, "unchanged" int not null default 0, "not_listed" int not null default 0, "rollback_of" int null, "rolled_back_by" int null, "error_summary" text null);`);
    this.addSql(`create index "pricing_run_status_index" on "pricing_run" ("status");`);
    this.addSql(`alter table "pricing_run" add constraint "pricing_run_kind_check" check ("kind" in ('PRICING', 'APPROVAL', 'ROLLBACK'));`);
    this.addSql(`alter table "pricing_run" add constraint "pricing_run_status_check" check ("status" in ('RUNNING', 'SUCCESS', 'PARTIAL', 'FAILED', 'ROLLED_BACK'));`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists "pricing_run";');
    this.addSql('drop table if exists "price";');
    this.addSql('drop table if exists "price_change";');
  }
}
