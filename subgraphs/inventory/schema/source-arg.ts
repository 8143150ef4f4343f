// The optional \`source\` argument of the inventory fields: a stock source of sync.sources, the only one by default.
import type { SubgraphContext } from '../../federation.js';

export const SOURCE_ARG = { nullable: true, description: 'The stock source (sync.sources); default: the only one, when there is one.' } as const;

/** The source an argument names, or the only one (bad input naming the argument otherwise). */
export const sourceOf = (ctx: SubgraphContext, source: string | null | undefined) => ctx.services.inventory.sources.resolve(source).name;
