// Query depth and cost limits, applied to every operation before it is planned (HTTP and WebSocket alike).
import {
  GraphQLError, Kind, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionSetNode,
  type ValueNode,
} from 'graphql';

/** Configured in the `gateway.limits` section of the config. */
export interface Limits {
  /** Deepest field nesting allowed. */
  maxDepth: number;
  /** Cost: 1 per field, children multiplied by the page size the field asks for (first / limit). */
  maxCost: number;
}

/** Arguments that say how many items a list field returns. */
const PAGE_ARGS = new Set(['first', 'limit']);

function pageSize(value: ValueNode | undefined, variables: Record<string, unknown>): number {
  if (!value) return 1;
  if (value.kind === Kind.INT) return Number(value.value);
  if (value.kind === Kind.VARIABLE) return Number(variables[value.name.value] ?? 1) || 1;
  return 1;
}

function measure(
  set: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>, variables: Record<string, unknown>, depth: number,
): { depth: number; cost: number } {
  let deepest = depth;
  let cost = 0;
  for (const sel of set.selections) {
    if (sel.kind === Kind.FIELD) {
      if (sel.name.value.startsWith('__')) continue;
      const size = pageSize(sel.arguments?.find((a) => PAGE_ARGS.has(a.name.value))?.value, variables);
      const child = sel.selectionSet ? measure(sel.selectionSet, fragments, variables, depth + 1) : { depth: depth + 1, cost: 0 };
      deepest = Math.max(deepest, child.depth);
      cost += 1 + Math.max(size, 1) * child.cost;
    } else {
      const inner = sel.kind === Kind.INLINE_FRAGMENT ? sel.selectionSet : fragments.get(sel.name.value)?.selectionSet;
      if (!inner) continue;
      const child = measure(inner, fragments, variables, depth);
      deepest = Math.max(deepest, child.depth);
      cost += child.cost;
    }
  }
  return { depth: deepest, cost };
}

/** The operation's depth and cost; an error for each limit it exceeds. Run after validation (no fragment cycles). */
export function checkLimits(
  document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown>, limits: Limits,
): GraphQLError[] {
  const fragments = new Map(
    document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]),
  );
  const { depth, cost } = measure(operation.selectionSet, fragments, variables, 0);
  const errors: GraphQLError[] = [];
  const fail = (message: string) => new GraphQLError(message, { extensions: { code: 'QUERY_TOO_COMPLEX', http: { status: 400 } } });
  if (depth > limits.maxDepth) errors.push(fail(`query depth ${depth} exceeds the limit of ${limits.maxDepth}`));
  if (cost > limits.maxCost) errors.push(fail(`query cost ${cost} exceeds the limit of ${limits.maxCost}`));
  return errors;
}
