// The operations the dashboard sends, and the shapes it reads back (a subset of schema/api.graphql).
export interface RunChannel { channel: string; updates: number; failed: number }
export interface Run {
  id: number; kind: string; dryRun: boolean; status: string; trigger: string; user: string | null; source: string;
  startedAt: string; finishedAt: string | null; updates: number; failed: number; errorSummary: string | null; channels: RunChannel[];
}
export interface LedgerEntry { id: number; channel: string; sku: string; code: string; before: number | null; after: number; result: string; error: string | null; at: string }
export interface LedgerPage { edges: { cursor: string; node: LedgerEntry }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } }
export interface Progress { runId: number; phase: string; done: number; total: number; status: string }
export interface Change { channel: string; sku: string; code: string; before: number | null; after: number }
export interface SyncReport {
  runId: number; status: string; sourceItems: number; mappedSkus: number; updates: number; failed: number;
  channels: { channel: string; updates: number; unchanged: number; notListed: number }[]; changes: Change[];
}
export interface RollbackReport { runId: number; rollbackOf: number; status: string; changes: { channel: string; sku: string; code: string; from: number | null; to: number }[] }
export interface Health {
  ok: boolean;
  components: { name: string; ok: boolean; detail: string; expiresInDays: number | null }[];
  schedules: { name: string; schedule: string; timezone: string; nextRunAt: string | null; lastRunAt: string | null; lastRunFailed: boolean | null; failReason: string | null }[];
  lastRun: Pick<Run, 'id' | 'kind' | 'status' | 'startedAt'> | null;
}
export interface Tier { min: number; max: number | null; share: string }
export interface StockSource { source: string; channels: string[] }
export interface Preview { quantity: number; allocated: number; tier: Tier | null }
export interface InventoryPage { total: number; items: { sku: string; sourceQuantity: number; channels: { channel: string; quantity: number | null }[] }[] }
export interface Rules { ruleSetId: number | null; tiers: Tier[] }
export interface RuleSet { id: number; status: string; tiers: Tier[]; reason: string | null; proposedBy: string; proposedAt: string }
export interface ProductStock { sku: string; sourceQuantity: number | null; stock: { channel: string; code: string; quantity: number; updatedAt: string }[] }
export interface StockChange { sku: string; channel: string; before: number | null; after: number; runId: number | null; at: string }
export interface OrderMoney { amount: number; currency: string }
export interface Order {
  id: string; channel: string; orderSn: string; status: string; channelStatus: string; placedAt: string; total: OrderMoney;
  omsOrderId: string | null; trackingNumber: string | null; carrier: string | null;
}
export interface OrderPage { edges: { cursor: string; node: Order }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } }
export interface OrderChange { change: string; order: Order | null }
export interface PriceChange {
  id: number; runId: number; sku: string; channel: string; currency: string; before: number | null; after: number;
  reason: string; status: string; heldReason: string | null; approvedBy: string | null; at: string;
}

const RUN_FIELDS = 'id kind dryRun status trigger user source startedAt finishedAt updates failed errorSummary channels { channel updates failed }';
const TIER = 'min max share';

export const RUNS = `query Runs($status: String, $kind: String) { syncRuns(limit: 30, status: $status, kind: $kind) { ${RUN_FIELDS} } }`;
export const RUN_LEDGER = `query RunLedger($id: Int!, $first: Int!, $after: String, $sku: String) {
  syncRun(id: $id) { ${RUN_FIELDS} ledger(first: $first, after: $after, sku: $sku) {
    edges { cursor node { id channel sku code before after result error at } } pageInfo { hasNextPage endCursor } } } }`;
export const PROGRESS = 'subscription Progress($runId: Int!) { syncRunProgress(runId: $runId) { runId phase done total status } }';
export const STOCK_CHANGED = 'subscription StockFeed { stockChanged { sku channel before after runId at } }';
export const SOURCES = 'query Sources { stockPolicies { source channels } }';
export const DRY_RUN = `mutation DryRun($source: String) { runStockSync(dryRun: true, source: $source) {
  runId status sourceItems mappedSkus updates failed channels { channel updates unchanged notListed } changes { channel sku code before after } } }`;
export const START_SYNC = 'mutation StartSync($source: String) { startStockSync(dryRun: false, source: $source) { id } }';
export const ROLLBACK = `mutation Rollback($dryRun: Boolean!, $runId: Int, $source: String) { rollbackStockSync(dryRun: $dryRun, runId: $runId, source: $source) {
  runId rollbackOf status changes { channel sku code from to } } }`;
export const HEALTH = `query Health { health { ok components { name ok detail expiresInDays }
  schedules { name schedule timezone nextRunAt lastRunAt lastRunFailed failReason } lastRun { id kind status startedAt } } }`;
export const SIMULATE = `query Simulate($quantities: [Int!]!, $source: String) { simulateAllocation(quantities: $quantities, source: $source) { quantity allocated tier { ${TIER} } } }`;
export const INVENTORY = `query Inventory($sku: String, $first: Int!, $offset: Int!, $source: String) { simulateInventory(sku: $sku, first: $first, offset: $offset, source: $source) {
  total items { sku sourceQuantity channels { channel quantity } } } }`;
export const RULES = `query Rules($source: String) { allocationRules(source: $source) { ruleSetId tiers { ${TIER} } } }`;
export const RULE_SETS = `query RuleSets($source: String) { allocationRuleSets(limit: 20, source: $source) { id status reason proposedBy proposedAt tiers { ${TIER} } } }`;
export const APPROVE = `mutation Approve($id: Int!) { decision: approveAllocationRules(proposalId: $id) { id status } }`;
export const REJECT = `mutation Reject($id: Int!) { decision: rejectAllocationRules(proposalId: $id) { id status } }`;
export const PRODUCT_STOCK = `query ProductStock($sku: String!) { product(sku: $sku) { sku sourceQuantity stock { channel code quantity updatedAt } } }`;
const ORDER_FIELDS = 'id channel orderSn status channelStatus placedAt total { amount currency } omsOrderId trackingNumber carrier';
export const ORDERS = `query Orders($first: Int!, $after: String, $channel: String, $status: String) {
  orders(first: $first, after: $after, channel: $channel, status: $status) { edges { cursor node { ${ORDER_FIELDS} } } pageInfo { hasNextPage endCursor } } }`;
export const ORDER_CHANGED = `subscription OrderFeed { orderChanged { change order { ${ORDER_FIELDS} } } }`;
