/**
 * Compiled validators for the catalogue's message schemas. Compilation is lazy per schema (a DIP rarely
 * sees all 126) and cached; `warmUp` compiles everything ahead of traffic.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule, { type FormatsPlugin } from 'ajv-formats';
import type { Catalogue, JsonObject, LeafSchema, OpenApiDoc } from '../catalogue/catalogue.js';
import { mpanFields, type MpanField } from '../catalogue/mpan-fields.js';
import { compileCanonicaliser, isClosedSchema, type Canonicaliser } from './canonical.js';

// ajv-formats is CommonJS; under NodeNext its default export sits one level down.
const addFormats = ((addFormatsModule as unknown as { default?: FormatsPlugin }).default ??
  addFormatsModule) as FormatsPlugin;

export interface CompiledSchema {
  validate: ValidateFunction;
  canonicalise: Canonicaliser;
  /** Valid documents are already canonically spelled (see isClosedSchema). */
  closed: boolean;
  /** Every problem in a document, for help texts and the /validate endpoints. */
  explain(payload: unknown): string[];
  /** Where the schema's messages carry MPAN cores, for the check-digit check (MSG1039). */
  mpanFields: readonly MpanField[];
}

/**
 * OpenAPI 3.0 `nullable: true` beside an `enum` that lacks null: the seed (§4.2.2) says the mandatory-null
 * convention "is also valid for any enumerations that allow nullables", so null is allowed there.
 */
function nullableEnumsAllowNull(node: unknown): void {
  if (node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    node.forEach(nullableEnumsAllowNull);
    return;
  }
  const n = node as JsonObject;
  if (n.nullable === true && Array.isArray(n.enum) && !n.enum.includes(null)) n.enum = [...n.enum, null];
  for (const v of Object.values(n)) nullableEnumsAllowNull(v);
}

function makeAjv(documents: OpenApiDoc[], allErrors: boolean): Ajv {
  // strictNumbers: JSON.parse turns 1e400 into Infinity, which no schema number may be.
  const ajv = new Ajv({ strict: false, strictNumbers: true, allErrors, messages: true, code: { optimize: true } });
  addFormats(ajv);
  documents.forEach((doc, i) => {
    const components = structuredClone(doc.components);
    nullableEnumsAllowNull(components);
    ajv.addSchema({ $id: `dip${i}`, components }, `dip${i}`);
  });
  return ajv;
}

/** Human-readable problems, one per Ajv error, with the JSON path that is wrong and what to send. */
export function describeErrors(errors: ErrorObject[] | null | undefined, limit = 50): string[] {
  const out: string[] = [];
  for (const e of errors ?? []) {
    if (out.length >= limit) {
      out.push(`... and ${errors!.length - limit} more`);
      break;
    }
    const at = e.instancePath || '/';
    const p = e.params as Record<string, unknown>;
    switch (e.keyword) {
      case 'required':
        out.push(`${at}: missing required property '${String(p.missingProperty)}' (send null where it has no value)`);
        break;
      case 'additionalProperties':
        out.push(`${at}: property '${String(p.additionalProperty)}' is not allowed here`);
        break;
      case 'enum':
        out.push(`${at}: must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`);
        break;
      case 'oneOf':
        if (p.passingSchemas === null) break; // the failing branches are reported individually
        out.push(`${at}: matches more than one allowed shape`);
        break;
      default:
        out.push(`${at}: ${e.message ?? e.keyword}`);
    }
  }
  return [...new Set(out)];
}

export interface SchemaRegistry {
  /** The compiled schema of a leaf, or of any named schema of a document. */
  forLeaf(leaf: Pick<LeafSchema, 'document' | 'schemaName'>): CompiledSchema;
  warmUp(): void;
}

export function createSchemaRegistry(catalogue: Catalogue): SchemaRegistry {
  const fast = makeAjv(catalogue.documents, false);
  let thorough: Ajv | null = null;
  const cache = new Map<string, CompiledSchema>();

  const forLeaf: SchemaRegistry['forLeaf'] = ({ document, schemaName }) => {
    const key = `${document}|${schemaName}`;
    let compiled = cache.get(key);
    if (compiled) return compiled;
    const doc = catalogue.documents[document]!;
    const ref = { $ref: `dip${document}#/components/schemas/${schemaName}` };
    const node = doc.components.schemas[schemaName];
    if (node === undefined) throw new Error(`no schema ${schemaName} in document ${document}`);
    let explainer: ValidateFunction | null = null;
    compiled = {
      validate: fast.compile(ref),
      canonicalise: compileCanonicaliser(doc, node),
      closed: isClosedSchema(doc, node),
      mpanFields: mpanFields(doc, node),
      explain(payload) {
        thorough ??= makeAjv(catalogue.documents, true);
        const check = (explainer ??= thorough.compile(ref));
        return check(payload) ? [] : describeErrors(check.errors);
      },
    };
    cache.set(key, compiled);
    return compiled;
  };

  return {
    forLeaf,
    warmUp() {
      for (const leaf of catalogue.leaves.values()) forLeaf(leaf);
    },
  };
}
