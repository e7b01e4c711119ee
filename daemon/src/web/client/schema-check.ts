/**
 * Checks the daemon's JSON answers against the daemon's own response schemas, so the page never draws a
 * shape it does not expect: the first mismatch is an error that names its path (`$.epochs[3].outcome`).
 *
 * The schemas are the routes' TypeBox schemas, served as JSON by the daemon (http/schemas/page.ts). TypeBox
 * writes plain JSON Schema; this checks the subset the response schemas use, and `unsupported` lists any
 * other keyword, so a schema this checker would misread is refused instead of half-checked.
 *
 * No DOM and no Node: unit-tested in node against the real schemas and real answers.
 */

export type JsonType = 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean' | 'null';

/** The JSON Schema keywords checked here. */
export interface JsonSchema {
  type?: JsonType;
  const?: unknown;
  enum?: readonly unknown[];
  anyOf?: readonly JsonSchema[];
  properties?: Readonly<Record<string, JsonSchema>>;
  required?: readonly string[];
  additionalProperties?: boolean | JsonSchema;
  patternProperties?: Readonly<Record<string, JsonSchema>>;
  items?: JsonSchema;
}

const CHECKED = new Set(['type', 'const', 'enum', 'anyOf', 'properties', 'required', 'additionalProperties', 'patternProperties', 'items']);
/** Keywords that say what a value means without constraining it. */
const ANNOTATIONS = new Set(['description', 'title', 'default', 'examples', '$comment']);
const TYPES = new Set<string>(['object', 'array', 'string', 'number', 'integer', 'boolean', 'null']);

/** A value that does not have the shape its schema describes. */
export class SchemaMismatch extends Error {
  constructor(
    /** Where, from the answer's root: `$`, `$.epochs[3].outcome`, `$.counters.delta["lean.x"]`. */
    readonly path: string,
    readonly expected: string,
    readonly got: string,
  ) {
    super(`${path}: expected ${expected}, got ${got}`);
    this.name = 'SchemaMismatch';
  }
}

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Every place in `schema` that uses something this checker does not understand (an unknown keyword, a
 * type it does not know, a malformed subschema), as `#/properties/x/minimum`-like paths; empty when the
 * whole schema is checkable.
 */
export function unsupported(schema: unknown, at = '#'): string[] {
  if (!isObject(schema)) return [`${at} (not a schema object)`];
  const out: string[] = [];
  for (const [key, value] of Object.entries(schema)) {
    const here = `${at}/${key}`;
    if (ANNOTATIONS.has(key)) continue;
    if (!CHECKED.has(key)) {
      out.push(here);
      continue;
    }
    switch (key) {
      case 'type':
        if (typeof value !== 'string' || !TYPES.has(value)) out.push(here);
        break;
      case 'enum':
      case 'required':
        if (!Array.isArray(value) || (key === 'required' && !value.every((k) => typeof k === 'string'))) out.push(here);
        break;
      case 'anyOf':
        if (!Array.isArray(value) || value.length === 0) out.push(here);
        else value.forEach((s, i) => out.push(...unsupported(s, `${here}/${i}`)));
        break;
      case 'properties':
      case 'patternProperties':
        if (!isObject(value)) out.push(here);
        else for (const [k, s] of Object.entries(value)) out.push(...unsupported(s, `${here}/${k}`));
        break;
      case 'additionalProperties':
        if (typeof value !== 'boolean') out.push(...unsupported(value, here));
        break;
      case 'items':
        out.push(...unsupported(value, here));
        break;
    }
  }
  return out;
}

/** `$.a.b`, `$.a[2]`, `$.a["odd key"]` */
function child(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/** What a schema accepts, in words, for an error message. */
export function describeSchema(s: JsonSchema): string {
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.enum !== undefined) return `one of ${s.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  if (s.anyOf !== undefined) return [...new Set(s.anyOf.map(describeSchema))].join(' or ');
  return s.type ?? 'anything';
}

/** What a value is, briefly, for an error message. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 39)}…` : v)}`;
  if (typeof v === 'number') return `${Number.isInteger(v) ? 'integer' : 'number'} ${v}`;
  if (typeof v === 'boolean') return `boolean ${v}`;
  return typeof v;
}

function hasType(type: JsonType, v: unknown): boolean {
  switch (type) {
    case 'null':
      return v === null;
    case 'boolean':
      return typeof v === 'boolean';
    case 'string':
      return typeof v === 'string';
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'array':
      return Array.isArray(v);
    case 'object':
      return isObject(v);
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  return typeof a === 'object' && typeof b === 'object' && a !== null && b !== null && JSON.stringify(a) === JSON.stringify(b);
}

/** Whether `v` passes the schema's own type and value keywords (not its union, not what is inside it). */
function matchesOwn(s: JsonSchema, v: unknown): boolean {
  if (s.type !== undefined && !hasType(s.type, v)) return false;
  if (s.const !== undefined && !sameValue(s.const, v)) return false;
  if (s.enum !== undefined && !s.enum.some((e) => sameValue(e, v))) return false;
  return true;
}

/** Whether `v` is, on the surface, of the kind the schema describes (a union: of one of its branches). */
function matchesTop(s: JsonSchema, v: unknown): boolean {
  return matchesOwn(s, v) && (s.anyOf === undefined || s.anyOf.some((b) => matchesTop(b, v)));
}

/** The first mismatch of `value` against `schema`, or null when it conforms. */
export function firstMismatch(schema: JsonSchema, value: unknown, path = '$'): SchemaMismatch | null {
  if (!matchesOwn(schema, value)) return new SchemaMismatch(path, describeSchema(schema), describeValue(value));
  const branches = schema.anyOf;
  if (branches !== undefined) {
    const problems = branches.map((b) => firstMismatch(b, value, path));
    if (problems.some((p) => p === null)) return null;
    // The one branch of the value's kind explains best what is wrong inside it; without one, the union.
    const near = branches.flatMap((b, i) => (matchesTop(b, value) ? [problems[i]] : []));
    if (near.length === 1 && near[0]) return near[0];
    return new SchemaMismatch(path, describeSchema(schema), describeValue(value));
  }
  if (schema.items !== undefined && Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = firstMismatch(schema.items, value[i], child(path, i));
      if (p) return p;
    }
  }
  return isObject(value) ? objectMismatch(schema, value, path) : null;
}

function objectMismatch(schema: JsonSchema, value: Obj, path: string): SchemaMismatch | null {
  for (const key of schema.required ?? []) {
    if (!Object.hasOwn(value, key)) return new SchemaMismatch(child(path, key), describeSchema(schema.properties?.[key] ?? {}), 'nothing');
  }
  const patterns = Object.entries(schema.patternProperties ?? {}).map(([p, s]) => [new RegExp(p, 'u'), s] as const);
  for (const [key, v] of Object.entries(value)) {
    const at = child(path, key);
    const declared = schema.properties !== undefined && Object.hasOwn(schema.properties, key) ? schema.properties[key] : undefined;
    const matching = patterns.filter(([re]) => re.test(key)).map(([, s]) => s);
    for (const s of declared ? [declared, ...matching] : matching) {
      const p = firstMismatch(s, v, at);
      if (p) return p;
    }
    if (declared === undefined && matching.length === 0) {
      const extra = schema.additionalProperties;
      if (extra === false) return new SchemaMismatch(at, 'no such field', describeValue(v));
      if (typeof extra === 'object') {
        const p = firstMismatch(extra, v, at);
        if (p) return p;
      }
    }
  }
  return null;
}
