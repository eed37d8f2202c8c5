/**
 * Level 1 schema validation of one message: its S0 selects the schema (channel, event code, schema
 * version), field names are matched case-insensitively and returned canonically spelled.
 */
import {
  leafKey,
  eventCodesOf,
  versionsOf,
  type Catalogue,
  type JsonObject,
  type LeafSchema,
} from '../catalogue/catalogue.js';
import type { MpanField } from '../catalogue/mpan-fields.js';
import { getProperty } from './canonical.js';
import type { SchemaRegistry } from './schemas.js';

export type SchemaVerdict =
  /**
   * `asReceived`: every field name was already canonical, so the sender's bytes can be archived as they are.
   * `mpanFields`: where the selected schema puts MPAN cores in `payload`.
   */
  | { kind: 'ok'; leaf: LeafSchema; payload: JsonObject; asReceived: boolean; mpanFields: readonly MpanField[] }
  | { kind: 'interface'; help: string }
  /**
   * `canonical`: once S0 selected a schema, the payload canonically spelled, for the data checks /validate also
   * reports.
   */
  | { kind: 'schema'; problems: string[]; canonical?: { payload: JsonObject; mpanFields: readonly MpanField[] } };

const NONE_CLOSED: ReadonlySet<string> = new Set();

const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The S0 values that select a schema, read case-insensitively. */
export function readHeader(
  payload: unknown,
): { interfaceID: unknown; eventCode: unknown; schemaVersion: unknown } | null {
  const s0 = getProperty(getProperty(payload, 'CommonBlock'), 'S0');
  if (!isObject(s0)) return null;
  return {
    interfaceID: getProperty(s0, 'interfaceID'),
    eventCode: getProperty(s0, 'eventCode'),
    schemaVersion: getProperty(s0, 'schemaVersion'),
  };
}

/**
 * Validates `payload` as a message on `channel`. `explain` asks for every problem rather than the first
 * (costlier: used for help texts and /validate); `closed` holds the `CHANNEL|schemaVersion` pairs no
 * longer accepted on ingress.
 */
export function checkPayload(
  catalogue: Catalogue,
  schemas: SchemaRegistry,
  channel: string,
  payload: unknown,
  explain = true,
  closed: ReadonlySet<string> = NONE_CLOSED,
): SchemaVerdict {
  if (!isObject(payload))
    return { kind: 'schema', problems: ['payload must be a JSON object with CommonBlock and CustomBlock'] };
  const header = readHeader(payload);
  if (!header)
    return {
      kind: 'schema',
      problems: ['/CommonBlock/S0: missing; every message needs S0 with interfaceID, schemaVersion and eventCode'],
    };
  const { interfaceID, eventCode, schemaVersion } = header;
  if (typeof interfaceID === 'string' && interfaceID !== channel) {
    return {
      kind: 'interface',
      help: `CommonBlock.S0.interfaceID '${interfaceID}' does not match the channel ${channel} in the URL; send each message to its own channel`,
    };
  }
  if (typeof interfaceID !== 'string') {
    return { kind: 'schema', problems: [`/CommonBlock/S0/interfaceID: must be the string '${channel}'`] };
  }
  const events = eventCodesOf(catalogue, channel);
  if (typeof eventCode !== 'string' || !events.includes(eventCode)) {
    const hint =
      typeof eventCode === 'string' && events.includes(`[${eventCode}]`)
        ? ` (event codes carry square brackets: '[${eventCode}]')`
        : '';
    return {
      kind: 'schema',
      problems: [
        `/CommonBlock/S0/eventCode: ${JSON.stringify(eventCode ?? null)} is not an event of ${channel}${hint}; send one of ${events.join(', ')}`,
      ],
    };
  }
  const leaf =
    typeof schemaVersion === 'string' ? catalogue.leaves.get(leafKey(channel, eventCode, schemaVersion)) : undefined;
  if (!leaf) {
    return {
      kind: 'schema',
      problems: [
        `/CommonBlock/S0/schemaVersion: ${JSON.stringify(schemaVersion ?? null)} is not accepted for ${channel} ${eventCode}; send one of ${versionsOf(catalogue, channel, eventCode).join(', ')}`,
      ],
    };
  }
  if (closed.has(`${channel}|${leaf.schemaVersion}`)) {
    const open = versionsOf(catalogue, channel, eventCode).filter((v) => !closed.has(`${channel}|${v}`));
    return {
      kind: 'schema',
      problems: [
        `/CommonBlock/S0/schemaVersion: version ${leaf.schemaVersion} of ${channel} is closed for ingress on this DIP; ${open.length > 0 ? `send ${open.join(' or ')}` : 'no version of it is open'}`,
      ],
    };
  }
  const compiled = schemas.forLeaf(leaf);
  const { mpanFields } = compiled;
  if (compiled.closed && compiled.validate(payload)) return { kind: 'ok', leaf, payload, asReceived: true, mpanFields };
  const { value, changed } = compiled.canonicalise(payload);
  const canonical = value as JsonObject;
  if (compiled.validate(canonical)) return { kind: 'ok', leaf, payload: canonical, asReceived: !changed, mpanFields };
  const problems = explain ? compiled.explain(canonical) : [firstError(compiled.validate.errors)];
  return {
    kind: 'schema',
    problems: problems.length > 0 ? problems : ['does not match the schema'],
    canonical: { payload: canonical, mpanFields },
  };
}

function firstError(errors: { instancePath: string; message?: string }[] | null | undefined): string {
  const e = errors?.[0];
  return e ? `${e.instancePath || '/'}: ${e.message ?? 'invalid'}` : 'does not match the schema';
}
