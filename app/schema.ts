// The database schema of the whole app: every module's entities and checked-in migrations, registered here.
// Modules own their tables and migrations (beside their entities); the first migration is wave 1's schema,
// written before they did, so it lives here. Migrations run in name (timestamp) order, whoever owns them.
import type { DatabaseSchema } from '../platform/db/index.js';
import { Credential } from '../platform/auth/entities/credential.js';
import { IntegrationStateRow } from '../platform/db/entities/integration-state.js';
import { RunLeaseRow } from '../platform/db/entities/lease.js';
import { Migration20261127100000RunLease } from '../platform/db/migrations/Migration20261127100000RunLease.js';
import { Migration20261201000000IntegrationState } from '../platform/db/migrations/Migration20261201000000IntegrationState.js';
import { OutboxEvent } from '../platform/events/entities/outbox-event.js';
import { Migration20261127000000EventOutbox } from '../platform/events/migrations/Migration20261127000000EventOutbox.js';
import { Listing } from '../subgraphs/catalog/entities/listing.js';
import { CatalogProduct } from '../subgraphs/catalog/entities/product.js';
import { ProductImportRun } from '../subgraphs/catalog/entities/product-import-run.js';
import { SkuMapping } from '../subgraphs/catalog/entities/sku-mapping.js';
import { Migration20261127110000Listings } from '../subgraphs/catalog/migrations/Migration20261127110000Listings.js';
import { Migration20261127130000CatalogSku } from '../subgraphs/catalog/migrations/Migration20261127130000CatalogSku.js';
import { Migration20261201100000Products } from '../subgraphs/catalog/migrations/Migration20261201100000Products.js';
import { Migration20261204000000ListingContent } from '../subgraphs/catalog/migrations/Migration20261204000000ListingContent.js';
import { ListingChange, ListingContentRow } from '../subgraphs/catalog/entities/listing-publish.js';
import { AllocationRuleSet } from '../subgraphs/inventory/entities/allocation-rule-set.js';
import { LedgerEntry } from '../subgraphs/inventory/entities/ledger-entry.js';
import { StockSnapshot } from '../subgraphs/inventory/entities/stock-snapshot.js';
import { SyncRun } from '../subgraphs/inventory/entities/sync-run.js';
import { Migration20261127090000RunActor } from '../subgraphs/inventory/migrations/Migration20261127090000RunActor.js';
import { Migration20261127120000RulePolicies } from '../subgraphs/inventory/migrations/Migration20261127120000RulePolicies.js';
import { Migration20261128090000StockSources } from '../subgraphs/inventory/migrations/Migration20261128090000StockSources.js';
import { MediaVariant } from '../subgraphs/media/entities/media-variant.js';
import { ProductImage } from '../subgraphs/media/entities/product-image.js';
import { Migration20261201120000Media } from '../subgraphs/media/migrations/Migration20261201120000Media.js';
import { PriceRow } from '../subgraphs/pricing/entities/price.js';
import { PriceChange } from '../subgraphs/pricing/entities/price-change.js';
import { PricingRun } from '../subgraphs/pricing/entities/pricing-run.js';
import { Migration20261201110000Pricing } from '../subgraphs/pricing/migrations/Migration20261201110000Pricing.js';
import { Migration20261202000000RealtimeRuns } from '../subgraphs/inventory/migrations/Migration20261202000000RealtimeRuns.js';
import { AlertState } from '../subgraphs/reporting/entities/alert-state.js';
import { AlertThrottle } from '../subgraphs/reporting/entities/alert-throttle.js';
import { AuditEntry } from '../subgraphs/reporting/entities/audit-entry.js';
import { IntegrationLogEntry } from '../subgraphs/reporting/entities/integration-log.js';
import { Migration20261130000000Alerts } from '../subgraphs/reporting/migrations/Migration20261130000000Alerts.js';
import { Migration20261121000000Init } from './migrations/Migration20261121000000Init.js';
import { InboxMessageRow, OutboxMessageRow } from '../subgraphs/orders/entities/messages.js';
import { Order } from '../subgraphs/orders/entities/order.js';
import { OrderLine } from '../subgraphs/orders/entities/order-line.js';
import { OrderStatusEntry } from '../subgraphs/orders/entities/order-status.js';
import { Migration20261202100000Orders } from '../subgraphs/orders/migrations/Migration20261202100000Orders.js';
import { Migration20261203000000MessageCorrelation } from '../subgraphs/orders/migrations/Migration20261203000000MessageCorrelation.js';
import { StockReservation } from '../subgraphs/inventory/entities/stock-reservation.js';
import { Migration20261202200000StockReservations } from '../subgraphs/inventory/migrations/Migration20261202200000StockReservations.js';

const migrations = [
  Migration20261121000000Init,
  Migration20261127000000EventOutbox,
  Migration20261127090000RunActor,
  Migration20261127100000RunLease,
  Migration20261127110000Listings,
  Migration20261127120000RulePolicies,
  Migration20261127130000CatalogSku,
  Migration20261128090000StockSources,
  Migration20261130000000Alerts,
  Migration20261201000000IntegrationState,
  Migration20261201100000Products,
  Migration20261201110000Pricing,
  Migration20261201120000Media,
  Migration20261202000000RealtimeRuns,
  Migration20261202100000Orders,
  Migration20261202200000StockReservations,
  Migration20261203000000MessageCorrelation,
  Migration20261204000000ListingContent,
];

export const SCHEMA: DatabaseSchema = {
  entities: [
    Credential, OutboxEvent, RunLeaseRow, SkuMapping, Listing, AllocationRuleSet, LedgerEntry, StockSnapshot, SyncRun, AuditEntry, IntegrationLogEntry,
    AlertThrottle, AlertState, IntegrationStateRow,
    CatalogProduct, ProductImportRun, ListingContentRow, ListingChange, PriceRow, PricingRun, PriceChange, MediaVariant, ProductImage,
    Order, OrderLine, OrderStatusEntry, InboxMessageRow, OutboxMessageRow, StockReservation,
  ],
  // Listed explicitly (not globbed) so the same list runs from TypeScript (tests) and dist/.
  migrations: migrations.map((m) => ({ name: m.name, class: m })).sort((a, b) => a.name.localeCompare(b.name)),
};
