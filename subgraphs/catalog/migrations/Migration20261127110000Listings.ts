import { Migration } from '@mikro-orm/migrations';

/**
 * Channels become data: the SKU master's one column per mall moves into listing rows (one per SKU and channel).
 * The two channel ids and column names are those the master had when this migration was written.
 */
export class Migration20261127110000Listings extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "listing" ("sku" varchar(255) not null, "channel" varchar(255) not null, "code" varchar(255) not null, "variant_id" varchar(255) null, primary key ("sku", "channel"));`);
    this.addSql(`alter table "listing" add constraint "listing_channel_code_unique" unique ("channel", "code");`);
    this.addSql(`insert into "listing" ("sku", "channel", "code") select "amazon_sku", 'yahoo', "yahoo_item_code" from "sku_mapping" where "yahoo_item_code" is not null;`);
    this.addSql(`insert into "listing" ("sku", "channel", "code") select "amazon_sku", 'rakuten', "rakuten_item_number" from "sku_mapping" where "rakuten_item_number" is not null;`);
    this.addSql(`alter table "sku_mapping" drop column "yahoo_item_code", drop column "rakuten_item_number";`);
  }

  /** Moves the two channels' listings back into their columns; listings on any other channel cannot be kept. */
  override async down(): Promise<void> {
    this.addSql(`alter table "sku_mapping" add column "yahoo_item_code" varchar(255) null, add column "rakuten_item_number" varchar(255) null;`);
    this.addSql(`update "sku_mapping" m set "yahoo_item_code" = l."code" from "listing" l where l."sku" = m."amazon_sku" and l."channel" = 'yahoo';`);
    this.addSql(`update "sku_mapping" m set "rakuten_item_number" = l."code" from "listing" l where l."sku" = m."amazon_sku" and l."channel" = 'rakuten';`);
    this.addSql(`drop table if exists "listing";`);
  }
}
