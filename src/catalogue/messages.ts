/**
 * Valid messages for any channel and event, addressed from a given sender: the demo market's sample
 * files, `opendip sample`, and the tests all build messages here.
 */
import { randomBytes } from 'node:crypto';
import { formatCompactDate, formatDateTime } from '../domain/time.js';
import { ruleFor, type Catalogue, type JsonObject, type LeafSchema } from './catalogue.js';
import { encodeReport } from '../domain/compressed-report.js';
import { samplePayload } from './sample.js';

export interface MessageSpec {
  channel: string;
  /** Bracketed event code; default: the channel's first. */
  eventCode?: string;
  schemaVersion?: string;
  sender: string;
  /** Default: the first role allowed to send the channel. */
  role?: string;
  dcp?: string | null;
  environment?: string;
  sur?: string;
  /** Epoch ms for senderTimestamp and the SUR date; default now. */
  at?: number;
  correlationId?: string | null;
  primaryRecipients?: string[];
  mpan?: string;
  /** M0/M1.distributorDIPID. */
  distributor?: string;
  seed?: number;
  fill?: 'minimal' | 'full';
}

/** The schema for a channel and event (default: its first event), from the newest document that has it. */
export function leafFor(catalogue: Catalogue, channel: string, eventCode?: string, schemaVersion?: string): LeafSchema {
  const matching = [...catalogue.leaves.values()].filter(
    (l) => l.channel === channel && (eventCode === undefined || l.eventCode === eventCode) && (schemaVersion === undefined || l.schemaVersion === schemaVersion),
  );
  if (matching.length === 0) throw new Error(`no schema for ${channel} ${eventCode ?? ''} ${schemaVersion ?? ''}`.trim());
  const event = matching[0]!.eventCode;
  return matching.filter((l) => l.eventCode === event).reduce((a, b) => (b.document >= a.document ? b : a));
}

/** A schema-valid payload with S1 set for `spec.sender`; the DIP-populated D0 is left out, as a sender would. */
export function buildPayload(catalogue: Catalogue, spec: MessageSpec): JsonObject {
  const leaf = leafFor(catalogue, spec.channel, spec.eventCode, spec.schemaVersion);
  const doc = catalogue.documents[leaf.document]!;
  const payload = samplePayload(doc, leaf.schemaName, { seed: spec.seed ?? 1, fill: spec.fill ?? 'full' }) as JsonObject;
  const common = payload.CommonBlock as JsonObject;
  const s0 = common.S0 as JsonObject;
  s0.eventCode = leaf.eventCode;
  s0.schemaVersion = leaf.schemaVersion;
  const rule = catalogue.channels.get(spec.channel);
  const role = spec.role ?? (rule ? ruleFor(rule, leaf.eventCode).senders[0] : undefined) ?? 'SUP';
  const at = spec.at ?? Date.now();
  common.S1 = {
    environmentTag: spec.environment ?? 'DEV',
    subText: null,
    senderUniqueReference: spec.sur ?? `S-${spec.channel}-${spec.sender}-${role}-${formatCompactDate(at)}-${randomBytes(8).toString('hex')}`,
    senderTimestamp: formatDateTime(at),
    senderDIPID: spec.sender,
    senderRoleID: role,
    senderCorrelationID: spec.correlationId ?? null,
    DIPConnectionProviderID: spec.dcp ?? null,
  };
  delete common.D0;
  // An ECS report carries its report compressed (seed §4.5): a sample of the report's own schema.
  const report = `${spec.channel}-CustomBlock`;
  const p03 = (payload.CustomBlock as JsonObject | undefined)?.P03 as JsonObject | undefined;
  if (p03 && Object.hasOwn(doc.components.schemas, report))
    p03.compressedReport = encodeReport(samplePayload(doc, report, { seed: spec.seed ?? 1, fill: spec.fill ?? 'full' }));
  if (spec.primaryRecipients) common.A0 = { primaryRecipients: spec.primaryRecipients, secondaryRecipients: [], always: [] };
  else delete common.A0;
  if (spec.mpan !== undefined) {
    if (common.M0) (common.M0 as JsonObject).MPANCore = spec.mpan;
    if (common.M1) (common.M1 as JsonObject).principalMPAN = spec.mpan;
  }
  if (spec.distributor !== undefined) {
    for (const block of [common.M0, common.M1]) if (block) (block as JsonObject).distributorDIPID = spec.distributor;
  }
  return payload;
}

/** `[{"payload": ...}, ...]` of `count` messages, each with its own SUR and sample data. */
export function buildBatch(catalogue: Catalogue, spec: MessageSpec, count: number): { payload: JsonObject }[] {
  return Array.from({ length: count }, (_, i) => ({ payload: buildPayload(catalogue, { ...spec, seed: (spec.seed ?? 1) + i }) }));
}
