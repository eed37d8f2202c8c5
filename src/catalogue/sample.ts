// Deterministic example payloads for the message schemas of Elexon's DIP OpenAPI document. Values meet every
// constraint of the JSON Schema / OpenAPI 3.0 subset the catalogue uses; anything outside it (keyword, format,
// regex construct) throws rather than yield data a validator rejects, and each result is re-checked before return.
import { deflateSync } from 'node:zlib';
import { withCheckDigit } from '../domain/mpan.js';
import { DIGITS, parsePattern, type PatternTerm } from '../domain/pattern.js';

export type OpenApiDoc = { components: { schemas: Record<string, unknown> } };

export interface SampleOptions {
  /** Default 1, read as an unsigned 32-bit integer. The same seed always gives the same output. */
  seed?: number;
  /** Default 'minimal': only required properties, nullable ones null where the schema allows it.
   *  'full': every declared property present and non-null, lists with 2 items where allowed. */
  fill?: 'minimal' | 'full';
}

type Node = Record<string, unknown>;
interface Ctx { readonly doc: OpenApiDoc; readonly full: boolean; readonly next: () => number; readonly depth: number }

const ANNOTATIONS = new Set(['description', 'example', 'title', 'default', 'deprecated', 'readOnly', 'writeOnly']);
const CONSTRAINTS = new Set(['$ref', 'type', 'properties', 'additionalProperties', 'required', 'enum', 'items', 'minLength',
  'maxLength', 'minItems', 'maxItems', 'pattern', 'minimum', 'maximum', 'multipleOf', 'oneOf', 'format', 'nullable']);
// The catalogue has no recursive $ref, so reaching this depth means the document was misread, not that data is deep.
const MAX_DEPTH = 64;
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const ALNUM = UPPER + DIGITS;
const HEX = DIGITS + 'ABCDEF';
const ROLES = ['SUP', 'SDS', 'MSS', 'ADS', 'ECS', 'REGS'];
const STREETS = ['High Street', 'Station Road', 'Church Lane', 'Mill Road', 'Park Avenue', 'Victoria Street'];
// Close enough to ajv-formats to choose between oneOf alternatives; Ajv itself remains the authority.
const FORMATS: Record<string, RegExp> = {
  byte: /^(?:[a-z0-9+/]{4})*(?:[a-z0-9+/]{2}==|[a-z0-9+/]{3}=)?$/i,
  email: /^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i,
  uri: /^[a-z][a-z0-9+.-]*:[^\s]*$/i,
};
const TYPES: Record<string, (value: unknown) => boolean> = {
  string: (v) => typeof v === 'string', number: (v) => typeof v === 'number' && Number.isFinite(v),
  integer: (v) => Number.isInteger(v), boolean: (v) => typeof v === 'boolean',
  array: (v) => Array.isArray(v), object: (v) => isObject(v), null: (v) => v === null,
};

export function samplePayload(doc: OpenApiDoc, schemaName: string, options: SampleOptions = {}): Record<string, unknown> {
  if (!Object.hasOwn(doc.components.schemas, schemaName)) throw new Error(`unknown schema '${schemaName}'`);
  const ref = '#/components/schemas/' + schemaName.replace(/~/g, '~0').replace(/\//g, '~1');
  const value = sampleValue(doc, { $ref: ref }, options);
  if (!isObject(value)) throw new Error(`schema '${schemaName}' does not describe an object payload`);
  return value;
}

export function sampleValue(doc: OpenApiDoc, schema: unknown, options: SampleOptions = {}): unknown {
  const ctx: Ctx = { doc, full: options.fill === 'full', next: mulberry32(options.seed ?? 1), depth: 0 };
  const value = generate(ctx, schema, '');
  if (!conforms(doc, schema, value)) throw new Error('generated value does not conform to its schema (generator defect)');
  return value;
}

// ---- generation -------------------------------------------------------------------------------

/** `hint` gathers property names, $ref names and descriptions on the way down, to pick domain-shaped strings. */
function generate(outer: Ctx, schema: unknown, hint: string): unknown {
  if (!isObject(schema)) throw new Error(`not a schema object: ${JSON.stringify(schema)}`);
  const ctx: Ctx = { ...outer, depth: outer.depth + 1 };
  if (ctx.depth > MAX_DEPTH) throw new Error(`schema nesting deeper than ${MAX_DEPTH} (recursive $ref?)`);
  const unsupported = Object.keys(schema).find((k) => !CONSTRAINTS.has(k) && !ANNOTATIONS.has(k));
  if (unsupported !== undefined) throw new Error(`unsupported schema keyword '${unsupported}'`);
  if (typeof schema.$ref === 'string') {
    // Ajv 8 applies keywords beside $ref, so ignoring them could produce invalid data.
    const extra = Object.keys(schema).filter((k) => k !== '$ref' && !ANNOTATIONS.has(k));
    if (extra.length > 0) throw new Error(`keywords beside $ref are not supported: ${extra.join(', ')}`);
    const name = schema.$ref.slice(schema.$ref.lastIndexOf('/') + 1);
    return generate(ctx, resolveRef(ctx.doc, schema.$ref), `${hint} ${name}`);
  }
  if (Array.isArray(schema.oneOf)) return generateOneOf(ctx, schema, schema.oneOf, hint);
  const here = typeof schema.description === 'string' ? `${hint} ${schema.description}` : hint;
  // Ajv rejects null for a nullable enum that does not list null, so null is only emitted where the enum allows it.
  const nullOk = schema.nullable === true && (!Array.isArray(schema.enum) || schema.enum.includes(null));
  if (nullOk && !ctx.full) return null;
  if (Array.isArray(schema.enum)) {
    const values = schema.enum.filter((v) => v !== null && conforms(ctx.doc, schema, v));
    if (values.length === 0) throw new Error(`no enum value meets the other constraints: ${JSON.stringify(schema.enum)}`);
    return pick(ctx, values);
  }
  switch (typeOf(schema)) {
    case 'object': return generateObject(ctx, schema);
    case 'array': return generateArray(ctx, schema, here);
    case 'string': return generateString(ctx, schema, here);
    case 'integer': return generateNumber(ctx, schema, true);
    case 'number': return generateNumber(ctx, schema, false);
    case 'boolean': return ctx.next() < 0.5;
    default: throw new Error(`unsupported type ${JSON.stringify(schema.type)}`);
  }
}

function generateOneOf(ctx: Ctx, schema: Node, alternatives: unknown[], hint: string): unknown {
  const siblings: Node = { ...schema };
  delete siblings.oneOf;
  const problems: string[] = [];
  for (const [index, alternative] of alternatives.entries()) {
    // A minimal sample (say `{}` for a report block whose fields are all optional) can fit several
    // alternatives; a full sample of the same alternative usually tells them apart.
    for (const full of ctx.full ? [true] : [false, true]) {
      let value: unknown;
      try {
        value = generate({ ...ctx, full }, alternative, hint);
      } catch (error) {
        problems.push(`#${index}: ${error instanceof Error ? error.message : String(error)}`);
        break;
      }
      const matching = alternatives.filter((a) => conforms(ctx.doc, a, value)).length;
      if (matching === 1 && conforms(ctx.doc, siblings, value)) return value;
      problems.push(`#${index}: sample matches ${matching} alternatives`);
    }
  }
  throw new Error(`no oneOf alternative gives a value matching exactly one of them: ${problems.join('; ')}`);
}

function generateObject(ctx: Ctx, schema: Node): Record<string, unknown> {
  const props = isObject(schema.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema.required) ? schema.required.filter((r) => typeof r === 'string') : []);
  const undeclared = [...required].find((name) => !Object.hasOwn(props, name));
  if (undeclared !== undefined) throw new Error(`required property '${undeclared}' is not declared`);
  // REP payloads declare an optional `schema` beside P03. It documents the decoded shape of P03.compressedReport
  // and is not part of the wire format, so rather than being emitted it supplies the report's content.
  const reportShape = Object.hasOwn(props, 'P03') && !required.has('schema') ? props.schema : undefined;
  const out: Record<string, unknown> = {};
  for (const [key, sub] of Object.entries(props)) {
    if (reportShape !== undefined && key === 'schema') continue;
    if (ctx.full || required.has(key)) out[key] = generate(ctx, sub, key);
  }
  if (reportShape !== undefined && isObject(out.P03)) {
    const report = JSON.stringify(generate(ctx, reportShape, 'schema'));
    out.P03 = { ...out.P03, compressedReport: deflateSync(Buffer.from(report, 'utf8')).toString('base64') };
  }
  return out;
}

function generateArray(ctx: Ctx, schema: Node, hint: string): unknown[] {
  const min = num(schema.minItems) ?? 0;
  const max = num(schema.maxItems) ?? Infinity;
  const count = ctx.full ? Math.min(Math.max(min, 2), max) : min;
  if (count < min) throw new Error(`minItems ${min} exceeds maxItems ${max}`);
  return Array.from({ length: count }, () => generate(ctx, schema.items, hint));
}

function generateNumber(ctx: Ctx, schema: Node, integer: boolean): number {
  const maximum = num(schema.maximum);
  const lo = num(schema.minimum) ?? (maximum !== undefined && maximum < 0 ? maximum - 1000 : 0);
  const hi = maximum ?? lo + 1000;
  // Plausible magnitudes: a count capped at 9999999999 reads better as 4711 than as 8 billion.
  const top = Math.min(hi, lo + 10000);
  // Whole numbers suit type number too: the catalogue's numbers are counts, days and capacities.
  const step = num(schema.multipleOf) ?? (integer || Math.ceil(lo) <= Math.floor(hi) ? 1 : undefined);
  if (step === undefined) return Math.min(Math.max(Math.round((lo + ctx.next() * (top - lo)) * 100) / 100, lo), hi);
  if (step <= 0 || (integer && !Number.isInteger(step))) throw new Error(`unsupported multipleOf ${step}`);
  const first = Math.ceil(lo / step);
  const last = Math.floor(top / step) >= first ? Math.floor(top / step) : Math.floor(hi / step);
  for (let attempt = 0; attempt < 20 && last >= first; attempt++) {
    const value = Number((int(ctx, first, last) * step).toPrecision(15));
    if (value >= lo && value <= hi && isMultiple(value, step)) return value;
  }
  throw new Error(`no ${integer ? 'integer' : 'number'} in [${lo}, ${hi}] is a multiple of ${step}`);
}

function generateString(ctx: Ctx, schema: Node, hint: string): string {
  const ok = (s: string): boolean => stringOk(schema, s);
  const min = num(schema.minLength) ?? 0;
  const max = num(schema.maxLength) ?? Infinity;
  const hinted = fromHint(ctx, hint, (n) => n >= min && n <= max);
  if (hinted !== undefined && ok(hinted)) return hinted;
  if (typeof schema.pattern === 'string') return fromPattern(ctx, schema.pattern, ok);
  const value = typeof schema.format === 'string'
    ? fromFormat(ctx, schema.format)
    : chars(ctx, ALNUM, Math.min(Math.max(int(ctx, 6, 12), min, 1), max));
  if (!ok(value)) throw new Error(`cannot build a string for ${JSON.stringify(schema)}`);
  return value;
}

/** Domain-shaped values for fields whose name or description says what they hold; the caller still checks them. */
function fromHint(ctx: Ctx, hint: string, lengthOk: (n: number) => boolean): string | undefined {
  if (lengthOk(25) && /date.?time|timestamp/i.test(hint)) return dateTime(ctx);
  if (lengthOk(10) && /Date|\bdate/.test(hint)) return dateTime(ctx).slice(0, 10);
  if (lengthOk(13) && /mpan/i.test(hint)) return mpan(ctx);
  if (lengthOk(10) && /participant|dipid|recipient/i.test(hint)) return chars(ctx, DIGITS, 10);
  const roles = ROLES.filter((role) => lengthOk(role.length));
  if (/role/i.test(hint) && roles.length > 0) return pick(ctx, roles);
  if (/post.?code/i.test(hint)) return `${chars(ctx, UPPER, 2)}${int(ctx, 1, 99)} ${int(ctx, 1, 9)}${chars(ctx, UPPER, 2)}`;
  if (/phone/i.test(hint)) return `0${chars(ctx, DIGITS, 4)} ${chars(ctx, DIGITS, 6)}`;
  if (/address.?line/i.test(hint)) return `${int(ctx, 1, 199)} ${pick(ctx, STREETS)}`;
  if (/ur[il]\b/i.test(hint)) return fromFormat(ctx, 'uri');
  if (/version/i.test(hint)) return `${int(ctx, 1, 3)}.${int(ctx, 0, 9)}.${int(ctx, 0, 9)}`;
  if (lengthOk(23) && /guid/i.test(hint)) return Array.from({ length: 8 }, () => chars(ctx, HEX, 2)).join('-');
  const digits = [10, 8, 6, 4].find(lengthOk);
  return digits !== undefined && /number|sort.?code/i.test(hint) ? chars(ctx, DIGITS, digits) : undefined;
}

function fromFormat(ctx: Ctx, format: string): string {
  switch (format) {
    case 'email': return `user.${chars(ctx, DIGITS, 4)}@example.com`;
    case 'uri': return `https://example.com/${chars(ctx, ALNUM, 8).toLowerCase()}`;
    case 'byte': return Buffer.from(chars(ctx, ALNUM, 9)).toString('base64');
    default: throw new Error(`unsupported string format '${format}'`);
  }
}

function dateTime(ctx: Ctx): string {
  const ms = Date.UTC(2023, 0, 1) + int(ctx, 0, 3 * 365 - 1) * 86_400_000 + int(ctx, 0, 287) * 300_000;
  return new Date(ms).toISOString().slice(0, 19) + '+00:00';
}

/** A 13-digit MPAN core with a plausible distributor prefix and a correct check digit. */
function mpan(ctx: Ctx): string {
  return withCheckDigit(String(int(ctx, 10, 23)) + chars(ctx, DIGITS, 10));
}

// ---- strings from regular expressions: the constructs the catalogue uses, and an error for any other ----

function fromPattern(ctx: Ctx, pattern: string, ok: (s: string) => boolean): string {
  const alts = parsePattern(pattern);
  for (let attempt = 0; attempt < 60; attempt++) {
    // Short repetitions first, for realistic values; widen only if length limits demand it.
    const stretch = attempt < 20 ? 4 : attempt < 40 ? 32 : 256;
    const value = emit(ctx, [{ atom: { kind: 'group', alts }, min: 1, max: 1 }], stretch);
    if (ok(value)) return value;
  }
  throw new Error(`cannot satisfy /${pattern}/ together with the schema's other string constraints`);
}

function emit(ctx: Ctx, terms: PatternTerm[], stretch: number): string {
  let out = '';
  for (const { atom, min, max } of terms) {
    const count = int(ctx, min, Math.min(max, min + stretch));
    for (let k = 0; k < count; k++) {
      if (atom.kind === 'group') out += emit(ctx, pick(ctx, atom.alts), stretch);
      // A variable-length digit run is a magnitude (`\d{1,9}\.\d{3}`), where a leading zero looks wrong.
      else if (atom.chars === DIGITS && k === 0 && count > 1 && min < max) out += chars(ctx, DIGITS.slice(1), 1);
      else out += chars(ctx, atom.chars, 1);
    }
  }
  return out;
}

// ---- conformance: the same keyword subset read as a validator, for oneOf exclusivity and the final check ----

function conforms(doc: OpenApiDoc, schema: unknown, value: unknown): boolean {
  if (!isObject(schema)) return schema === true;
  if (typeof schema.$ref === 'string' && !conforms(doc, resolveRef(doc, schema.$ref), value)) return false;
  if (Array.isArray(schema.oneOf) && schema.oneOf.filter((a) => conforms(doc, a, value)).length !== 1) return false;
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) return false;
  // Ajv reads OpenAPI `nullable: true` as adding "null" to `type`; with no type at all, null passes.
  if (value === null) return schema.type === undefined || schema.type === 'null' || schema.nullable === true;
  if (schema.type !== undefined) {
    const check = typeof schema.type === 'string' ? TYPES[schema.type] : undefined;
    if (check === undefined) throw new Error(`unsupported type ${JSON.stringify(schema.type)}`);
    if (!check(value)) return false;
  }
  if (typeof value === 'string') return stringOk(schema, value);
  if (typeof value === 'number') {
    const [minimum, maximum, step] = [num(schema.minimum), num(schema.maximum), num(schema.multipleOf)];
    return (minimum === undefined || value >= minimum) && (maximum === undefined || value <= maximum)
      && (step === undefined || isMultiple(value, step));
  }
  if (Array.isArray(value)) {
    return value.length >= (num(schema.minItems) ?? 0) && value.length <= (num(schema.maxItems) ?? Infinity)
      && (schema.items === undefined || value.every((item) => conforms(doc, schema.items, item)));
  }
  if (!isObject(value)) return true;
  const props = isObject(schema.properties) ? schema.properties : {};
  const extra = schema.additionalProperties ?? true;
  if (Array.isArray(schema.required) && schema.required.some((r) => typeof r !== 'string' || !Object.hasOwn(value, r))) return false;
  return Object.entries(value).every(([key, item]) => conforms(doc, Object.hasOwn(props, key) ? props[key] : extra, item));
}

function stringOk(schema: Node, value: string): boolean {
  const length = [...value].length; // Ajv counts code points, not UTF-16 units
  if (length < (num(schema.minLength) ?? 0) || length > (num(schema.maxLength) ?? Infinity)) return false;
  if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value)) return false;
  if (typeof schema.format !== 'string') return true;
  const check = FORMATS[schema.format];
  if (check === undefined) throw new Error(`unsupported string format '${schema.format}'`);
  return check.test(value);
}

// ---- helpers --------------------------------------------------------------------------------------

function typeOf(schema: Node): unknown {
  if (schema.type !== undefined) return schema.type;
  if (schema.properties !== undefined || schema.required !== undefined || schema.additionalProperties !== undefined) return 'object';
  if (schema.items !== undefined || schema.minItems !== undefined || schema.maxItems !== undefined) return 'array';
  return 'string';
}

function resolveRef(doc: OpenApiDoc, ref: string): unknown {
  if (!ref.startsWith('#/')) throw new Error(`only document-local $refs are supported: '${ref}'`);
  let node: unknown = doc;
  for (const raw of ref.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isObject(node) || !Object.hasOwn(node, key)) throw new Error(`unresolvable $ref '${ref}'`);
    node = node[key];
  }
  return node;
}

// Ajv's multipleOf test (without multipleOfPrecision): the quotient must be a whole number.
function isMultiple(value: number, step: number): boolean { return Number.isInteger(value / step); }
function isObject(value: unknown): value is Node { return typeof value === 'object' && value !== null && !Array.isArray(value); }
function num(value: unknown): number | undefined { return typeof value === 'number' && Number.isFinite(value) ? value : undefined; }

function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function int(ctx: Ctx, lo: number, hi: number): number { return lo + Math.floor(ctx.next() * (hi - lo + 1)); }

function pick<T>(ctx: Ctx, items: readonly T[]): T {
  const item = items[int(ctx, 0, items.length - 1)];
  if (item === undefined) throw new Error('cannot pick from an empty list');
  return item;
}

function chars(ctx: Ctx, alphabet: string, length: number): string {
  return Array.from({ length }, () => alphabet.charAt(int(ctx, 0, alphabet.length - 1))).join('');
}
