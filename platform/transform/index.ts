// The data transformation engine: the specification's mapping file (`config/data-mappings.json`), source field →
// target field, dotted paths on both sides, and a small closed set of named transforms. Every connector that maps
// data uses one named mapping from here; nothing else runs (no expressions, no code in config).
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { TRANSFORMS, type CompiledStep, type TransformName } from './transforms.js';
import { AppError } from '../errors.js';

export class MappingError extends AppError {
  readonly code = 'USER_INPUT';
  constructor(message: string) {
    super(message);
    this.name = 'MappingError';
  }
}

export interface FieldRule {
  from: string;
  to: string;
  transforms: { name: TransformName; args?: unknown }[];
}

interface CompiledRule extends FieldRule {
  source: string[];
  target: string[];
  steps: CompiledStep[];
}

export interface Mapping {
  name: string;
  rules: FieldRule[];
  /** Maps one record; throws MappingError naming every field that could not be mapped. */
  apply(record: unknown): Record<string, unknown>;
}

/** Largest mapping file or input document the engine reads (both are hand-written config or samples). */
export const MAX_MAPPING_FILE_BYTES = 4 * 1024 * 1024;
const MAX_ERRORS = 100;

const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_-]*$/;
// Keys that would reach Object.prototype when the engine builds nested targets.
const FORBIDDEN = new Set(['__proto__', 'prototype', 'constructor']);

const stepSchema = z.object({ name: z.string(), args: z.unknown().optional() }).strict();
const targetObject = z
  .object({
    to: z.string(),
    transform: z.union([z.string(), z.array(stepSchema).min(1)]).optional(),
    args: z.unknown().optional(),
  })
  .strict()
  .refine((t) => t.args === undefined || typeof t.transform === 'string', 'args go with a single named transform');
const targetSpec = z.union([z.string(), targetObject]);
const fileSchema = z
  .object({
    data_mappings: z.record(z.string(), z.record(z.string(), z.union([targetSpec, z.array(targetSpec).min(1)]))),
  })
  .strict();

function parsePath(path: string, where: string): string[] {
  const segments = path.split('.');
  for (const s of segments) {
    if (!SEGMENT.test(s)) throw new MappingError(`${where}: malformed path "${path}" (segments are letters, digits, _ and -, joined by single dots)`);
    if (FORBIDDEN.has(s)) throw new MappingError(`${where}: path "${path}" uses the reserved name "${s}"`);
  }
  return segments;
}

function compileStep(name: string, args: unknown, where: string): CompiledStep {
  const transform = TRANSFORMS[name as TransformName];
  if (!Object.hasOwn(TRANSFORMS, name)) {
    throw new MappingError(`${where}: unknown transform "${name}" (known: ${Object.keys(TRANSFORMS).join(', ')})`);
  }
  const parsed = transform.args.safeParse(args ?? {});
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${['args', ...i.path].join('.')}: ${i.message}`).join('; ');
    throw new MappingError(`${where}: transform "${name}": ${detail}`);
  }
  return { name: name as TransformName, run: transform.compile(parsed.data as never) };
}

function compileMapping(name: string, fields: z.infer<typeof fileSchema>['data_mappings'][string]): Mapping {
  if (Object.keys(fields).length === 0) throw new MappingError(`mapping ${name}: maps no fields`);
  const rules: CompiledRule[] = [];
  const targets = new Map<string, string>();
  for (const [from, spec] of Object.entries(fields)) {
    const where = `mapping ${name}, key "${from}"`;
    const source = parsePath(from, where);
    for (const one of Array.isArray(spec) ? spec : [spec]) {
      const t = typeof one === 'string' ? { to: one } : one;
      const target = parsePath(t.to, where);
      const steps =
        t.transform === undefined ? [] : typeof t.transform === 'string' ? [{ name: t.transform, args: t.args }] : t.transform;
      // A target written twice, or one target nested inside another, would silently lose a value.
      for (const [other, otherFrom] of targets) {
        const clash = other === t.to || other.startsWith(`${t.to}.`) || t.to.startsWith(`${other}.`);
        if (clash) throw new MappingError(`${where}: duplicate target "${t.to}" (also written by key "${otherFrom}" as "${other}")`);
      }
      targets.set(t.to, from);
      rules.push({
        from,
        to: t.to,
        source,
        target,
        transforms: steps.map((s) => ({ name: s.name as TransformName, ...(s.args === undefined ? {} : { args: s.args }) })),
        steps: steps.map((s) => compileStep(s.name, s.args, where)),
      });
    }
  }
  return {
    name,
    rules: rules.map(({ from, to, transforms }) => ({ from, to, transforms })),
    apply: (record) => applyRules(name, rules, record),
  };
}

function read(record: unknown, path: string[]): unknown {
  let value = record;
  for (const segment of path) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, segment)) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

function write(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const segment of path.slice(0, -1)) {
    node[segment] ??= {};
    node = node[segment] as Record<string, unknown>;
  }
  node[path[path.length - 1]] = value;
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function applyRules(name: string, rules: CompiledRule[], record: unknown): Record<string, unknown> {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) {
    throw new MappingError(`mapping ${name}: a record must be a JSON object, got ${describe(record)}`);
  }
  const out: Record<string, unknown> = {};
  const errors: string[] = [];
  for (const rule of rules) {
    let value = read(record, rule.source);
    try {
      for (const step of rule.steps) value = step.run(value, record);
    } catch (err) {
      if (errors.length < MAX_ERRORS) errors.push(`${rule.from} → ${rule.to}: ${(err as Error).message} (value ${describe(value)})`);
      continue;
    }
    // An absent source leaves the target out; a `default` step is how a mapping fills it.
    if (value !== undefined) write(out, rule.target, value);
  }
  if (errors.length > 0) throw new MappingError(`mapping ${name}: ${errors.join('; ')}`);
  return out;
}

export class MappingSet {
  private constructor(
    private readonly mappings: Map<string, Mapping>,
    /** Where the mappings came from, for messages. */
    readonly source: string,
  ) {}

  /** Validates a parsed mapping document; every refusal names the mapping and key. */
  static parse(document: unknown, source: string): MappingSet {
    const result = fileSchema.safeParse(document);
    if (!result.success) {
      const i = result.error.issues[0];
      const where = i.path.length > 1 ? `mapping ${String(i.path[1])}${i.path.length > 2 ? `, key "${String(i.path[2])}"` : ''}` : '(root)';
      throw new MappingError(`${source}: ${where}: ${i.message}${i.path.length > 3 ? ` at ${i.path.slice(3).join('.')}` : ''}`);
    }
    const mappings = new Map<string, Mapping>();
    for (const [name, fields] of Object.entries(result.data.data_mappings)) {
      try {
        mappings.set(name, compileMapping(name, fields));
      } catch (err) {
        throw new MappingError(`${source}: ${(err as Error).message}`);
      }
    }
    return new MappingSet(mappings, source);
  }

  static load(path: string): MappingSet {
    return MappingSet.parse(readJsonFile(path, 'mappings file'), path);
  }

  names(): string[] {
    return [...this.mappings.keys()];
  }

  get(name: string): Mapping {
    const mapping = this.mappings.get(name);
    if (!mapping) throw new MappingError(`no mapping named "${name}" in ${this.source} (have: ${this.names().join(', ') || 'none'})`);
    return mapping;
  }

  /** Maps one record or an array of records; errors in an array name the record's index. */
  apply(name: string, input: unknown): unknown {
    const mapping = this.get(name);
    if (!Array.isArray(input)) return mapping.apply(input);
    const errors: string[] = [];
    const out = input.map((record, index) => {
      try {
        return mapping.apply(record);
      } catch (err) {
        if (errors.length < MAX_ERRORS) errors.push(`[${index}] ${(err as Error).message}`);
        return undefined;
      }
    });
    if (errors.length > 0) throw new MappingError(errors.join('\n'));
    return out;
  }
}

/** Reads a JSON file within MAX_MAPPING_FILE_BYTES; the error names the file and what is wrong. */
export function readJsonFile(path: string, what: string): unknown {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw new MappingError(`${what} not found: ${path}`);
  }
  if (size > MAX_MAPPING_FILE_BYTES) throw new MappingError(`${what} ${path} is ${size} bytes; the limit is ${MAX_MAPPING_FILE_BYTES}`);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new MappingError(`${what} ${path}: invalid JSON: ${(err as Error).message}`);
  }
}

/** The configured mapping file sits beside the main config file. */
export function mappingsPathFor(configPath: string): string {
  return resolve(dirname(resolve(configPath)), 'data-mappings.json');
}

export type { TransformName } from './transforms.js';
