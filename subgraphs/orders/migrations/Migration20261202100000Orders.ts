import { Migration } from '@mikro-orm/migrations';

/**
 * The orders module: orders with their lines and status history, the inbox of webhooks (deduplicated per
 * receiver) and the outbox of calls that must happen once.
 */
export class Migration20261202100000Orders extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "order_inbox" ("id" bigserial primary key, "receiver" varchar(255) not null, "system" varchar(255) not null, "kind" varchar(255) not null, "dedup_key" varchar(255) not null, "account_ref" varchar(255) null, "order_ref" varchar(255) null, "payload" jsonb null, "body" text not null, "received_at" timestamptz not null, "state" varchar(255) not null, "attempts" int not null default 0, "next_attempt_at" timestamptz not null, "last_error" text null, "processed_at" timestamptz null);`);
    this.addSql(`create index "order_inbox_received_at_index" on "order_inbox" ("received_at");`);
    this.addSql(`create index "order_inbox_state_next_attempt_at_index" on "order_inbox" ("state", "next_attempt_at");`);
    this.addSql(`alter table "order_inbox" add constraint "order_inbox_receiver_dedup_key_unique" unique ("receiver", "dedup_key");`);
    this.addSql(`create table "orders" ("id" bigserial primary key, "system" varchar(255) not null, "channel" varchar(255) not null, "country" varchar(255) not null, "account_ref" varchar(255) null, "order_sn" varchar(255) not null, "status" varchar(255) not null, "channel_status" varchar(255) not null, "placed_at" timestamptz(3) not null, "source_updated_at" timestamptz not null, "total_minor" bigint not null, "currency" varchar(255) not null, "document" jsonb not null, "buyer_sealed" text null, "buyer_ref" varchar(255) null, "oms_order_id" varchar(255) null, "tracking_number" varchar(255) null, "carrier" varchar(255) null, "shipped_at" timestamptz null, "tracking_sent_at" timestamptz null, "completed_at" timestamptz null, "buyer_deleted_at" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz(3) not null);`);
    this.addSql(`create index "orders_status_index" on "orders" ("status");`);
    this.addSql(`create index "orders_placed_at_id_index" on "orders" ("placed_at", "id");`);
    this.addSql(`create index "orders_updated_at_id_index" on "orders" ("updated_at", "id");`);
    this.addSql(`alter table "orders" add constraint "orders_channel_order_sn_unique" unique ("channel", "order_sn");`);
    this.addSql(`create table "order_line" ("id" bigserial primary key, "order_id" bigint not null, "line_no" int not null, "sku" varchar(255) not null, "name" text null, "quantity" int not null, "unit_price_minor" bigint not null);`);
    this.addSql(`create index "order_line_order_id_index" on "order_line" ("order_id");`);
    this.addSql(`create index "order_line_sku_index" on "order_line" ("sku");`);
    this.addSql(`alter table "order_line" add constraint "order_line_order_id_line_no_unique" unique ("order_id", "line_no");`);
    this.addSql(`create table "order_status_history" ("id" bigserial primary key, "order_id" bigint not null, "status" varchar(255) not null, "channel_status" varchar(255) null, "at" timestamptz not null, "recorded_at" timestamptz not null, "source" varchar(255) not null);`);
    this.addSql(`create index "order_status_history_order_id_index" on "order_status_history" ("order_id");`);
    this.addSql(`create table "order_outbox" ("id" bigserial primary key, "order_id" bigint not null, "kind" varchar(255) not null, "ref" varchar(255) not null, "state" varchar(255) not null, "attempts" int not null default 0, "next_attempt_at" timestamptz not null, "last_error" text null, "created_at" timestamptz not null, "done_at" timestamptz null);`);
    this.addSql(`create index "order_outbox_state_next_attempt_at_index" on "order_outbox" ("state", "next_attempt_at");`);
    this.addSql(`alter table "order_outbox" add constraint "order_outbox_order_id_kind_ref_unique" unique ("order_id", "kind", "ref");`);
  }

  override async down(): Promise<void> {
    for (const table of ['order_outbox', 'order_inbox', 'order_status_history', 'order_line', 'orders']) {
      this.addSql(`drop table if exists "${table}";`);
    }
  }
}
