import { Migration } from '@mikro-orm/migrations';

/**
 * The correlation id of the work that wrote each inbox and outbox message (the webhook delivery, the processing that
 * decided a call): the message's later processing runs under it, so one id follows a push to the calls it causes.
 * Null for messages written before this column existed; those get a fresh id when processed.
 */
export class Migration20261203000000MessageCorrelation extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "order_inbox" add column "correlation_id" varchar(64) null;`);
    this.addSql(`alter table "order_outbox" add column "correlation_id" varchar(64) null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "order_outbox" drop column if exists "correlation_id";`);
    this.addSql(`alter table "order_inbox" drop column if exists "correlation_id";`);
  }
}
