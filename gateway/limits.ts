// Query limits, applied to every operation before it is planned or run (HTTP and WebSocket alike): which operation
// runs, its depth, its cost with the real argument values, aliases and list lengths. One pass over the document:
// each named fragment is measured once and reused wherever it is spread, so the work is linear in the document
// however the fragments nest. Documents are parsed with `maxTokens`, which bounds everything else.
import {
  getNamedType, GraphQLError, isInterfaceType, isObjectType, Kind, valueFromASTUntyped,
  type DocumentNode, type FragmentDefinitionNode, type GraphQLField, type GraphQLNamedType, type GraphQLSchema,
  type OperationDefinitionNode, type SelectionSetNode, type ValueNode, type VariableDefinitionNode,
} from 'graphql';

/** Configured in the `gateway.limits` section of the config. */
export interface Limits {
  /** Deepest field nesting allowed (introspection's own fields do not count). */
  maxDepth: number;
  /**
   * 1 per field (aliases and __typename included); a field's children are multiplied by the page size it asks
   * for (first / limit, the schema's default when not given) or by the length of its longest list argument.
   * Each list item in arguments costs 1 too.
   */
  maxCost: number;
  /** Aliased fields in one document. */
  maxAliases: number;
  /** Items in any list, in arguments or in variables. */
  maxListLength: number;
  /** Lexical tokens in one document (a string literal is one token). */
  maxTokens: number;
}

/** Arguments that say how many items a list field returns. */
const PAGE_ARGS = new Set(['first', 'limit']);

const refusal = (message: string, code = 'QUERY_TOO_COMPLEX') => new GraphQLError(message, { extensions: { code, http: { status: 400 } } });

/**
 * The operation a request runs: the one named, or the only one. An unknown name, or several operations and no
 * name, is the client's mistake (400), as is a subscription sent where only queries and mutations are served.
 */
export function selectOperation(
  document: DocumentNode, operationName: string | null | undefined, allowSubscription: boolean,
): OperationDefinitionNode | GraphQLError {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  let operation: OperationDefinitionNode | undefined;
  if (operationName) {
    operation = operations.find((o) => o.name?.value === operationName);
    if (!operation) return refusal(`the document has no operation named "${operationName}"`, 'OPERATION_RESOLUTION_FAILURE');
  } else if (operations.length !== 1) {
    return refusal(
      operations.length ? `the document has ${operations.length} operations: give operationName` : 'the document has no operation',
      'OPERATION_RESOLUTION_FAILURE',
    );
  } else operation = operations[0]!;
  if (operation.operation === 'subscription' && !allowSubscription) {
    return refusal('subscriptions are served over WebSocket (graphql-ws) at /graphql, not over HTTP', 'BAD_REQUEST');
  }
  return operation;
}

interface Measure {
  cost: number;
  depth: number;
}

/**
 * Measures an operation. `cost` saturates just above the limit, so that no count grows without bound; errors
 * found on the way (too many aliases, a list too long) are collected rather than thrown.
 */
class Meter {
  private readonly fragments = new Map<string, FragmentDefinitionNode>();
  private readonly measured = new Map<string, Measure>();
  private readonly inProgress = new Set<string>();
  private readonly cap: number;
  readonly errors: GraphQLError[] = [];

  constructor(
    private readonly schema: GraphQLSchema,
    document: DocumentNode,
    private readonly variableDefs: ReadonlyMap<string, VariableDefinitionNode>,
    private readonly variables: Record<string, unknown>,
    private readonly limits: Limits,
  ) {
    for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) this.fragments.set(d.name.value, d);
    this.cap = limits.maxCost + 1;
  }

  private add(a: number, b: number): number {
    return Math.min(this.cap, a + b);
  }

  private times(a: number, b: number): number {
    return Math.min(this.cap, a * b);
  }

  /** The value an argument really has: literal, variable (given or its default), or the schema's default. */
  private argumentValue(node: ValueNode | undefined, defaultValue: unknown): unknown {
    if (!node) return defaultValue;
    if (node.kind === Kind.VARIABLE) {
      const name = node.name.value;
      if (name in this.variables) return this.variables[name];
      const def = this.variableDefs.get(name)?.defaultValue;
      return def ? valueFromASTUntyped(def) : defaultValue;
    }
    return valueFromASTUntyped(node, this.variables);
  }

  /** The number of items the field's arguments ask for, and the cost of the list items they carry. */
  private argumentSize(field: GraphQLField<unknown, unknown> | undefined, args: readonly { name: { value: string }; value: ValueNode }[]): { size: number; items: number } {
    let size = 1;
    let items = 0;
    const given = new Map(args.map((a) => [a.name.value, a.value]));
    const names = new Set([...given.keys(), ...(field?.args.map((a) => a.name) ?? [])]);
    for (const name of names) {
      const def = field?.args.find((a) => a.name === name);
      const value = this.argumentValue(given.get(name), def?.defaultValue);
      if (PAGE_ARGS.has(name) && typeof value === 'number' && Number.isFinite(value)) size = Math.max(size, Math.trunc(value));
      if (value !== null && typeof value === 'object') items = this.add(items, this.items(value));
      if (Array.isArray(value)) size = Math.max(size, value.length);
    }
    return { size, items };
  }

  /**
   * The items of every list in a value (nested in lists and input objects), refusing any list over maxListLength
   * and nesting deeper than maxDepth. Iterative: a value nested a million deep must not overflow the stack.
   */
  items(value: unknown): number {
    let total = 0;
    const stack: [unknown, number][] = [[value, 0]];
    while (stack.length && total < this.cap) {
      const [v, depth] = stack.pop()!;
      if (v === null || typeof v !== 'object') continue;
      if (depth > this.limits.maxDepth) {
        this.errors.push(refusal(`a value nested ${depth} deep exceeds the depth limit of ${this.limits.maxDepth}`));
        return this.cap;
      }
      const children = Array.isArray(v) ? v : Object.values(v);
      if (Array.isArray(v)) {
        if (v.length > this.limits.maxListLength) {
          this.errors.push(refusal(`a list of ${v.length} items exceeds the limit of ${this.limits.maxListLength}`));
          return this.cap;
        }
        total = this.add(total, v.length);
      }
      for (const c of children) if (c !== null && typeof c === 'object') stack.push([c, depth + 1]);
    }
    return total;
  }

  measure(set: SelectionSetNode, parent: GraphQLNamedType | undefined, introspection: boolean): Measure {
    let cost = 0;
    let depth = 0;
    for (const sel of set.selections) {
      if (cost >= this.cap) break;
      if (sel.kind === Kind.FIELD) {
        const name = sel.name.value;
        const field = parent && (isObjectType(parent) || isInterfaceType(parent)) ? parent.getFields()[name] : undefined;
        const meta = introspection || name === '__schema' || name === '__type';
        const { size, items } = this.argumentSize(field, sel.arguments ?? []);
        const child = sel.selectionSet
          ? this.measure(sel.selectionSet, field ? getNamedType(field.type) : this.schema.getType(name === '__schema' ? '__Schema' : '__Type') ?? undefined, meta)
          : { cost: 0, depth: 0 };
        cost = this.add(cost, this.add(1 + items, this.times(size, child.cost)));
        depth = Math.max(depth, child.depth + (meta ? 0 : 1));
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const type = sel.typeCondition ? this.schema.getType(sel.typeCondition.name.value) ?? undefined : parent;
        const child = this.measure(sel.selectionSet, type, introspection);
        cost = this.add(cost, child.cost);
        depth = Math.max(depth, child.depth);
      } else {
        const child = this.fragment(sel.name.value, introspection);
        cost = this.add(cost, child.cost);
        depth = Math.max(depth, child.depth);
      }
    }
    return { cost, depth };
  }

  /** A named fragment, measured once. A spread inside its own fragment (a cycle) counts nothing: validation refuses it. */
  private fragment(name: string, introspection: boolean): Measure {
    const key = `${introspection ? 'i' : 'o'}:${name}`;
    const known = this.measured.get(key);
    if (known) return known;
    const fragment = this.fragments.get(name);
    if (!fragment || this.inProgress.has(key)) return { cost: 0, depth: 0 };
    this.inProgress.add(key);
    const result = this.measure(fragment.selectionSet, this.schema.getType(fragment.typeCondition.name.value) ?? undefined, introspection);
    this.inProgress.delete(key);
    this.measured.set(key, result);
    return result;
  }
}

function countAliases(document: DocumentNode, max: number): number {
  let count = 0;
  const walk = (set: SelectionSetNode) => {
    for (const sel of set.selections) {
      if (count > max) return;
      if (sel.kind === Kind.FIELD && sel.alias) count++;
      if (sel.kind !== Kind.FRAGMENT_SPREAD && sel.selectionSet) walk(sel.selectionSet);
    }
  };
  for (const d of document.definitions) if (d.kind === Kind.OPERATION_DEFINITION || d.kind === Kind.FRAGMENT_DEFINITION) walk(d.selectionSet);
  return count;
}

/**
 * The operation's depth and cost with the real argument values, and an error for each limit it exceeds; the cost
 * is what rate limiting charges. Runs on unvalidated documents too: unknown fields cost 1, fragment cycles nothing.
 */
export function checkLimits(
  schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown> | null | undefined,
  limits: Limits,
): { cost: number; errors: GraphQLError[] } {
  const errors: GraphQLError[] = [];
  if (countAliases(document, limits.maxAliases) > limits.maxAliases) errors.push(refusal(`the document has more than ${limits.maxAliases} aliases`));
  const defs = new Map((operation.variableDefinitions ?? []).map((d) => [d.variable.name.value, d]));
  const meter = new Meter(schema, document, defs, variables ?? {}, limits);
  // Every variable is parsed and may be coerced: its lists are bounded whether or not an argument uses them.
  meter.items(variables ?? {});
  const root = operation.operation === 'query' ? schema.getQueryType() : operation.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  const { cost, depth } = meter.measure(operation.selectionSet, root ?? undefined, false);
  if (depth > limits.maxDepth) errors.push(refusal(`query depth ${depth} exceeds the limit of ${limits.maxDepth}`));
  // A refused value stops the count (its cost saturates): its own error says more than the cost's.
  if (meter.errors.length) errors.push(meter.errors[0]!);
  else if (cost > limits.maxCost) errors.push(refusal(`query cost exceeds the limit of ${limits.maxCost}`));
  return { cost, errors };
}

/** Variables longer than this as JSON are measured every time: their key would cost about what measuring does. */
const REMEMBERED_VARIABLES_CHARS = 1024;
/** Variable sets remembered per document; the oldest go first. */
const VERDICTS_PER_DOCUMENT = 64;

/**
 * checkLimits, remembering the cost of operations that passed, per document and variables. Apollo Server hands the
 * same DocumentNode for a query text it has parsed before, so a repeated query (a dashboard's poll, a partner's
 * page) is measured once; the gateway benchmark's CPU profile put the measuring at about 2 % of the gateway's
 * time. Refusals are measured again each time (their errors are not shared between requests).
 */
export function rememberedLimits(schema: GraphQLSchema, limits: Limits) {
  const costs = new WeakMap<DocumentNode, Map<string, number>>();
  return (document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown> | null | undefined): { cost: number; errors: GraphQLError[] } => {
    let json: string;
    try {
      json = JSON.stringify(variables ?? null);
    } catch {
      // Nested too deep for JSON.stringify's recursion: checkLimits walks it iteratively and refuses it.
      return checkLimits(schema, document, operation, variables, limits);
    }
    if (json.length > REMEMBERED_VARIABLES_CHARS) return checkLimits(schema, document, operation, variables, limits);
    // Operation names are GraphQL names (no line breaks): the first line is the name.
    const key = `${operation.name?.value ?? ''}\n${json}`;
    let known = costs.get(document);
    const cost = known?.get(key);
    if (cost !== undefined) return { cost, errors: [] };
    const verdict = checkLimits(schema, document, operation, variables, limits);
    if (verdict.errors.length === 0) {
      if (!known) costs.set(document, (known = new Map()));
      if (known.size >= VERDICTS_PER_DOCUMENT) known.delete(known.keys().next().value!);
      known.set(key, verdict.cost);
    }
    return verdict;
  };
}
