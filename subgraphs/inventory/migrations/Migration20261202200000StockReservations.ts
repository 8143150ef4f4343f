import { Migration } from '@mikro-orm/migrations';

/** Stock reservations: what orders took, held against their channel's source until it shows them gone. */
export class Migration20261202200000StockReservations extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "stock_reservation" ("id" bigserial primary key, "source_system" varchar(255) not null, "sku" varchar(255) not null, "channel" varchar(255) not null, "quantity" int not null, "ref" varchar(255) not null, "created_at" timestamptz not null, "released_at" timestamptz null, "release_reason" varchar(255) null);`);
    this.addSql(`create index "stock_reservation_source_system_sku_index" on "stock_reservation" ("source_system", "sku");`);
    this.addSql(`alter table "stock_reservation" add constraint "stock_reservation_ref_sku_unique" unique ("ref", "sku");`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists "stock_reservation";');
  }
}
