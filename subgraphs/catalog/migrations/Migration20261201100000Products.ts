import { Migration } from '@mikro-orm/migrations';

/** Product data from the product master (PIM), and the runs that imported it (with the incremental watermark). */
export class Migration20261201100000Products extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "product" ("sku" varchar(255) not null, "enabled" boolean not null, "name_ja" text null, "name_en" text null, "description_ja" text null, "description_en" text null, "brand" text null, "category_code" varchar(255) null, "categories" jsonb not null, "attributes" jsonb not null, "image_refs" jsonb not null, "weight_grams" int null, "length_mm" int null, "width_mm" int null, "height_mm" int null, "source_updated_at" timestamptz not null, "changed_at" timestamptz not null, "content_hash" varchar(255) not null, "import_run_id" int not null, primary key ("sku"));`);
    this.addSql(`create index "product_changed_at_index" on "product" ("changed_at");`);
    this.addSql(`create table "product_import_run" ("id" serial primary key, "system" varchar(255) not null, "mode" text not null, "dry_run" boolean not null, "status" text not null, "trigger" varchar(255) not null, "actor" varchar(255) null, "file_name" text null, "started_at" timestamptz not null, "finished_at" timestamptz null, "since" timestamptz null, "watermark" timestamptz null, "read" int not null default 0, "created" int not null default 0, "updated" int not null default 0, "unchanged" int not null default 0, "invalid" int not null default 0, "errors" jsonb not null, "error_summary" text null);`);
    this.addSql(`create index "product_import_run_system_status_index" on "product_import_run" ("system", "status");`);
    this.addSql(`alter table "product_import_run" add constraint "product_import_run_mode_check" check ("mode" in ('FULL', 'INCREMENTAL', 'FILE'));`);
    this.addSql(`alter table "product_import_run" add constraint "product_import_run_status_check" check ("status" in ('RUNNING', 'SUCCESS', 'PARTIAL', 'FAILED'));`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists "product_import_run";');
    this.addSql('drop table if exists "product";');
  }
}
