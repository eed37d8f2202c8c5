/**
 * Where a message carries MPAN cores: every field whose schema is, through `$ref`s, DT-002-MPAN or its
 * nullable twin, found by walking the message schema of the published document rather than kept as a list,
 * so a newer document's new MPAN fields are checked without a change here. Pure.
 */
import { isValidMpanCore } from '../domain/mpan.js';
import { resolvePointer, type JsonObject, type OpenApiDoc } from './catalogue.js';

const MPAN_SCHEMAS = new Set(['#/components/schemas/DT-002-MPAN', '#/components/schemas/DT-002N-MPAN']);
const ALTERNATIVES = ['allOf', 'oneOf', 'anyOf'] as const;

/** A property name, or null for every item of an array. */
export type Step = string | null;

export interface MpanField {
  steps: readonly Step[];
}

/**
 * A value found where an MPAN core belongs that is not one; `field` names where, e.g.
 * `CustomBlock.B035List[2].linkedImportExportMPAN`.
 */
export interface MpanFinding {
  field: string;
  value: unknown;
}

/** The MPAN fields under `schema` (a message schema of `doc`), through objects, arrays and alternatives. */
export function mpanFields(doc: OpenApiDoc, schema: unknown): MpanField[] {
  const found = new Map<string, Step[]>();
  const onPath = new Set<unknown>();
  const visit = (node: unknown, steps: Step[]): void => {
    if (node === null || typeof node !== 'object') return;
    let current = node as JsonObject;
    for (let hops = 0; typeof current.$ref === 'string'; hops++) {
      if (MPAN_SCHEMAS.has(current.$ref)) {
        found.set(fieldName(steps, []), steps);
        return;
      }
      if (hops > 32) throw new Error(`$ref cycle at ${current.$ref}`);
      current = resolvePointer(doc, current.$ref) as JsonObject;
    }
    // A schema that contains itself would be walked for ever; none in the published documents does.
    if (onPath.has(current)) return;
    onPath.add(current);
    for (const [name, child] of Object.entries((current.properties ?? {}) as JsonObject)) visit(child, [...steps, name]);
    const items = current.items;
    for (const item of Array.isArray(items) ? items : [items]) visit(item, [...steps, null]);
    for (const key of ALTERNATIVES) {
      const alternatives = current[key];
      if (Array.isArray(alternatives)) for (const alt of alternatives) visit(alt, steps);
    }
    onPath.delete(current);
  };
  visit(schema, []);
  return [...found.values()].map((steps) => ({ steps }));
}

/** `CommonBlock.M0.MPANCore`, `CustomBlock.B907List[3].existingMeter.linkedImportExportMPAN`. */
export function fieldName(steps: readonly Step[], indices: readonly number[]): string {
  let name = '';
  let item = 0;
  for (const step of steps) {
    if (step === null) name += `[${indices[item++] ?? ''}]`;
    else name += name === '' ? step : `.${step}`;
  }
  return name;
}

/**
 * Every value at an MPAN field of `payload` that is not a valid MPAN core; null (a nullable field without a
 * value) and absent fields are not values. Names are read as spelled, so pass the canonically spelled payload.
 */
export function invalidMpans(payload: unknown, fields: readonly MpanField[]): MpanFinding[] {
  const out: MpanFinding[] = [];
  for (const field of fields) walk(payload, field.steps, 0, [], out);
  return out;
}

// Called for every message on the hot ingest path: a plain function, not a closure made for each call.
function walk(node: unknown, steps: readonly Step[], depth: number, indices: number[], out: MpanFinding[]): void {
  if (depth === steps.length) {
    if (node === null || node === undefined || (typeof node === 'string' && isValidMpanCore(node))) return;
    out.push({ field: fieldName(steps, indices), value: node });
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const step = steps[depth]!;
  if (step === null) {
    if (!Array.isArray(node)) return;
    for (let i = 0; i < node.length; i++) {
      indices.push(i);
      walk(node[i], steps, depth + 1, indices, out);
      indices.pop();
    }
  } else if (!Array.isArray(node) && Object.hasOwn(node, step)) {
    walk((node as JsonObject)[step], steps, depth + 1, indices, out);
  }
}
