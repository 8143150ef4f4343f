// The optional \`source\` argument of the inventory fields: a stock source of sync.sources, the first listed by default.
import type { SubgraphContext } from '../../federation.js';

export const SOURCE_ARG = { nullable: true, description: 'The stock source (sync.sources); default: the first listed there.' } as const;

/** The source an argument names, or the first configured (bad input naming the argument when unknown). */
export const sourceOf = (ctx: SubgraphContext, source: string | null | undefined) => ctx.services.inventory.sources.resolve(source).name;
