/**
 * Obfuscation (seed §4.3.2): per channel and recipient role, configured fields are replaced in the copy that
 * recipient receives, so one message can go to recipients entitled to different subsets of it. The seed's
 * replacements are strings → `x` to the field's maximum length, dates → 1900-01-01, booleans → true, DIP ids →
 * nines, numbers unchanged. The copy must stay valid against its schema, since recipients validate what they get:
 * where `x…` would not be (an enum, a pattern, a format), a fixed value the schema accepts is used instead.
 */
import { parsePattern, type PatternTerm } from './pattern.js';

export type Schemas = { components: { schemas: Record<string, unknown> } };
export type Obfuscator = (payload: Record<string, unknown>) => Record<string, unknown>;

type Node = Record<string, unknown>;
type Op = (value: unknown) => unknown;
interface Mask {
  all: boolean;
  children: Map<string, Mask>;
}

const DATE = '1900-01-01';
const DATE_TIME = '1900-01-01T00:00:00+00:00';
// The seed writes '999999999', but DT-006 is exactly ten characters, and nines keep it a numeric string.
const PARTICIPANT_ID = '9999999999';
// Reserved names (RFC 2606) so a placeholder address can never reach anyone.
const FORMAT_VALUES: Record<string, (max: number | undefined) => string> = {
  email: () => 'xxxxxxxx@example.invalid',
  uri: () => 'https://example.invalid/xxxxxxxx',
  'uri-reference': () => 'https://example.invalid/xxxxxxxx',
  hostname: () => 'example.invalid',
  date: () => DATE,
  'date-time': () => DATE_TIME,
  time: () => '00:00:00+00:00',
  uuid: () => '00000000-0000-0000-0000-000000000000',
  // Base64 is read in groups of four characters, and `xxxx` is one.
  byte: (max) => 'x'.repeat(max === undefined ? 4 : 4 * Math.floor(max / 4)),
};
// The catalogue has no recursive $ref; this depth means the document was misread, not that the data is deep.
const MAX_DEPTH = 64;

/**
 * A deep copy of `payload` with the fields at `pointers` (JSON pointers from the payload root, e.g.
 * "/CustomBlock/B022") obfuscated per the schema `leafSchemaName` (a key of components.schemas). Pointers that are
 * absent from this payload are ignored. Compiles on every call: a hot path should hold a `compileObfuscator`.
 */
export function obfuscate(
  doc: Schemas,
  leafSchemaName: string,
  payload: Record<string, unknown>,
  pointers: readonly string[],
): Record<string, unknown> {
  return compileObfuscator(doc, leafSchemaName, pointers)(payload);
}

/**
 * The obfuscation of one (leaf schema, pointer set), worked out once: which fields to replace and with what.
 * Pointers address fields, not array positions: an array on the way is followed element by element. A pointer
 * naming no field of this schema is ignored, because one channel's rule covers event codes whose schemas differ
 * (see `missingPointers` to check a rule against a channel). The payload must use the canonical field names.
 * Throws when a covered field has no placeholder that its schema accepts, so that shows at configuration time.
 */
export function compileObfuscator(doc: Schemas, leafSchemaName: string, pointers: readonly string[]): Obfuscator {
  const root = leafSchema(doc, leafSchemaName);
  const mask = maskOf(pointers);
  if (!mask.all && mask.children.size === 0) return (payload) => clone(payload) as Record<string, unknown>;
  const op = new Compiler(doc).masked(mask, root, 0);
  return (payload) => op(payload) as Record<string, unknown>;
}

/** The pointers that name no field of the schema (typos in a rule, or a rule meant for another event code). */
export function missingPointers(doc: Schemas, leafSchemaName: string, pointers: readonly string[]): string[] {
  const root = leafSchema(doc, leafSchemaName);
  return pointers.filter((pointer) => {
    let node: unknown = root;
    for (const key of segments(pointer)) {
      node = property(doc, node, key);
      if (node === undefined) return true;
    }
    return false;
  });
}

// ---- compilation --------------------------------------------------------------------------------------------

class Compiler {
  private readonly whole = new Map<unknown, Op>();
  constructor(private readonly doc: Schemas) {}

  /** Copies the value, obfuscating only what the mask covers. */
  masked(mask: Mask, schema: unknown, depth: number): Op {
    if (mask.all) return this.all(schema, depth);
    const node = this.resolve(schema, [], depth);
    if (isArraySchema(node)) {
      const item = this.masked(mask, node.items, depth + 1);
      return (v) => (Array.isArray(v) ? v.map(item) : fallback(v));
    }
    const children = new Map<string, Op>();
    for (const [key, sub] of mask.children) {
      const child = property(this.doc, node, key);
      if (child !== undefined) children.set(key, this.masked(sub, child, depth + 1));
    }
    if (children.size === 0) return clone;
    return (v) => {
      if (!isObject(v)) return fallback(v);
      const out: Node = {};
      for (const key of Object.keys(v)) put(out, key, (children.get(key) ?? clone)(v[key]));
      return out;
    };
  }

  /** Obfuscates every field of the value. Shared definitions ($refs) are compiled once. */
  all(schema: unknown, depth: number): Op {
    const known = this.whole.get(schema);
    if (known !== undefined) return known;
    const chain: string[] = [];
    const node = this.resolve(schema, chain, depth);
    const op = isArraySchema(node)
      ? this.allArray(node, depth)
      : isObjectSchema(node)
        ? this.allObject(node, depth)
        : this.scalar(node, chain);
    this.whole.set(schema, op);
    return op;
  }

  private allArray(node: Node, depth: number): Op {
    const item = this.all(node.items ?? true, depth + 1);
    return (v) => (Array.isArray(v) ? v.map(item) : fallback(v));
  }

  private allObject(node: Node, depth: number): Op {
    const props = isObject(node.properties) ? node.properties : {};
    const ops = new Map(Object.entries(props).map(([key, sub]) => [key, this.all(sub, depth + 1)] as const));
    const extra = isObject(node.additionalProperties) ? this.all(node.additionalProperties, depth + 1) : generic;
    return (v) => {
      if (!isObject(v)) return fallback(v);
      const out: Node = {};
      for (const key of Object.keys(v)) put(out, key, (ops.get(key) ?? extra)(v[key]));
      return out;
    };
  }

  private scalar(node: Node, chain: string[]): Op {
    const where = chain.length > 0 ? chain.join(' → ') : JSON.stringify(node).slice(0, 120);
    const enumValues = Array.isArray(node.enum) ? node.enum : undefined;
    // A string where the schema admits none is invalid already; it gets the generic rule rather than a failure here.
    const stringsAllowed =
      admits(node, 'string') && (enumValues === undefined || enumValues.some((e) => typeof e === 'string'));
    const string = stringsAllowed ? stringPlaceholder(node, chain, where) : undefined;
    const boolean =
      enumValues === undefined || enumValues.includes(true) ? true : enumValues.find((e) => typeof e === 'boolean');
    return (v) => {
      if (v === null || typeof v === 'number') return v;
      if (typeof v === 'string') return string ?? generic(v);
      if (typeof v === 'boolean') return boolean ?? true;
      return fallback(v);
    };
  }

  private resolve(schema: unknown, chain: string[], depth: number): Node {
    if (depth > MAX_DEPTH) throw new Error(`schema nesting deeper than ${MAX_DEPTH} (recursive $ref?)`);
    const node = deref(this.doc, schema, chain);
    for (const keyword of ['oneOf', 'anyOf', 'allOf', 'not']) {
      // Which alternative a value matches would decide its placeholder; the catalogue has none inside messages.
      if (keyword in node)
        throw new Error(`obfuscation does not support '${keyword}' (${chain.join(' → ') || 'inline schema'})`);
    }
    return node;
  }
}

// ---- placeholders --------------------------------------------------------------------------------------------

/** The value every string of this schema becomes: the seed's rule where the schema accepts it, else the nearest. */
function stringPlaceholder(node: Node, chain: string[], where: string): string {
  const min = num(node.minLength) ?? 0;
  const max = num(node.maxLength);
  if (Array.isArray(node.enum)) {
    const first = node.enum.find((e): e is string => typeof e === 'string' && stringOk(node, e));
    if (first === undefined) throw new Error(`no enum value of ${where} meets its other constraints`);
    return first;
  }
  const described = typeof node.description === 'string' ? node.description : '';
  const candidates: string[] = [];
  if (chain.some((n) => /^DT-\d+N?-Date(Time)?$/i.test(n)) || /^ISO 8601 Date/i.test(described))
    candidates.push(DATE_TIME, DATE);
  if (chain.some((n) => /^DT-006N?-/.test(n)) || /DIP Participant Id/i.test(described)) candidates.push(PARTICIPANT_ID);
  if (typeof node.format === 'string') {
    const make = FORMAT_VALUES[node.format];
    if (make === undefined) throw new Error(`obfuscation has no placeholder for format '${node.format}' (${where})`);
    candidates.push(make(max));
  } else if (typeof node.pattern === 'string') {
    candidates.push(fromPattern(node.pattern, min, max));
  } else {
    // With no maximum there is no length to fill; one x still shows the field was withheld.
    candidates.push('x'.repeat(max ?? Math.max(min, 1)));
  }
  const value = candidates.find((c) => stringOk(node, c));
  if (value === undefined) throw new Error(`no obfuscation placeholder satisfies ${where}`);
  return value;
}

function stringOk(node: Node, value: string): boolean {
  const length = [...value].length; // Ajv counts code points
  if (length < (num(node.minLength) ?? 0) || length > (num(node.maxLength) ?? Infinity)) return false;
  return typeof node.pattern !== 'string' || new RegExp(node.pattern, 'u').test(value);
}

// ---- strings from the catalogue's regular expressions --------------------------------------------------------
// One deterministic value, shaped like the seed's placeholders: x, X or 9 for each character, every bounded
// repetition at its maximum, optional parts (`?`) left out (an optional sign would make a quantity negative),
// unbounded ones stretched to the field's maximum length. Constructs outside this subset throw.

interface Term {
  min: number;
  max: number;
  count: number;
  unit: string;
}

/** The placeholder for a choice of characters: x, X or 9 where the choice allows. */
const placeholder = (chars: string): string => ['x', 'X', '9', '0'].find((p) => chars.includes(p)) ?? chars.charAt(0);

function fromPattern(pattern: string, minLength: number, maxLength: number | undefined): string {
  const alts = parsePattern(pattern);
  const terms = render(alts.length === 1 ? alts[0]! : [{ atom: { kind: 'group', alts }, min: 1, max: 1 }]);
  const length = (): number => terms.reduce((n, t) => n + t.count * t.unit.length, 0);
  const grow = (eligible: (t: Term) => boolean, target: number): void => {
    for (const t of [...terms].reverse()) {
      if (!eligible(t) || t.unit.length === 0 || length() >= target) continue;
      t.count = Math.min(t.max, t.count + Math.ceil((target - length()) / t.unit.length));
    }
  };
  grow((t) => t.max === Infinity, maxLength ?? minLength);
  grow(() => true, minLength);
  for (const t of [...terms].reverse()) {
    const excess = maxLength === undefined ? 0 : length() - maxLength;
    if (excess > 0 && t.unit.length > 0) t.count = Math.max(t.min, t.count - Math.ceil(excess / t.unit.length));
  }
  return terms.map((t) => t.unit.repeat(t.count)).join('');
}

/** Fixes each term's unit string and starting count; a group takes its first alternative. */
function render(terms: PatternTerm[]): Term[] {
  return terms.map(({ atom, min, max }) => {
    const unit =
      atom.kind === 'set'
        ? placeholder(atom.chars)
        : render(atom.alts[0]!)
            .map((inner) => inner.unit.repeat(inner.count))
            .join('');
    return { min, max, unit, count: max === 1 && min === 0 ? 0 : max === Infinity ? min : max };
  });
}

// ---- values and schemas --------------------------------------------------------------------------------------

/** A value of a shape its schema does not describe gets the seed's rules by JSON type, so nothing leaks. */
function generic(v: unknown): unknown {
  if (typeof v === 'string') return 'x';
  if (typeof v === 'boolean') return true;
  if (Array.isArray(v)) return v.map(generic);
  if (isObject(v)) {
    const out: Node = {};
    for (const key of Object.keys(v)) put(out, key, generic(v[key]));
    return out;
  }
  return v;
}

function fallback(v: unknown): unknown {
  return v === null ? null : generic(v);
}

function clone(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) return v.map(clone);
  const out: Node = {};
  for (const key of Object.keys(v)) put(out, key, clone((v as Node)[key]));
  return out;
}

// JSON.parse makes "__proto__" an own key; plain assignment would set the prototype instead and lose the field.
function put(out: Node, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

function maskOf(pointers: readonly string[]): Mask {
  const root: Mask = { all: false, children: new Map() };
  for (const pointer of pointers) {
    let mask = root;
    for (const key of segments(pointer)) {
      if (mask.all) break;
      let next = mask.children.get(key);
      if (next === undefined) mask.children.set(key, (next = { all: false, children: new Map() }));
      mask = next;
    }
    mask.all = true;
  }
  return root;
}

function segments(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new Error(`not a JSON pointer: '${pointer}'`);
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function leafSchema(doc: Schemas, name: string): unknown {
  if (!Object.hasOwn(doc.components.schemas, name)) throw new Error(`unknown schema '${name}'`);
  return doc.components.schemas[name];
}

/** The schema of field `key` of an object schema, looking through arrays on the way; undefined if none. */
function property(doc: Schemas, schema: unknown, key: string): unknown {
  let node = deref(doc, schema, []);
  for (let hops = 0; isArraySchema(node) && hops < MAX_DEPTH; hops++) node = deref(doc, node.items, []);
  const props = isObject(node.properties) ? node.properties : {};
  if (Object.hasOwn(props, key)) return props[key];
  return isObject(node.additionalProperties) ? node.additionalProperties : undefined;
}

function deref(doc: Schemas, schema: unknown, chain: string[]): Node {
  let node: unknown = schema === true || schema === undefined ? {} : schema;
  for (let hops = 0; isObject(node) && typeof node.$ref === 'string'; hops++) {
    const ref = node.$ref;
    const prefix = '#/components/schemas/';
    if (!ref.startsWith(prefix) || hops > MAX_DEPTH) throw new Error(`unsupported or cyclic $ref '${ref}'`);
    const name = ref.slice(prefix.length).replace(/~1/g, '/').replace(/~0/g, '~');
    if (!Object.hasOwn(doc.components.schemas, name)) throw new Error(`unresolvable $ref '${ref}'`);
    chain.push(name);
    node = doc.components.schemas[name];
  }
  if (!isObject(node)) throw new Error(`not a schema object: ${JSON.stringify(node)}`);
  return node;
}

function admits(node: Node, type: string): boolean {
  return node.type === undefined || node.type === type || (Array.isArray(node.type) && node.type.includes(type));
}

function isArraySchema(node: Node): boolean {
  return node.type === 'array' || (node.type === undefined && node.items !== undefined);
}

function isObjectSchema(node: Node): boolean {
  return (
    node.type === 'object' ||
    (node.type === undefined && (node.properties !== undefined || node.additionalProperties !== undefined))
  );
}

function isObject(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
