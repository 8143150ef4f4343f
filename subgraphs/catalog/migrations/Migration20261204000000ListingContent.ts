import { Migration } from '@mikro-orm/migrations';

/** Product data published to the listing channels: what each listing holds, and the ledger of changes sent. */
export class Migration20261204000000ListingContent extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "listing_content" ("sku" varchar(255) not null, "channel" varchar(255) not null, "content" jsonb not null, "product_changed_at" timestamptz not null, "published_at" timestamptz not null, primary key ("sku", "channel"));`);
    this.addSql(`create table "listing_change" ("id" bigserial primary key, "run_id" int not null, "sku" varchar(255) not null, "channel" varchar(255) not null, "action" text not null, "fields" jsonb not null, "status" text not null, "error" text null, "at" timestamptz not null);`);
    this.addSql(`create index "listing_change_run_id_index" on "listing_change" ("run_id");`);
    this.addSql(`create index "listing_change_sku_channel_index" on "listing_change" ("sku", "channel");`);
    this.addSql(`alter table "listing_change" add constraint "listing_change_action_check" check ("action" in ('CREATE', 'UPDATE'));`);
    this.addSql(`alter table "listing_change" add constraint "listing_change_status_check" check ("status" in ('PENDING', 'APPLIED', 'FAILED'));`);
    this.addSql(`alter table "product_import_run" add column "listings" jsonb null;`);
  }

  override async down(): Promise<void> {
    this.addSql('alter table "product_import_run" drop column "listings";');
    this.addSql('drop table if exists "listing_change";');
    this.addSql('drop table if exists "listing_content";');
  }
}
