// schema/ holds the printed SDL of every subgraph, the composed supergraph and the client-facing API schema
// (api.graphql: the supergraph without federation directives). This test fails when the code's
// schema drifts from those files or when composition fails, and names any breaking change (by
// @graphql-inspector) so that a reviewer sees it in the same change that updates the files.
// Regenerate the files: TSUNAGI_WRITE_SCHEMA=1 node --experimental-vm-modules node_modules/jest/bin/jest.js test/graphql/schema
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CriticalityLevel, diff } from '@graphql-inspector/core';
import { buildSchema } from 'graphql';
import { buildSubgraphs, composeSupergraph, printApiSchema, SUBGRAPH_NAMES } from '../../gateway/supergraph.js';

const DIR = 'schema';
const write = process.env.TSUNAGI_WRITE_SCHEMA === '1';

async function printed(): Promise<Map<string, string>> {
  const subgraphs = await buildSubgraphs();
  const files = new Map(subgraphs.map((s) => [`${s.name}.graphql`, `${s.sdl.trim()}\n`]));
  files.set('supergraph.graphql', `${composeSupergraph(subgraphs).trim()}\n`);
  files.set('api.graphql', `${printApiSchema(subgraphs).trim()}\n`);
  return files;
}

/** Breaking changes from the checked-in supergraph to the code's. */
async function breakingChanges(before: string, after: string): Promise<string[]> {
  const changes = await diff(buildSchema(before, { assumeValidSDL: true }), buildSchema(after, { assumeValidSDL: true }));
  return changes.filter((c) => c.criticality.level === CriticalityLevel.Breaking).map((c) => `  BREAKING ${c.message}`);
}

test('the six subgraphs compose into the supergraph', async () => {
  const files = await printed();
  expect([...files.keys()].sort()).toEqual([...SUBGRAPH_NAMES.map((n) => `${n}.graphql`), 'supergraph.graphql', 'api.graphql'].sort());
});

test('api.graphql carries no federation directives or join types', async () => {
  const api = (await printed()).get('api.graphql')!;
  expect(api).not.toMatch(/@join__|@link|@key|@shareable|join__Graph|link__Purpose/);
  expect(buildSchema(api).getQueryType()?.getFields().syncRuns).toBeDefined();
});

test('schema/ matches the code', async () => {
  const files = await printed();
  const drift: string[] = [];
  for (const [name, sdl] of files) {
    const path = join(DIR, name);
    const committed = existsSync(path) ? readFileSync(path, 'utf8') : null;
    if (committed === sdl) continue;
    if (write) {
      writeFileSync(path, sdl);
      continue;
    }
    drift.push(committed === null ? `${path} is missing` : `${path} differs from the code`);
    if (committed !== null && name === 'supergraph.graphql') drift.push(...(await breakingChanges(committed, sdl)));
  }
  if (drift.length) {
    throw new Error(
      `the schema changed:\n${drift.join('\n')}\n` +
        'Review the change, then regenerate schema/ with: TSUNAGI_WRITE_SCHEMA=1 node --experimental-vm-modules node_modules/jest/bin/jest.js test/graphql/schema',
    );
  }
});
