/**
 * The channel catalogue: which message schemas exist (from the published OpenAPI documents) and the
 * DIP's rules per channel (from catalogue/channels.json). Pure: callers pass parsed documents.
 */
import { parseRules, type ChannelRule } from './rules.js';

export { ruleFor, type ChannelRule, type CorrelationRule } from './rules.js';

export type JsonObject = Record<string, unknown>;
export interface OpenApiDoc {
  info?: { version?: string };
  paths?: Record<string, unknown>;
  components: { schemas: Record<string, unknown> } & JsonObject;
}

/** One concrete message schema: a channel, one event code, the schema versions it accepts. */
export interface LeafSchema {
  channel: string;
  eventCode: string;
  schemaVersion: string;
  /** Index into `Catalogue.documents`. */
  document: number;
  schemaName: string;
}

export interface Catalogue {
  /** The documents with the errata applied: what the DIP validates against. */
  documents: OpenApiDoc[];
  /** The same documents as published, oldest first: what the DIP serves as its API description. */
  published: readonly OpenApiDoc[];
  channels: Map<string, ChannelRule>;
  /** Key `${channel}|${eventCode}|${schemaVersion}`. */
  leaves: Map<string, LeafSchema>;
  /** Bracketed event codes per channel, sorted. */
  eventsByChannel: Map<string, string[]>;
  /** `/validate/IF-xxx/Event` → the leaf it validates (latest document wins). */
  validatePaths: Map<string, { document: number; schemaName: string; channel: string; eventCode: string }>;
}

export function leafKey(channel: string, eventCode: string, schemaVersion: string): string {
  return `${channel}|${eventCode}|${schemaVersion}`;
}

/** Follows local `$ref`s (`#/components/schemas/X`) until a concrete node is reached. */
export function deref(doc: OpenApiDoc, node: unknown): JsonObject {
  let current = node as JsonObject;
  for (let hops = 0; typeof current?.$ref === 'string'; hops++) {
    if (hops > 32) throw new Error(`$ref cycle at ${String(current.$ref)}`);
    current = resolvePointer(doc, current.$ref as string) as JsonObject;
  }
  return current;
}

export function resolvePointer(doc: OpenApiDoc, ref: string): unknown {
  if (!ref.startsWith('#/')) throw new Error(`only local $refs are supported: ${ref}`);
  let node: unknown = doc;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    node = (node as JsonObject | undefined)?.[key];
    if (node === undefined) throw new Error(`unresolvable $ref ${ref}`);
  }
  return node;
}

function refName(node: unknown): string {
  const ref = (node as JsonObject).$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#/components/schemas/')) throw new Error('expected a schema $ref');
  return ref.slice('#/components/schemas/'.length);
}

/** The concrete message schemas of a document, found from `DIPMessage.payload.oneOf` as the spec wires them. */
export function leafSchemaNames(doc: OpenApiDoc): string[] {
  const message = deref(doc, doc.components.schemas.DIPMessage);
  const payload = (message.properties as JsonObject).payload as JsonObject;
  const names: string[] = [];
  for (const wrapperRef of payload.oneOf as unknown[]) {
    const wrapperName = refName(wrapperRef);
    const wrapper = deref(doc, wrapperRef);
    if (Array.isArray(wrapper.oneOf)) names.push(...wrapper.oneOf.map(refName));
    else names.push(wrapperName);
  }
  return names;
}

/** S0 enums of a leaf: its channel, event codes and schema versions. */
export function leafHeader(doc: OpenApiDoc, schemaName: string): { channel: string; eventCodes: string[]; versions: string[] } {
  const leaf = deref(doc, doc.components.schemas[schemaName]);
  const common = deref(doc, (leaf.properties as JsonObject).CommonBlock);
  const s0 = deref(doc, (common.properties as JsonObject).S0);
  const props = s0.properties as Record<string, JsonObject>;
  const enumOf = (key: string): string[] => (deref(doc, props[key]).enum as string[] | undefined) ?? [];
  const channels = enumOf('interfaceID');
  if (channels.length !== 1) throw new Error(`${schemaName}: S0.interfaceID must name exactly one channel`);
  return { channel: channels[0]!, eventCodes: enumOf('eventCode'), versions: enumOf('schemaVersion') };
}

export interface Erratum {
  pointer: string;
  value: unknown;
  reason: string;
}

/** Applies errata to a deep copy, so the published document in memory stays as published. */
export function applyErrata(doc: OpenApiDoc, errata: Erratum[]): OpenApiDoc {
  const copy = structuredClone(doc);
  for (const e of errata) {
    const keys = e.pointer.split('/').slice(1);
    const last = keys.pop();
    let node: unknown = copy;
    for (const k of keys) node = (node as JsonObject | undefined)?.[k];
    if (last === undefined || node === undefined || typeof node !== 'object' || node === null) continue; // not in this release
    if (!(last in node)) continue;
    (node as JsonObject)[last] = e.value;
  }
  return copy;
}

/**
 * Builds the catalogue. Documents are given oldest first; a later document's schema for the same
 * channel, event and version replaces the earlier one.
 */
export function buildCatalogue(documents: OpenApiDoc[], rules: JsonObject, errata: Erratum[] = []): Catalogue {
  const docs = documents.map((d) => applyErrata(d, errata));
  const leaves = new Map<string, LeafSchema>();
  const validatePaths: Catalogue['validatePaths'] = new Map();
  docs.forEach((doc, document) => {
    for (const schemaName of leafSchemaNames(doc)) {
      const { channel, eventCodes, versions } = leafHeader(doc, schemaName);
      for (const eventCode of eventCodes) {
        for (const schemaVersion of versions) {
          leaves.set(leafKey(channel, eventCode, schemaVersion), { channel, eventCode, schemaVersion, document, schemaName });
        }
      }
    }
    for (const [path, item] of Object.entries(doc.paths ?? {})) {
      const m = /^\/validate\/([A-Z]+-\d{3}[A-Z]?)\/([^/]+)$/.exec(path);
      if (!m) continue;
      const body = (item as JsonObject).post as JsonObject | undefined;
      const schema = (((body?.requestBody as JsonObject)?.content as JsonObject)?.['application/json'] as JsonObject)?.schema as JsonObject;
      const payloadRef = ((schema?.items as JsonObject)?.properties as JsonObject)?.payload;
      if (!payloadRef) continue;
      validatePaths.set(`${m[1]}/${m[2]}`, { document, schemaName: refName(payloadRef), channel: m[1]!, eventCode: `[${m[2]}]` });
    }
  });
  const channels = parseRules(rules);
  for (const leaf of leaves.values()) {
    if (!channels.has(leaf.channel)) throw new Error(`catalogue/channels.json has no rules for ${leaf.channel}`);
  }
  const eventsByChannel = new Map<string, string[]>();
  for (const leaf of leaves.values()) {
    const list = eventsByChannel.get(leaf.channel) ?? [];
    if (!list.includes(leaf.eventCode)) list.push(leaf.eventCode);
    eventsByChannel.set(leaf.channel, list);
  }
  for (const list of eventsByChannel.values()) list.sort();
  return { documents: docs, published: documents, channels, leaves, eventsByChannel, validatePaths };
}

/** Event codes of a channel across all documents, as published (bracketed). */
export function eventCodesOf(catalogue: Catalogue, channel: string): string[] {
  return catalogue.eventsByChannel.get(channel) ?? [];
}

export function versionsOf(catalogue: Catalogue, channel: string, eventCode: string): string[] {
  const versions = new Set<string>();
  for (const leaf of catalogue.leaves.values()) {
    if (leaf.channel === channel && leaf.eventCode === eventCode) versions.add(leaf.schemaVersion);
  }
  return [...versions].sort();
}
