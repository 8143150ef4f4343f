// Prices per market (what Tsunagi set in each shop), their history, the changes held for approval, and pricing
// runs. Money is minor units of an ISO 4217 currency.
import { Arg, Authorized, Ctx, Directive, Field, FieldResolver, Int, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { actorOf, loader, MANAGE, PageInfo, READ, STAFF, WRITE, type SubgraphContext } from '../../federation.js';
import type { PriceChangeView, PriceView, PricingReport } from '../service.js';

@ObjectType({ description: 'A selling price on one channel (a shop) in one country.' })
export class Price {
  @Field({ description: 'The market, e.g. shopee:SG.' })
  channel!: string;

  @Field({ description: 'ISO 3166-1 alpha-2 country code.' })
  country!: string;

  @Field(() => Int, { description: 'Amount in minor units of currency (yen: whole yen; SGD: cents; TWD: cents, whole dollars on Shopee).' })
  amount!: number;

  @Field({ description: 'ISO 4217 currency code.' })
  currency!: string;

  @Field({ description: 'When Tsunagi set it.' })
  updatedAt!: Date;
}

@ObjectType({ description: 'A price change: sent (APPLIED/FAILED), held for approval (HELD), or what became of a held one.' })
export class PriceChange {
  @Field(() => Int)
  id!: number;

  @Field(() => Int, { description: 'The pricing run that made it.' })
  runId!: number;

  @Field()
  sku!: string;

  @Field()
  channel!: string;

  @Field()
  country!: string;

  @Field()
  currency!: string;

  @Field(() => Int, { nullable: true, description: 'Minor units before; null when the shop had no price Tsunagi could read.' })
  before!: number | null;

  @Field(() => Int, { description: 'Minor units after.' })
  after!: number;

  @Field({ description: 'Why: "Dynamic pricing rule: <name>", "Rollback of pricing run <n>".' })
  reason!: string;

  @Field({ description: 'PENDING, APPLIED, FAILED, HELD, APPROVED or SUPERSEDED.' })
  status!: string;

  @Field(() => String, { nullable: true, description: 'The guardrail a held change crosses.' })
  heldReason!: string | null;

  @Field(() => String, { nullable: true, description: 'The manager who approved it.' })
  approvedBy!: string | null;

  @Field(() => Date, { nullable: true })
  approvedAt!: Date | null;

  @Field(() => String, { nullable: true, description: "The shop's refusal, for a FAILED change." })
  error!: string | null;

  @Field()
  at!: Date;
}

@ObjectType()
export class PriceChangeEdge {
  @Field()
  cursor!: string;

  @Field(() => PriceChange)
  node!: PriceChange;
}

@ObjectType()
export class PriceChangeConnection {
  @Field(() => [PriceChangeEdge])
  edges!: PriceChangeEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}

@ObjectType()
export class PricingRule {
  @Field()
  id!: string;

  @Field()
  name!: string;
}

@ObjectType({ description: 'A pricing run (engine → shops), an approval sent, or a rollback.' })
export class PricingRunResult {
  @Field(() => Int)
  runId!: number;

  @Field({ description: 'PRICING, APPROVAL or ROLLBACK.' })
  kind!: string;

  @Field({ description: 'SUCCESS, PARTIAL or FAILED.' })
  status!: string;

  @Field()
  dryRun!: boolean;

  @Field(() => [PricingRule], { description: "The engine's active rules." })
  rules!: PricingRule[];

  @Field(() => Int, { description: 'Prices the engine computed.' })
  computed!: number;

  @Field(() => Int, { description: 'Changes sent (or, in a dry run, to send).' })
  changes!: number;

  @Field(() => Int)
  applied!: number;

  @Field(() => Int)
  failed!: number;

  @Field(() => Int, { description: 'Changes outside the guardrails, held for approval.' })
  held!: number;

  @Field(() => Int)
  unchanged!: number;

  @Field(() => Int, { description: 'SKUs a shop has no listing for.' })
  notListed!: number;

  @Field(() => [String], { description: 'Configured markets no system serves.' })
  marketsWithoutShop!: string[];

  @Field(() => [PriceChange], { description: 'The changes (the first 1,000).' })
  changeList!: PriceChange[];

  @Field(() => String, { nullable: true })
  errorSummary!: string | null;
}

@Directive('@key(fields: "sku")')
@ObjectType()
export class Product {
  @Field()
  sku!: string;
}

const run = (r: PricingReport): PricingRunResult => r;
const change = (c: PriceChangeView): PriceChange => c;

@Resolver(() => Product)
export class PriceResolver {
  @FieldResolver(() => [Price], { description: 'The prices Tsunagi set per market, in the market currency.' })
  prices(@Root() product: Product, @Ctx() ctx: SubgraphContext): Promise<PriceView[]> {
    return loader<string, PriceView[]>(ctx, 'pricing.prices', async (skus) => {
      const found = await ctx.services.pricing.prices([...skus]);
      return skus.map((s) => found.get(s) ?? []);
    }).load(product.sku);
  }
}

@Resolver()
export class PricingResolver {
  @Authorized(...READ)
  @Query(() => PriceChangeConnection, { description: 'The prices a SKU had (changes applied), newest first.' })
  async priceHistory(
    @Ctx() ctx: SubgraphContext,
    @Arg('sku', () => String) sku: string,
    @Arg('country', () => String, { nullable: true }) country?: string | null,
    @Arg('from', () => Date, { nullable: true }) from?: Date | null,
    @Arg('to', () => Date, { nullable: true }) to?: Date | null,
    @Arg('first', () => Int, { defaultValue: 50 }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<PriceChangeConnection> {
    const page = await ctx.services.pricing.history({ sku, country, from, to, first: first ?? 50, after });
    return { edges: page.rows.map((r) => ({ cursor: String(r.id), node: change(r) })), pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor } };
  }

  @Authorized(...STAFF)
  @Query(() => [PriceChange], { description: 'Price changes held for a manager’s approval, oldest first.' })
  async pendingPriceApprovals(@Ctx() ctx: SubgraphContext): Promise<PriceChange[]> {
    return (await ctx.services.pricing.pendingApprovals()).map(change);
  }

  @Authorized(...WRITE)
  @Mutation(() => PricingRunResult, { description: "Prices from the engine to every market's shop; a dry run sends nothing." })
  async runPricing(@Ctx() ctx: SubgraphContext, @Arg('dryRun', () => Boolean, { defaultValue: false }) dryRun: boolean): Promise<PricingRunResult> {
    const actor = actorOf(ctx).name;
    return run(await ctx.services.pricing.run({ dryRun, trigger: `graphql:${actor}`, actor }));
  }

  @Authorized(...MANAGE)
  @Mutation(() => PriceChange, { description: 'Sends a held price change (manager; not who started its run). Ledgered as an approval run.' })
  async approvePriceChange(@Ctx() ctx: SubgraphContext, @Arg('id', () => Int) id: number): Promise<PriceChange> {
    return change(await ctx.services.pricing.approve(id, actorOf(ctx)));
  }

  @Authorized(...WRITE)
  @Mutation(() => PricingRunResult, { description: 'Returns every shop to its price before the most recent applied pricing run (within the window, once).' })
  async rollbackPricing(
    @Ctx() ctx: SubgraphContext,
    @Arg('dryRun', () => Boolean, { defaultValue: false }) dryRun: boolean,
    @Arg('runId', () => Int, { nullable: true }) runId?: number | null,
  ): Promise<PricingRunResult> {
    const actor = actorOf(ctx).name;
    return run(await ctx.services.pricing.rollback({ runId: runId ?? undefined, dryRun, trigger: `graphql:${actor}`, actor }));
  }
}
