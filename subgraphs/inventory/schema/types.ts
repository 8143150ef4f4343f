// GraphQL views of stock, changes and run reports. Fields mirror the service's types one to one.
import { Directive, Field, ID, Int, ObjectType } from 'type-graphql';

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

  @Field({ description: 'SYNC (a sync or a manual stock set) or ROLLBACK.' })
  kind!: string;

  @Field({ description: 'What started it: cli, schedule, graphql:<caller>, manual (a stock set).' })
  trigger!: string;

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

  @Field(() => [PlannedChange], { description: 'The changes planned (dry run) or sent, the first 1,000 (updates counts them all; the ledger holds them).' })
  changes!: PlannedChange[];

  @Field(() => [ItemFailure], { description: 'The failed changes, the first 1,000 (failed counts them all; the ledger holds them).' })
  failures!: ItemFailure[];

  @Field(() => String, { nullable: true })
  errorSummary!: string | null;

  @Field({ description: 'The report as text, line by line: what `tsunagi sync` prints and the scheduled job logs.' })
  text!: string;
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

  @Field(() => Int, { description: 'Changes planned (dry run) or sent.' })
  updates!: number;

  @Field(() => Int)
  failed!: number;

  @Field(() => [RollbackChange], { description: 'The first 1,000 changes (updates counts them all; the ledger holds them).' })
  changes!: RollbackChange[];

  @Field(() => [ItemFailure], { description: 'The first 1,000 failed changes.' })
  failures!: ItemFailure[];

  @Field({ description: 'The report as text, line by line: what `tsunagi rollback` prints.' })
  text!: string;
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
