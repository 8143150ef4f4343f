import { Migration } from '@mikro-orm/migrations';

/**
 * Several stock sources, each with its own runs and rule sets: a run records its source system, a rule set the
 * source it is for. Until now there was one source; it was named amazon when this migration was written, so the
 * existing runs and rule sets are its.
 */
export class Migration20261128090000StockSources extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "sync_run" add column "source_system" varchar(255) null;`);
    this.addSql(`update "sync_run" set "source_system" = 'amazon';`);
    this.addSql(`alter table "sync_run" alter column "source_system" set not null;`);
    this.addSql(`alter table "allocation_rule_set" add column "source" varchar(255) null;`);
    this.addSql(`update "allocation_rule_set" set "source" = 'amazon';`);
    this.addSql(`alter table "allocation_rule_set" alter column "source" set not null;`);
  }

  /** One source again: other sources' rule sets have no place (they would apply to it); their runs stay as history. */
  override async down(): Promise<void> {
    this.addSql(`delete from "allocation_rule_set" where "source" <> 'amazon';`);
    this.addSql(`alter table "allocation_rule_set" drop column "source";`);
    this.addSql(`alter table "sync_run" drop column "source_system";`);
  }
}
