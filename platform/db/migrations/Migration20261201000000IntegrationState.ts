import { Migration } from '@mikro-orm/migrations';

/** integration_state: connectors' watermarks, stream positions and import records (platform/integrations/state.ts). */
export class Migration20261201000000IntegrationState extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "integration_state" ("system" varchar(100) not null, "key" varchar(400) not null, "value" jsonb not null, "updated_at" timestamptz not null, primary key ("system", "key"));`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists "integration_state";');
  }
}
