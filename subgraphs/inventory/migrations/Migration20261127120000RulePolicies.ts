import { Migration } from '@mikro-orm/migrations';

/** Rule sets hold any stock policy (tiers, split, shared), not only a tier table. */
export class Migration20261127120000RulePolicies extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "allocation_rule_set" add column "policy" jsonb null;`);
    this.addSql(`update "allocation_rule_set" set "policy" = jsonb_build_object('kind', 'tiers', 'tiers', "tiers");`);
    this.addSql(`alter table "allocation_rule_set" alter column "policy" set not null, drop column "tiers";`);
  }

  /** A tier table goes back to its column; rule sets of the other kinds have no place there and are dropped. */
  override async down(): Promise<void> {
    this.addSql(`delete from "allocation_rule_set" where "policy"->>'kind' <> 'tiers';`);
    this.addSql(`alter table "allocation_rule_set" add column "tiers" jsonb null;`);
    this.addSql(`update "allocation_rule_set" set "tiers" = "policy"->'tiers';`);
    this.addSql(`alter table "allocation_rule_set" alter column "tiers" set not null, drop column "policy";`);
  }
}
