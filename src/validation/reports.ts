/**
 * Checks an ECS report's compressed payload against the schema of the report it carries: the channel's
 * `REP-xxx-CustomBlock`, in the document of the message's own schema.
 */
import { leafKey, type Catalogue, type JsonObject, type LeafSchema } from '../catalogue/catalogue.js';
import { decodeReport, type ReportEncoding } from '../domain/compressed-report.js';
import { getProperty } from './canonical.js';
import { readHeader } from './message.js';
import type { SchemaRegistry } from './schemas.js';

export type ReportVerdict =
  /** Not a report channel. */
  | { kind: 'none' }
  | { kind: 'ok'; report: unknown; encoding: ReportEncoding }
  | { kind: 'problem'; problems: string[] };

const FIELD = '/CustomBlock/P03/compressedReport';

/** The schema name of the report a message of this leaf carries, when its channel has one. */
export function reportSchemaOf(catalogue: Catalogue, leaf: Pick<LeafSchema, 'channel' | 'document'>): string | null {
  const name = `${leaf.channel}-CustomBlock`;
  return Object.hasOwn(catalogue.documents[leaf.document]!.components.schemas, name) ? name : null;
}

/** Decodes the report of a schema-valid message and validates it; problems name the path in the decoded report. */
export function checkReport(
  catalogue: Catalogue,
  schemas: SchemaRegistry,
  leaf: Pick<LeafSchema, 'channel' | 'document'>,
  payload: JsonObject,
): ReportVerdict {
  const schemaName = reportSchemaOf(catalogue, leaf);
  if (!schemaName) return { kind: 'none' };
  const text = getProperty(getProperty(getProperty(payload, 'CustomBlock'), 'P03'), 'compressedReport');
  const decoded = decodeReport(text);
  if (!decoded.ok) return { kind: 'problem', problems: [`${FIELD}: ${decoded.help}`] };
  const compiled = schemas.forLeaf({ document: leaf.document, schemaName });
  if (compiled.validate(decoded.report)) return { kind: 'ok', report: decoded.report, encoding: decoded.encoding };
  const { value } = compiled.canonicalise(decoded.report);
  if (compiled.validate(value)) return { kind: 'ok', report: value, encoding: decoded.encoding };
  return {
    kind: 'problem',
    problems: compiled.explain(value).map((p) => `${FIELD} (decoded ${schemaName}) ${p}`),
  };
}

/**
 * A receiver's report reader: the report of a delivered message, selected by its S0, decoded and checked;
 * null for a message that carries no report (or names no schema: the receiver judges that elsewhere).
 */
export function reportReader(catalogue: Catalogue, schemas: SchemaRegistry) {
  return (payload: unknown): { report: unknown } | { problem: string } | null => {
    const h = readHeader(payload);
    if (
      !h ||
      typeof h.interfaceID !== 'string' ||
      typeof h.eventCode !== 'string' ||
      typeof h.schemaVersion !== 'string'
    )
      return null;
    const leaf = catalogue.leaves.get(leafKey(h.interfaceID, h.eventCode, h.schemaVersion));
    if (!leaf) return null;
    const verdict = checkReport(catalogue, schemas, leaf, payload as JsonObject);
    if (verdict.kind === 'none') return null;
    return verdict.kind === 'ok' ? { report: verdict.report } : { problem: verdict.problems.join('; ') };
  };
}
