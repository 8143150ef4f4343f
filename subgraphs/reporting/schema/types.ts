// Run history, ledger, integration log, audit trail and health as reporting serves them.
import { GraphQLJSONObject } from 'graphql-scalars';
import { Directive, Field, Int, ObjectType } from 'type-graphql';
import { PageInfo } from '../../federation.js';

@ObjectType()
export class RunChannelCount {
  @Field()
  channel!: string;

  @Field(() => Int)
  updates!: number;

  @Field(() => Int)
  failed!: number;
}

@ObjectType({ description: 'One change in a run\'s ledger: written PENDING before the call, settled after it.' })
export class LedgerEntry {
  @Field(() => Int)
  id!: number;

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

  @Field({ description: 'PENDING, APPLIED or FAILED.' })
  result!: string;

  @Field(() => String, { nullable: true })
  error!: string | null;

  @Field()
  at!: Date;
}

@ObjectType()
export class LedgerEdge {
  @Field()
  cursor!: string;

  @Field(() => LedgerEntry)
  node!: LedgerEntry;
}

@ObjectType()
export class LedgerConnection {
  @Field(() => [LedgerEdge])
  edges!: LedgerEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}

@Directive('@key(fields: "id")')
@ObjectType({ description: 'A stock sync or rollback run, dry or applied.' })
export class SyncRun {
  @Field(() => Int)
  id!: number;

  @Field({ description: 'SYNC or ROLLBACK.' })
  kind!: string;

  @Field()
  dryRun!: boolean;

  @Field({ description: 'RUNNING, SUCCESS, PARTIAL, FAILED, INTERRUPTED or ROLLED_BACK.' })
  status!: string;

  @Field()
  trigger!: string;

  @Field({ description: 'The stock source system (sync.sources) whose channels the run changed.' })
  sourceSystem!: string;

  @Field({ description: 'Where the figures came from: the source system, a file, manual:<user>, run:<id> (rollback).' })
  source!: string;

  @Field()
  startedAt!: Date;

  @Field(() => Date, { nullable: true })
  finishedAt!: Date | null;

  @Field(() => Int)
  sourceItems!: number;

  @Field(() => Int)
  mappedSkus!: number;

  @Field(() => Int)
  skippedInactive!: number;

  @Field(() => Int)
  skippedUnmapped!: number;

  @Field(() => Int)
  updates!: number;

  @Field(() => Int)
  failed!: number;

  @Field(() => [RunChannelCount])
  channels!: RunChannelCount[];

  @Field(() => String, { nullable: true })
  errorSummary!: string | null;

  @Field(() => Int, { nullable: true })
  rollbackOf!: number | null;

  @Field(() => Int, { nullable: true })
  rolledBackBy!: number | null;
}

@ObjectType({ description: "One external call's outcome, or one operation run (method RUN or DRY-RUN; url says who ran it)." })
export class IntegrationCall {
  @Field(() => Int)
  id!: number;

  @Field()
  at!: Date;

  @Field()
  system!: string;

  @Field()
  operation!: string;

  @Field()
  method!: string;

  @Field()
  url!: string;

  @Field(() => Int, { nullable: true })
  status!: number | null;

  @Field()
  ok!: boolean;

  @Field(() => Int)
  attempts!: number;

  @Field(() => Int)
  durationMs!: number;

  @Field(() => String, { nullable: true })
  error!: string | null;
}

@ObjectType()
export class AuditEntry {
  @Field()
  at!: Date;

  @Field()
  actor!: string;

  @Field()
  action!: string;

  @Field()
  subject!: string;

  @Field(() => GraphQLJSONObject)
  detail!: Record<string, unknown>;
}

@ObjectType()
export class ComponentHealth {
  @Field()
  name!: string;

  @Field()
  ok!: boolean;

  @Field()
  detail!: string;

  @Field(() => Int, { nullable: true, description: 'Days until the credential that expires first runs out.' })
  expiresInDays!: number | null;
}

@ObjectType({ description: 'A repeating job of the worker.' })
export class ScheduledJob {
  @Field()
  name!: string;

  @Field({ description: 'Cron expression, in timezone.' })
  schedule!: string;

  @Field()
  timezone!: string;

  @Field(() => Date, { nullable: true })
  nextRunAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When it last started; null when it has not, or the job store cannot be read.' })
  lastRunAt!: Date | null;

  @Field(() => Boolean, { nullable: true, description: 'Whether its latest run failed; null when it has not run.' })
  lastRunFailed!: boolean | null;

  @Field(() => String, { nullable: true, description: 'Why its latest run failed.' })
  failReason!: string | null;
}

@ObjectType()
export class Health {
  @Field({ description: 'True when every component is healthy: the database, every connector, the scheduler, the hub and disk space.' })
  ok!: boolean;

  @Field(() => [ComponentHealth])
  components!: ComponentHealth[];

  @Field(() => SyncRun, { nullable: true })
  lastRun!: SyncRun | null;

  @Field(() => [ScheduledJob], { description: "The worker's repeating jobs and when each runs next." })
  schedules!: ScheduledJob[];

  @Field(() => Boolean, { nullable: true, description: 'Whether a job worker takes due jobs; null when the job store cannot be read.' })
  workerAlive!: boolean | null;
}
