import { Migration } from '@mikro-orm/migrations';

/** The master's SKU column is the source's SKU, whichever system the source is: `sku`, not `amazon_sku`. */
export class Migration20261127130000CatalogSku extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table "sku_mapping" rename column "amazon_sku" to "sku";');
  }

  override async down(): Promise<void> {
    this.addSql('alter table "sku_mapping" rename column "sku" to "amazon_sku";');
  }
}
