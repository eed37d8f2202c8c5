/**
 * Consumption replay (seed §5.1.7; channels IF-015 and IF-016): an Advanced Data Service newly appointed
 * to an MPAN asks, on IF-015, for the site's consumption history. The DIP searches its archive for the
 * IF-021 and IF-013 messages for that MPAN from the four months before the data service's appointment
 * (its supply start), sent by or to previous data services, and publishes each on PUB-016 to the asker,
 * with the original sender's S1 carried as S2 and the request's correlation id. A request from a data
 * service not appointed to the MPAN gets one IF-016 [ConsumptionRequestRejected]. Everything it makes is
 * committed in the request's own transaction.
 */
import { leafKey, type Catalogue } from '../catalogue/catalogue.js';
import { msgText } from '../domain/responses.js';
import { transactionId } from '../domain/ids.js';
import { formatCompactDate, formatDateTime } from '../domain/time.js';
import {
  journalEntry,
  subjectOf,
  type ArchivedMessage,
  type DerivedMessages,
  type JournalEntry,
} from '../domain/archive.js';
import type { Store } from '../storage/ports.js';
import type { SchemaRegistry } from '../validation/schemas.js';

/** The channel on which an Advanced Data Service asks the DIP for consumption history (seed §5.1.7). */
export const CONSUMPTION_REQUEST = 'IF-015';
export const LOOKBACK_MONTHS = 4;
const CHANNEL = 'IF-016';
const VERSION = '011';
const DIP_ROLE = 'DIP';
/** What each replayed channel and event becomes on IF-016. */
const REPLAYED: Record<string, Record<string, string>> = {
  'IF-021': { '[ActivePower]': '[ActivePower]', '[ReactivePower]': '[ReactivePower]' },
  'IF-013': { '[ActivePowerDefaulted]': '[ActivePowerDefaulted]' },
};

export interface ConsumptionDeps {
  store: Pick<Store, 'appointments' | 'searchMessages' | 'messagesBySeq' | 'reserveSequence'>;
  catalogue: Catalogue;
  schemas: SchemaRegistry;
  dipId: string;
  environment: string;
  now: number;
  requestId: string;
  randomHex: (bytes: number) => string;
}

/** The same calendar moment `months` earlier (UTC), day clamped to the month's end. */
export function monthsBefore(at: number, months: number): number {
  const d = new Date(at);
  const target = new Date(
    Date.UTC(
      d.getUTCFullYear(),
      d.getUTCMonth() - months,
      1,
      d.getUTCHours(),
      d.getUTCMinutes(),
      d.getUTCSeconds(),
      d.getUTCMilliseconds(),
    ),
  );
  const last = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d.getUTCDate(), last));
  return target.getTime();
}

type Json = Record<string, unknown>;

export async function consumptionReplays(requests: ArchivedMessage[], deps: ConsumptionDeps): Promise<DerivedMessages> {
  const out: DerivedMessages = { messages: [], deliveries: [], journal: [], derivedFrom: new Map() };
  const day = formatCompactDate(deps.now);
  const plans: { request: ArchivedMessage; payloads: { eventCode: string; payload: Json }[]; note: string }[] = [];

  for (const request of requests) {
    const common = (JSON.parse(request.payload.toString('utf8')) as { CommonBlock: Json }).CommonBlock;
    const m0 = common.M0 as Json;
    const ads = request.senderId;
    /** The DIP's own S1: it is the sender of PUB-016, carrying the request's correlation id. */
    const s1 = (): Json => ({
      environmentTag: deps.environment,
      subText: null,
      senderUniqueReference: `S-${CHANNEL}-${deps.dipId}-${DIP_ROLE}-${day}-${deps.randomHex(12)}`,
      senderTimestamp: formatDateTime(deps.now),
      senderDIPID: deps.dipId,
      senderRoleID: DIP_ROLE,
      senderCorrelationID: request.correlationId,
      DIPConnectionProviderID: null,
    });
    const appointment =
      request.mpan === null
        ? undefined
        : (await deps.store.appointments([request.mpan])).find(
            (a) =>
              a.service === 'DS' && a.participantId === ads && a.from <= deps.now && (a.to === null || a.to > deps.now),
          );
    if (!appointment) {
      const reason = `${ads} is not the data service appointed to MPAN ${request.mpan ?? '(none)'}: only the current Advanced Data Service may ask for its history`;
      plans.push({
        request,
        note: reason,
        payloads: [
          {
            eventCode: '[ConsumptionRequestRejected]',
            payload: {
              CommonBlock: {
                S0: { interfaceID: CHANNEL, schemaVersion: VERSION, eventCode: '[ConsumptionRequestRejected]' },
                S1: s1(),
                M0: m0,
                R1: { responseCode: 'R', responseMessages: [reason.slice(0, 200)] },
              },
            },
          },
        ],
      });
      continue;
    }
    const from = monthsBefore(appointment.from, LOOKBACK_MONTHS);
    const found: ArchivedMessage[] = [];
    for (const channel of Object.keys(REPLAYED)) {
      let after: number | null = null;
      for (;;) {
        const page = await deps.store.searchMessages(
          { channel, mpan: request.mpan, from, to: appointment.from - 1 },
          null,
          after,
          1_000,
        );
        found.push(...page);
        if (page.length < 1_000) break;
        after = page.at(-1)!.seq;
      }
    }
    // Consumption the asker itself sent or was sent is not history it lacks.
    const history = found.filter(
      (m) =>
        m.senderId !== ads &&
        !(m.recipients?.recipients ?? []).some((r) => r.dipId === ads) &&
        REPLAYED[m.channel]?.[m.eventCode],
    );
    const originals = await deps.store.messagesBySeq(history.map((m) => m.seq));
    const payloads = history
      .sort((a, b) => a.seq - b.seq)
      .map((h) => {
        const original = JSON.parse(originals.get(h.seq)!.payload.toString('utf8')) as {
          CommonBlock: Json;
          CustomBlock: Json;
        };
        const eventCode = REPLAYED[h.channel]![h.eventCode]!;
        return {
          eventCode,
          payload: {
            CommonBlock: {
              S0: { interfaceID: CHANNEL, schemaVersion: VERSION, eventCode },
              S1: s1(),
              S2: original.CommonBlock.S1,
              M0: original.CommonBlock.M0,
              R1: { responseCode: 'A', responseMessages: [] },
            },
            CustomBlock: original.CustomBlock,
          },
        };
      });
    plans.push({
      request,
      payloads,
      note: `${payloads.length} consumption message(s) from ${formatDateTime(from)} to the appointment of ${ads} on ${formatDateTime(appointment.from)} replayed on PUB-016`,
    });
  }

  const count = plans.reduce((n, p) => n + p.payloads.length, 0);
  let seq = count > 0 ? await deps.store.reserveSequence(count, deps.now) : 0;
  for (const { request, payloads, note } of plans) {
    const ads = request.senderId;
    for (const { eventCode, payload } of payloads) {
      const leaf = deps.catalogue.leaves.get(leafKey(CHANNEL, eventCode, VERSION));
      const check = leaf ? deps.schemas.forLeaf(leaf) : null;
      if (!check || !check.validate(payload)) {
        // An archived message the IF-016 schema cannot carry (an older version of its channel): said, not sent.
        out.journal.push(
          entryFor(
            request,
            deps.now,
            'Addressing',
            'Failed',
            400,
            msgText('MSG1001'),
            `a ${eventCode} replay did not fit the IF-016 schema and was not sent`,
          ),
        );
        continue;
      }
      const s = seq++;
      const s1 = (payload.CommonBlock as Json).S1 as Json;
      const m: ArchivedMessage = {
        seq: s,
        transactionId: transactionId(CHANNEL, deps.dipId, DIP_ROLE, day, s),
        channel: CHANNEL,
        eventCode,
        schemaVersion: VERSION,
        senderUniqueReference: s1.senderUniqueReference as string,
        senderId: deps.dipId,
        senderRole: DIP_ROLE,
        dcpId: null,
        callerId: deps.dipId,
        correlationId: request.correlationId,
        senderCorrelationId: request.correlationId,
        mpan: request.mpan,
        receivedAt: deps.now,
        requestId: deps.requestId,
        payload: Buffer.from(JSON.stringify(payload)),
        recipients: { primaryRecipients: [ads], recipients: [{ dipId: ads, role: 'ADS', kind: 'primary' }] },
      };
      out.messages.push(m);
      out.derivedFrom.set(s, request.seq);
      out.deliveries.push({ messageSeq: s, recipientId: ads, role: 'ADS', channel: CHANNEL, publicationId: 'PUB-016' });
      out.journal.push(
        entryFor(
          m,
          deps.now,
          'Inbound',
          'GoodToGo',
          201,
          msgText('MSG0000'),
          `consumption replay for ${request.transactionId}`,
        ),
      );
    }
    out.journal.push(entryFor(request, deps.now, 'Addressing', 'OK', 200, null, note));
  }
  return out;
}

function entryFor(
  m: ArchivedMessage,
  at: number,
  stage: JournalEntry['stage'],
  status: string,
  statusCode: number,
  message: string | null,
  reason: string | null,
): JournalEntry {
  return journalEntry(at, subjectOf(m), { stage, status, statusCode, message, reason });
}
