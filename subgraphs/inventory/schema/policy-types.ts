// GraphQL views of stock policies, their rule sets and allocation previews.
import { Authorized, Field, InputType, Int, ObjectType } from 'type-graphql';
import { WRITE } from '../../federation.js';

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