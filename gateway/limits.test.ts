// The cost model on a small schema: what each construct costs, and that the analysis stays linear however
// fragments nest (an exponential walk would not finish these tests).
import { buildSchema, parse, type OperationDefinitionNode } from 'graphql';
import { checkLimits, rememberedLimits, selectOperation, type Limits } from './limits.js';

const schema = buildSchema(`
  type Query {
    runs(limit: Int! = 20): [Run!]!
    products(first: Int = 20, after: String): [Product!]!
    simulate(quantities: [Int!]!): [Preview!]!
    tiers(input: [TierInput!]): Int
    tier(input: TierInput!): Int
  }
  type Run { id: Int! ledger(first: Int! = 100): [Entry!]! }
  type Entry { sku: String! after: Int! }
  type Product { sku: String! }
  type Preview { quantity: Int! allocated: Int! }
  input TierInput { min: Int! shares: [Int!] }
`);

const LIMITS: Limits = { maxDepth: 12, maxCost: 20_000, maxAliases: 100, maxListLength: 1000, maxTokens: 2000 };

function measure(query: string, variables: Record<string, unknown> = {}, limits: Partial<Limits> = {}) {
  const document = parse(query);
  const operation = selectOperation(document, undefined, true);
  if (!('selectionSet' in operation)) throw operation;
  const { cost, errors } = checkLimits(schema, document, operation, variables, { ...LIMITS, ...limits });
  return { cost, errors: errors.map((e) => e.message) };
}

test('1 per field, children times the page size, the schema default when not given', () => {
  expect(measure('{ products { sku } }').cost).toBe(1 + 20 * 1);
  expect(measure('{ products(first: 3) { sku __typename } }').cost).toBe(1 + 3 * 2);
  // 1 + 20 × (1 id + 1 ledger + 100 × 2)
  expect(measure('{ runs { id ledger { sku after } } }').cost).toBe(1 + 20 * (1 + 1 + 100 * 2));
});

test('variables: their values, else their defaults, else the schema default', () => {
  const q = 'query($n: Int = 7) { products(first: $n) { sku } }';
  expect(measure(q).cost).toBe(1 + 7);
  expect(measure(q, { n: 50 }).cost).toBe(1 + 50);
  expect(measure('query($n: Int) { products(first: $n) { sku } }').cost).toBe(1 + 20);
});

test('a list argument: each item costs 1 and multiplies the selection under it', () => {
  expect(measure('{ simulate(quantities: [1, 2, 3]) { quantity allocated } }').cost).toBe(1 + 3 + 3 * 2);
  expect(measure('query($q: [Int!]!) { simulate(quantities: $q) { allocated } }', { q: [5, 6] }).cost).toBe(1 + 2 + 2 * 1);
  // Lists nested in input objects count too.
  expect(measure('{ tiers(input: [{ min: 1, shares: [1, 2] }, { min: 2 }]) }').cost).toBe(1 + 2 + 2);
  expect(measure('{ tier(input: { min: 1, shares: [1, 2, 3] }) }').cost).toBe(1 + 3);
  expect(measure('{ tier(input: { min: 1, shares: [1, 2, 3] }) }', {}, { maxListLength: 2 }).errors).toEqual(['a list of 3 items exceeds the limit of 2']);
});

test('aliases, list lengths and nesting in variables are capped', () => {
  expect(measure(`{ ${Array.from({ length: 3 }, (_, i) => `a${i}: __typename`).join(' ')} }`, {}, { maxAliases: 2 }).errors).toEqual(['the document has more than 2 aliases']);
  expect(measure('{ simulate(quantities: [1, 2, 3]) { allocated } }', {}, { maxListLength: 2 }).errors).toEqual(['a list of 3 items exceeds the limit of 2']);
  expect(measure('{ __typename }', { unused: [1, 2, 3] }, { maxListLength: 2 }).errors).toEqual(['a list of 3 items exceeds the limit of 2']);
  let deep: unknown = 1;
  for (let i = 0; i < 100_000; i++) deep = [deep];
  expect(measure('{ __typename }', { deep }).errors).toEqual(['a value nested 13 deep exceeds the depth limit of 12']);
});

test('depth counts fields, not introspection', () => {
  expect(measure('{ runs { ledger { sku } } }', {}, { maxDepth: 2 }).errors).toEqual(['query depth 3 exceeds the limit of 2']);
  const introspection = '{ __schema { types { fields { type { ofType { ofType { ofType { ofType { name } } } } } } } } }';
  expect(measure(introspection, {}, { maxDepth: 1 }).errors).toEqual([]);
});

test('fragments are measured once: 500 levels, each spreading the next twice, answer at once', () => {
  const levels = 500;
  const fragments = Array.from({ length: levels }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`);
  const query = `{ ...F0 } ${fragments.join(' ')} fragment F${levels} on Query { products(first: 1) { sku } }`;
  expect(measure(query)).toEqual({ cost: 20_001, errors: ['query cost exceeds the limit of 20000'] });
  // Within the limit the memoised cost is exact: 2^10 copies of a fragment costing 2.
  const ten = Array.from({ length: 10 }, (_, i) => `fragment G${i} on Query { ...G${i + 1} ...G${i + 1} }`);
  expect(measure(`{ ...G0 } ${ten.join(' ')} fragment G10 on Query { products(first: 1) { sku } }`).cost).toBe(2 ** 10 * 2);
});

test('fragment cycles and unknown fields do not break the analysis (validation refuses them)', () => {
  expect(measure('{ ...A } fragment A on Query { ...B } fragment B on Query { ...A products(first: 1) { sku } }').cost).toBe(2);
  expect(measure('{ nope { deeper } }').cost).toBe(2);
});

test('which operation: named, the only one, or a 400', () => {
  const document = parse('query A { __typename } query B { __typename } subscription S { __typename }');
  expect(selectOperation(document, 'B', false)).toMatchObject({ name: { value: 'B' } });
  expect((selectOperation(document, 'C', false) as Error).message).toBe('the document has no operation named "C"');
  expect((selectOperation(document, undefined, false) as Error).message).toBe('the document has 3 operations: give operationName');
  expect((selectOperation(document, 'S', false) as Error).message).toMatch(/subscriptions are served over WebSocket/);
  expect(selectOperation(document, 'S', true)).toMatchObject({ operation: 'subscription' });
});

test('remembered costs: per document and variables; refusals are measured again each time', () => {
  const check = rememberedLimits(schema, { ...LIMITS, maxListLength: 2 });
  const document = parse('query Q($n: Int, $q: [Int!]!) { products(first: $n) { sku } simulate(quantities: $q) { allocated } }');
  const operation = selectOperation(document, undefined, false) as OperationDefinitionNode;
  const ok = { n: 3, q: [1] };
  expect(check(document, operation, ok)).toEqual({ cost: 1 + 3 + 1 + 1 + 1, errors: [] });
  expect(check(document, operation, ok)).toEqual({ cost: 7, errors: [] });
  expect(check(document, operation, { n: 50, q: [1] }).cost).toBe(1 + 50 + 1 + 1 + 1);
  for (let i = 0; i < 2; i++) expect(check(document, operation, { n: 3, q: [1, 2, 3] }).errors.map((e) => e.message)).toEqual(['a list of 3 items exceeds the limit of 2']);
  // Too deep for JSON.stringify: measured (and refused) rather than thrown.
  let deep: unknown = 1;
  for (let i = 0; i < 100_000; i++) deep = [deep];
  expect(check(document, operation, { n: 3, q: [1], deep }).errors.map((e) => e.message)).toEqual(['a value nested 13 deep exceeds the depth limit of 12']);
});
