// GraphQL views of the inventory service's results. Fields mirror the service's types one to one.
import { Authorized, Directive, Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { WRITE } from '../../federation.js';

@ObjectType({ description: "What Tsunagi last read from or wrote to a channel for one SKU." })
export class ChannelStock {
  @Field()
  sku!: string;

  @Field({ description: "A channel id (one per shop); a stock source system's name for that source's own figure (Product.sourceQuantity)." })
  channel!: string;

  @Field({ description: "The channel's item code." })
  code!: string;

  @Field(() => Int)
  quantity!: number;

  @Field()
  updatedAt!: Date;
}

@Directive('@key(fields: "sku")')
@ObjectType({ description: "Inventory adds stock per channel and its stock source's quantity to the product." })
export class Product {
  @Field()
  sku!: string;
}

@ObjectType()
export class ChannelSummary {
  @Field()
  channel!: string;

  @Field(() => Int)
  updates!: number;

  @Field(() => Int)
  failed!: number;

  @Field(() => Int)
  unchanged!: number;

  @Field(() => Int, { description: 'Mapped SKUs the channel has no listing for; a sync never creates listings.' })
  notListed!: number;
}

@ObjectType()
export class SkippedCounts {
  @Field(() => Int)
  inactive!: number;

  @Field(() => Int)
  unmapped!: number;

  @Field(() => Int)
  notInSource!: number;
}

@ObjectType({ description: 'One quantity change planned (dry run) or sent.' })
export class PlannedChange {
  @Field()
  channel!: string;

  @Field()
  sku!: string;

  @Field()
  code!: string;

  @Field(() => Int, { nullable: true })
  before!: number | null;

  @Field(() => Int)
  after!: number;
}

@ObjectType()
export class ItemFailure extends PlannedChange {
  @Field()
  error!: string;
}

@ObjectType({ description: 'The report of a stock sync run, the same as the CLI prints.' })
export class SyncReport {
  @Field(() => Int)
  runId!: number;

  @Field()
  dryRun!: boolean;

  @Field()
  status!: string;

  @Field({ description: 'The stock source system (sync.sources) whose channels the run changed.' })
  sourceSystem!: string;

  @Field({ description: 'Where the figures came from: the source system, an uploaded file, manual:<user>, run:<id> (rollback).' })
  source!: string;

  @Field(() => Int)
  sourceItems!: number;

  @Field(() => Int)
  mappedSkus!: number;

  @Field(() => Int)
  updates!: number;

  @Field(() => Int)
  failed!: number;

  @Field(() => SkippedCounts)
  skipped!: SkippedCounts;

  @Field(() => [ChannelSummary])
  channels!: ChannelSummary[];

  @Field(() => [PlannedChange])
  changes!: PlannedChange[];

  @Field(() => [ItemFailure])
  failures!: ItemFailure[];

  @Field(() => String, { nullable: true })
  errorSummary!: string | null;
}

@ObjectType()
export class RollbackChange {
  @Field()
  channel!: string;

  @Field()
  sku!: string;

  @Field()
  code!: string;

  @Field(() => Int, { nullable: true, description: 'What the channel holds now.' })
  from!: number | null;

  @Field(() => Int, { description: 'What it held before the rolled-back run.' })
  to!: number;
}

@ObjectType()
export class RollbackReport {
  @Field(() => Int)
  runId!: number;

  @Field(() => Int, { description: 'The run this rollback undoes.' })
  rollbackOf!: number;

  @Field()
  dryRun!: boolean;

  @Field()
  status!: string;

  @Field(() => [RollbackChange])
  changes!: RollbackChange[];

  @Field(() => [ItemFailure])
  failures!: ItemFailure[];
}

@ObjectType({ description: 'One allocation tier: quantities from min to max (inclusive; no max = and above) get share.' })
export class AllocationTier {
  @Field(() => Int)
  min!: number;

  @Field(() => Int, { nullable: true })
  max!: number | null;

  @Field({ description: 'A fraction such as "1/4".' })
  share!: string;
}

@InputType()
export class AllocationTierInput {
  @Field(() => Int)
  min!: number;

  @Field(() => Int, { nullable: true })
  max?: number | null;

  @Field({ description: 'A fraction such as "1/4" or a decimal such as "0.25".' })
  share!: string;
}

@ObjectType({ description: "A channel's weight in a split policy." })
export class ChannelWeight {
  @Field()
  channel!: string;

  @Field(() => Int)
  weight!: number;
}

@InputType()
export class ChannelWeightInput {
  @Field()
  channel!: string;

  @Field(() => Int, { description: 'A whole number >= 0; each channel gets source × weight / the sum of the weights, rounded down.' })
  weight!: number;
}

@ObjectType({
  description: 'How the channels of one source get their quantities: tiers (the manual\'s table, every channel the same), ' +
    'split (weights, rounded down: never more than the source together) or shared (every channel sees the source less a buffer).',
})
export class StockPolicy {
  @Field({ description: 'tiers, split or shared.' })
  kind!: string;

  @Field(() => [AllocationTier], { description: 'The tier table (kind tiers); empty otherwise.' })
  tiers!: AllocationTier[];

  @Field(() => [ChannelWeight], { description: 'The weights (kind split); empty otherwise.' })
  weights!: ChannelWeight[];

  @Field(() => Int, { nullable: true, description: 'Units held back from every channel (kind shared); null otherwise.' })
  buffer!: number | null;
}

@InputType({ description: 'A policy of one kind, with that kind\'s fields: tiers, weights or buffer.' })
export class StockPolicyInput {
  @Field({ description: 'tiers, split or shared.' })
  kind!: string;

  @Field(() => [AllocationTierInput], { nullable: true })
  tiers?: AllocationTierInput[] | null;

  @Field(() => [ChannelWeightInput], { nullable: true })
  weights?: ChannelWeightInput[] | null;

  @Field(() => Int, { nullable: true })
  buffer?: number | null;
}

@ObjectType({ description: 'The tiers in force.' })
export class AllocationRules {
  @Field(() => [AllocationTier])
  tiers!: AllocationTier[];

  @Field(() => Int, { nullable: true, description: 'The approved rule set in force; null = the configured default.' })
  ruleSetId!: number | null;
}

@ObjectType({ description: "A proposed, approved, rejected or superseded policy for one source." })
export class AllocationRuleSet {
  @Field(() => Int)
  id!: number;

  @Field({ description: 'The stock source the policy is for.' })
  source!: string;

  @Field()
  status!: string;

  @Field(() => StockPolicy)
  policy!: StockPolicy;

  @Field(() => [AllocationTier], { description: 'The tier table (a tiers policy); empty for the other kinds.' })
  tiers!: AllocationTier[];

  @Field(() => String, { nullable: true })
  reason!: string | null;

  @Field()
  proposedBy!: string;

  @Field()
  proposedAt!: Date;

  @Field(() => String, { nullable: true })
  decidedBy!: string | null;

  @Field(() => Date, { nullable: true })
  decidedAt!: Date | null;
}

@ObjectType({ description: "A stock source, its channels and its policy: the one in force and the proposals awaiting a manager." })
export class StockSourcePolicy {
  @Field({ description: 'The stock source system (sync.sources).' })
  source!: string;

  @Field(() => [String])
  channels!: string[];

  @Field(() => StockPolicy, { description: 'The policy in force.' })
  policy!: StockPolicy;

  @Field(() => Int, { nullable: true, description: 'The approved rule set in force; null = the configured policy.' })
  ruleSetId!: number | null;

  @Authorized(...WRITE)
  @Field(() => [AllocationRuleSet], { description: 'Proposals awaiting a manager, newest first (not for partners).' })
  pending!: AllocationRuleSet[];
}

@ObjectType()
export class AllocationPreview {
  @Field(() => Int, { description: "The source's quantity." })
  quantity!: number;

  @Field(() => Int, { description: "What the source's first channel would get (under tiers or shared, every channel)." })
  allocated!: number;

  @Field(() => [ChannelAllocation], { description: 'What each of the source\'s channels would get.' })
  channels!: ChannelAllocation[];

  @Field(() => AllocationTier, { nullable: true, description: 'The tier that applied; null when no tier covers the quantity.' })
  tier!: AllocationTier | null;
}

@ObjectType()
export class ChannelAllocation {
  @Field()
  channel!: string;

  @Field(() => Int, { nullable: true, description: 'Null when the SKU is inactive or has no code on this channel.' })
  quantity!: number | null;
}

@ObjectType({ description: 'What the tiers in force give each channel for one SKU of the current source inventory.' })
export class SkuAllocation {
  @Field()
  sku!: string;

  @Field(() => Int)
  sourceQuantity!: number;

  @Field(() => [ChannelAllocation])
  channels!: ChannelAllocation[];
}

@ObjectType()
export class SkuAllocationPage {
  @Field(() => Int, { description: 'SKUs matching the search, on every page.' })
  total!: number;

  @Field(() => [SkuAllocation])
  items!: SkuAllocation[];
}

@Directive('@key(fields: "id", resolvable: false)')
@ObjectType('SyncRun', { description: 'A run, resolved by the reporting subgraph.' })
export class SyncRunRef {
  @Field(() => Int)
  id!: number;
}

@ObjectType({ description: 'One applied stock change (sync, rollback or manual set).' })
export class StockChange {
  @Field()
  sku!: string;

  @Field()
  channel!: string;

  @Field(() => Int, { nullable: true })
  before!: number | null;

  @Field(() => Int)
  after!: number;

  @Field(() => Int, { nullable: true, description: 'The run that made the change; null for a manual set.' })
  runId!: number | null;

  @Field()
  at!: Date;

  @Field(() => ID, { description: 'Where this event stands in the event stream: pass it as stockChanged(after:) to resume after it.' })
  eventId!: string;
}

@ObjectType()
export class SyncRunProgress {
  @Field(() => Int)
  runId!: number;

  @Field({ description: 'reading-source, reading-channels, sending or finished.' })
  phase!: string;

  @Field(() => Int)
  done!: number;

  @Field(() => Int)
  total!: number;

  @Field()
  status!: string;
}
