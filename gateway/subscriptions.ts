// Subscriptions through the gateway. Apollo Gateway executes no subscriptions, so this router does it:
//  1. the subgraph that owns the root field (from the supergraph's join directives) runs the subscription,
//     with every sub-selection on an entity type cut down to the entity's key;
//  2. for each event, those entities are fetched back through the gateway's normal query path (the entity's
//     lookup root field, e.g. product(sku)), so fields owned by any subgraph resolve as in a query;
//  3. a resumable root field (an `after: ID` argument, an `eventId` on its type) is asked for each event's id,
//     and `after` always holds the last one forwarded: a resubscription after the subgraph went away (graphql-ws
//     sends the same payload object again) resumes there, and items a resumed stream repeats are dropped.
import {
  getNamedType, GraphQLError, isNonNullType, isObjectType, Kind, OperationTypeNode, parse, parseType, visit,
  type DocumentNode, type ExecutionResult, type FieldNode, type FragmentDefinitionNode, type GraphQLObjectType,
  type GraphQLSchema, type OperationDefinitionNode, type SelectionNode, type SelectionSetNode,
  type VariableDefinitionNode, valueFromASTUntyped,
} from 'graphql';
import { isAfter, parseEventCursor, type EventCursor } from '../platform/events/index.js';

/** Alias and variable the router adds to a resumable subscription (stripped from what the client sees). */
const RESUME_FIELD = '_resumeEventId';
const RESUME_VAR = '_resumeAfter';

/** How the gateway fetches an entity by its key: a root query field taking the key as its one required argument. */
interface Lookup {
  field: string;
  keyField: string;
  argType: string;
}

/** A sub-selection on an entity, cut from the upstream subscription and fetched per event through the gateway. */
interface EntitySelection {
  /** Response keys from the payload root to the entity field. */
  path: string[];
  lookup: Lookup;
  selectionSet: SelectionSetNode;
  variables: VariableDefinitionNode[];
}

export type SubscriptionResult = AsyncIterableIterator<ExecutionResult> | ExecutionResult;

/** `C` is the subscriber (whoever the caller authenticated as), handed through to both callbacks. */
export interface SubscriptionRouterOptions<C> {
  supergraphSdl: string;
  apiSchema: GraphQLSchema;
  /** Runs a subscription document on a subgraph, as the subscriber. */
  upstream(subgraph: string, document: DocumentNode, variables: Record<string, unknown>, caller: C): Promise<SubscriptionResult>;
  /** Runs a query through the gateway, as the subscriber. */
  query(document: DocumentNode, variables: Record<string, unknown>, caller: C): Promise<ExecutionResult>;
}

/** Reads the supergraph: subscription root field → owning subgraph, and entity type → key fields. */
export function readSupergraph(supergraphSdl: string): { owners: Map<string, string>; keys: Map<string, string> } {
  const doc = parse(supergraphSdl);
  const graphs = new Map<string, string>();
  const owners = new Map<string, string>();
  const keys = new Map<string, string>();
  const arg = (node: { arguments?: readonly { name: { value: string }; value: unknown }[] }, name: string) => {
    const v = node.arguments?.find((a) => a.name.value === name)?.value as { value?: string } | undefined;
    return v?.value;
  };
  for (const def of doc.definitions) {
    if (def.kind === Kind.ENUM_TYPE_DEFINITION && def.name.value === 'join__Graph') {
      for (const v of def.values ?? []) {
        const g = v.directives?.find((d) => d.name.value === 'join__graph');
        if (g) graphs.set(v.name.value, arg(g, 'name')!);
      }
    }
  }
  for (const def of doc.definitions) {
    if (def.kind !== Kind.OBJECT_TYPE_DEFINITION) continue;
    const joinTypes = def.directives?.filter((d) => d.name.value === 'join__type') ?? [];
    const key = joinTypes.map((d) => arg(d, 'key')).find(Boolean);
    if (key) keys.set(def.name.value, key);
    if (def.name.value !== 'Subscription') continue;
    for (const field of def.fields ?? []) {
      const joinField = field.directives?.find((d) => d.name.value === 'join__field' && arg(d, 'graph'));
      const graph = joinField ? arg(joinField, 'graph') : joinTypes.length === 1 ? arg(joinTypes[0]!, 'graph') : undefined;
      if (graph) owners.set(field.name.value, graphs.get(graph)!);
    }
  }
  return { owners, keys };
}

function findLookups(schema: GraphQLSchema, keys: Map<string, string>): Map<string, Lookup> {
  const lookups = new Map<string, Lookup>();
  const fields = Object.values(schema.getQueryType()?.getFields() ?? {});
  for (const [type, keyField] of keys) {
    if (keyField.trim().includes(' ')) continue;
    const field = fields.find(
      (f) => getNamedType(f.type).name === type && !f.type.toString().startsWith('[') &&
        f.args.some((a) => a.name === keyField && isNonNullType(a.type)) &&
        f.args.every((a) => a.name === keyField || !isNonNullType(a.type)),
    );
    if (field) lookups.set(type, { field: field.name, keyField, argType: field.args.find((a) => a.name === keyField)!.type.toString() });
  }
  return lookups;
}

/** Replaces fragment spreads by inline fragments, so that any sub-selection stands on its own. */
function inlineFragments(set: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>): SelectionSetNode {
  return {
    ...set,
    selections: set.selections.map((sel): SelectionNode => {
      if (sel.kind === Kind.FRAGMENT_SPREAD) {
        const f = fragments.get(sel.name.value)!;
        return { kind: Kind.INLINE_FRAGMENT, typeCondition: f.typeCondition, directives: sel.directives, selectionSet: inlineFragments(f.selectionSet, fragments) };
      }
      return sel.selectionSet ? { ...sel, selectionSet: inlineFragments(sel.selectionSet, fragments) } : sel;
    }),
  };
}

function usedVariables(node: SelectionSetNode, defs: readonly VariableDefinitionNode[]): VariableDefinitionNode[] {
  const used = new Set<string>();
  visit(node, { Variable: (v) => void used.add(v.name.value) });
  return defs.filter((d) => used.has(d.variable.name.value));
}

const field = (name: string): FieldNode => ({ kind: Kind.FIELD, name: { kind: Kind.NAME, value: name } });

/** Whether a subscription root field can resume: it takes `after: ID` and its items carry an `eventId`. */
function resumable(subscriptionType: GraphQLObjectType, name: string): boolean {
  const def = subscriptionType.getFields()[name];
  const type = def && getNamedType(def.type);
  return Boolean(def?.args.some((a) => a.name === 'after' && getNamedType(a.type).name === 'ID') && isObjectType(type) && type.getFields().eventId);
}

/** The root field asking for each item's event id, with `after` taken from the resume variable. */
function withResume(set: SelectionSetNode, root: FieldNode): SelectionSetNode {
  const name = (value: string) => ({ kind: Kind.NAME, value }) as const;
  return {
    ...set,
    selections: set.selections.map((sel) => {
      if (sel.kind !== Kind.FIELD || sel.name.value !== root.name.value || sel.alias?.value !== root.alias?.value) return sel;
      return {
        ...sel,
        arguments: [
          ...(sel.arguments ?? []).filter((a) => a.name.value !== 'after'),
          { kind: Kind.ARGUMENT, name: name('after'), value: { kind: Kind.VARIABLE, name: name(RESUME_VAR) } },
        ],
        selectionSet: {
          ...sel.selectionSet!,
          selections: [...sel.selectionSet!.selections, { kind: Kind.FIELD, alias: name(RESUME_FIELD), name: name('eventId') }],
        },
      };
    }),
  };
}

export function createSubscriptionRouter<C>(opts: SubscriptionRouterOptions<C>) {
  const { owners, keys } = readSupergraph(opts.supergraphSdl);
  const lookups = findLookups(opts.apiSchema, keys);

  /** Cuts entity sub-selections below the root field down to __typename + key, recording what was cut. */
  function split(set: SelectionSetNode, parent: GraphQLObjectType, path: string[], vars: readonly VariableDefinitionNode[], cut: EntitySelection[]): SelectionSetNode {
    return {
      ...set,
      selections: set.selections.map((sel): SelectionNode => {
        if (sel.kind === Kind.INLINE_FRAGMENT) {
          const type = sel.typeCondition ? opts.apiSchema.getType(sel.typeCondition.name.value) : parent;
          return isObjectType(type) ? { ...sel, selectionSet: split(sel.selectionSet, type, path, vars, cut) } : sel;
        }
        if (sel.kind !== Kind.FIELD || !sel.selectionSet) return sel;
        const type = getNamedType(parent.getFields()[sel.name.value]!.type);
        if (!isObjectType(type)) return sel;
        const here = [...path, sel.alias?.value ?? sel.name.value];
        const lookup = path.length > 0 ? lookups.get(type.name) : undefined;
        if (!lookup) return { ...sel, selectionSet: split(sel.selectionSet, type, here, vars, cut) };
        cut.push({ path: here.slice(1), lookup, selectionSet: sel.selectionSet, variables: usedVariables(sel.selectionSet, vars) });
        return { ...sel, selectionSet: { kind: Kind.SELECTION_SET, selections: [field('__typename'), field(lookup.keyField)] } };
      }),
    };
  }

  /** Fetches every cut entity of one event through the gateway and puts the results in place. */
  async function resolveEntities(
    result: ExecutionResult, root: string, cut: EntitySelection[], variables: Record<string, unknown>, caller: C,
  ): Promise<ExecutionResult> {
    const payload = (result.data as Record<string, unknown> | null | undefined)?.[root];
    if (!payload || cut.length === 0) return result;
    const holders: { holder: Record<string, unknown>; key: string; alias: string }[] = [];
    const selections: FieldNode[] = [];
    const defs = new Map<string, VariableDefinitionNode>();
    const values: Record<string, unknown> = {};
    for (const entity of cut) {
      for (const holder of objectsAt(payload, entity.path.slice(0, -1))) {
        const key = entity.path.at(-1)!;
        const ref = holder[key] as Record<string, unknown> | null | undefined;
        if (!ref) continue;
        const alias = `e${holders.length}`;
        const keyVar = `${alias}_key`;
        holders.push({ holder, key, alias });
        values[keyVar] = ref[entity.lookup.keyField];
        defs.set(keyVar, {
          kind: Kind.VARIABLE_DEFINITION, variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: keyVar } }, type: parseType(entity.lookup.argType),
        });
        for (const v of entity.variables) {
          defs.set(v.variable.name.value, v);
          values[v.variable.name.value] = variables[v.variable.name.value];
        }
        selections.push({
          kind: Kind.FIELD, alias: { kind: Kind.NAME, value: alias }, name: { kind: Kind.NAME, value: entity.lookup.field },
          arguments: [{ kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: entity.lookup.keyField }, value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: keyVar } } }],
          selectionSet: entity.selectionSet,
        });
      }
    }
    if (selections.length === 0) return result;
    const document: DocumentNode = {
      kind: Kind.DOCUMENT,
      definitions: [{
        kind: Kind.OPERATION_DEFINITION, operation: OperationTypeNode.QUERY, variableDefinitions: [...defs.values()],
        selectionSet: { kind: Kind.SELECTION_SET, selections },
      }],
    };
    const fetched = await opts.query(document, values, caller);
    const data = (fetched.data ?? {}) as Record<string, unknown>;
    for (const { holder, key, alias } of holders) holder[key] = data[alias] ?? null;
    const errors = [...(result.errors ?? []), ...(fetched.errors ?? [])];
    return errors.length ? { ...result, errors } : result;
  }

  return {
    /** Runs a validated subscription operation; returns the event stream or an error result. */
    async subscribe(
      document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown>, caller: C,
    ): Promise<SubscriptionResult> {
      const subscriptionType = opts.apiSchema.getSubscriptionType()!;
      const fragments = new Map(
        document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]),
      );
      const inlined = inlineFragments(operation.selectionSet, fragments);
      const rootField = inlined.selections.find((s): s is FieldNode => s.kind === Kind.FIELD && s.name.value !== '__typename');
      const owner = rootField && owners.get(rootField.name.value);
      if (!rootField || !owner) {
        return { errors: [new GraphQLError(`no subgraph serves subscription field ${rootField?.name.value ?? '(none)'}`)] };
      }
      const cut: EntitySelection[] = [];
      const resume = resumable(subscriptionType, rootField.name.value);
      let selectionSet = split(inlined, subscriptionType, [], operation.variableDefinitions ?? [], cut);
      const variableDefinitions = usedVariables(selectionSet, operation.variableDefinitions ?? []);
      // The upstream's own variables: with a resume point, this object is what graphql-ws sends on resubscribing.
      const upstreamVariables: Record<string, unknown> = { ...variables };
      let last: EventCursor | undefined;
      if (resume) {
        const given = rootField.arguments?.find((a) => a.name.value === 'after');
        upstreamVariables[RESUME_VAR] = given ? valueFromASTUntyped(given.value, variables) ?? null : null;
        last = typeof upstreamVariables[RESUME_VAR] === 'string' ? parseEventCursor(upstreamVariables[RESUME_VAR]) : undefined;
        selectionSet = withResume(selectionSet, rootField);
        variableDefinitions.push({
          kind: Kind.VARIABLE_DEFINITION, variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: RESUME_VAR } }, type: parseType('ID'),
        });
      }
      const upstreamDoc: DocumentNode = {
        kind: Kind.DOCUMENT,
        definitions: [{ ...operation, selectionSet, variableDefinitions: usedVariables(selectionSet, variableDefinitions) }],
      };
      const source = await opts.upstream(owner, upstreamDoc, upstreamVariables, caller);
      if (!(Symbol.asyncIterator in source)) return source;
      const root = rootField.alias?.value ?? rootField.name.value;
      /** Moves the resume point to this event; false for an item a resumed stream repeats. */
      const advance = (result: ExecutionResult): boolean => {
        const item = (result.data as Record<string, Record<string, unknown> | null> | null | undefined)?.[root];
        if (!resume || !item) return true;
        const id = item[RESUME_FIELD];
        delete item[RESUME_FIELD];
        const cursor = typeof id === 'string' ? parseEventCursor(id) : undefined;
        if (!cursor) return true;
        if (last && !isAfter(cursor, last)) return false;
        last = cursor;
        upstreamVariables[RESUME_VAR] = id;
        return true;
      };
      // A hand-written iterator rather than an async generator: return() must reach the upstream at once, even
      // while next() waits for an event, so that a closed client closes its upstream subscription.
      const events: AsyncIterableIterator<ExecutionResult> = {
        async next() {
          for (;;) {
            const r = await source.next();
            if (r.done) return r;
            if (!advance(r.value)) continue;
            return { value: await resolveEntities(r.value, root, cut, variables, caller), done: false };
          }
        },
        async return() {
          await source.return?.();
          return { value: undefined, done: true };
        },
        async throw(err) {
          await source.return?.();
          throw err;
        },
        [Symbol.asyncIterator]() {
          return this;
        },
      };
      return events;
    },
  };
}

function objectsAt(value: unknown, path: string[]): Record<string, unknown>[] {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) return value.flatMap((v) => objectsAt(v, path));
  if (path.length === 0) return [value as Record<string, unknown>];
  return objectsAt((value as Record<string, unknown>)[path[0]!], path.slice(1));
}
