import { Migration } from '@mikro-orm/migrations';

/** Image variants by source content hash and rule, and each product's images per rule. */
export class Migration20261201120000Media extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "media_variant" ("source_hash" varchar(255) not null, "rule_key" varchar(255) not null, "hash" varchar(255) not null, "format" varchar(255) not null, "width" int not null, "height" int not null, "bytes" int not null, "created_at" timestamptz not null, primary key ("source_hash", "rule_key"));`);
    this.addSql(`create table "product_image" ("sku" varchar(255) not null, "rule" varchar(255) not null, "asset_id" varchar(255) not null, "position" int not null, "alt" text null, "source_url" text not null, "source_updated_at" timestamptz null, "source_hash" varchar(255) not null, "rule_key" varchar(255) not null, "hash" varchar(255) not null, "format" varchar(255) not null, "width" int not null, "height" int not null, "bytes" int not null, "synced_at" timestamptz not null, primary key ("sku", "rule", "asset_id"));`);
    this.addSql(`create index "product_image_sku_rule_position_index" on "product_image" ("sku", "rule", "position");`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists "product_image";');
    this.addSql('drop table if exists "media_variant";');
  }
}
