// Every module's entities, for the one ORM instance. Modules own their tables; this list only registers them.
import { Credential } from '../auth/entities/credential.js';
import { OutboxEvent } from '../events/entities/outbox-event.js';
import { Listing } from '../../subgraphs/catalog/entities/listing.js';
import { SkuMapping } from '../../subgraphs/catalog/entities/sku-mapping.js';
import { AllocationRuleSet } from '../../subgraphs/inventory/entities/allocation-rule-set.js';
import { LedgerEntry } from '../../subgraphs/inventory/entities/ledger-entry.js';
import { IntegrationStateRow } from './entities/integration-state.js';
import { RunLeaseRow } from './entities/lease.js';
import { StockSnapshot } from '../../subgraphs/inventory/entities/stock-snapshot.js';
import { SyncRun } from '../../subgraphs/inventory/entities/sync-run.js';
import { AuditEntry } from '../../subgraphs/reporting/entities/audit-entry.js';
import { IntegrationLogEntry } from '../../subgraphs/reporting/entities/integration-log.js';

export const ENTITIES = [
  Credential, OutboxEvent, SkuMapping, Listing, AllocationRuleSet, LedgerEntry, StockSnapshot, SyncRun, RunLeaseRow, AuditEntry, IntegrationLogEntry,
  IntegrationStateRow,
];
