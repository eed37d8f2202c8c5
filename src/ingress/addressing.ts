/**
 * Level 2, inside the accept transaction: registry changes made by registration messages, addressing of
 * every accepted message, the copies to deliver, and status messages to the sender for what could not be
 * addressed (MSG1030-MSG1038). The send API has already judged the message; problems here are reported
 * asynchronously, as the seed's Level 2 does.
 */
import { ruleFor, type ChannelRule } from '../catalogue/rules.js';
import { msgText } from '../domain/responses.js';
import type { RegistryView } from '../registry/registry.js';
import { MpanView, type RegistryChange } from '../routing/mpan-view.js';
import { resolveRecipients, type RoutingFacts } from '../routing/resolve.js';
import {
  journalEntry,
  subjectOf,
  type ArchivedMessage,
  type JournalEntry,
  type NewDelivery,
  type NewStatusMessage,
} from '../domain/archive.js';
import type { MpanChange } from '../domain/appointments.js';
import type { MpanStore } from '../storage/ports.js';
import type { TicketUrl } from '../domain/ticket.js';
import { routingFailure, withTicket } from '../status/items.js';

/** What examining a message found that routing needs. */
export interface AddressInput {
  message: ArchivedMessage;
  facts: RoutingFacts;
  changes: RegistryChange[];
}

export interface Addressed {
  deliveries: NewDelivery[];
  statusMessages: NewStatusMessage[];
  registryChanges: MpanChange[];
  journal: JournalEntry[];
}

export async function addressAccepted(
  inputs: AddressInput[],
  ctx: {
    rule: ChannelRule;
    registry: RegistryView;
    store: MpanStore;
    dipId: string;
    now: number;
    ticketUrl?: TicketUrl;
  },
): Promise<Addressed> {
  const routed: Addressed = { deliveries: [], statusMessages: [], registryChanges: [], journal: [] };
  if (inputs.length === 0) return routed;
  const rules = ctx.rule;
  const needsMpan = inputs.some(
    (i) =>
      i.facts.mpan !== null &&
      (ruleFor(rules, i.message.eventCode).recipients.secondary.length > 0 || i.changes.length > 0),
  );
  const view = new MpanView(
    needsMpan ? await ctx.store.appointments(inputs.flatMap((i) => (i.facts.mpan ? [i.facts.mpan] : []))) : [],
  );
  const entry = (
    m: ArchivedMessage,
    stage: JournalEntry['stage'],
    status: string,
    statusCode: number,
    message: string | null,
    reason: string | null,
  ): JournalEntry => journalEntry(ctx.now, subjectOf(m), { stage, status, statusCode, message, reason });

  for (const { message: m, facts, changes } of inputs) {
    const applied = changes.filter((c) => view.apply(c));
    for (const c of applied) routed.registryChanges.push({ ...c, sourceSeq: m.seq });
    if (applied.length > 0) {
      routed.journal.push(
        entry(
          m,
          'MPANUpdateQueue',
          'OK',
          200,
          null,
          applied.map((c) => `${c.service} ${c.action} ${c.participantId}`).join('; '),
        ),
      );
    }
    const { recipients, problems } = resolveRecipients(
      ruleFor(rules, m.eventCode).recipients,
      facts,
      ctx.registry,
      (mpan, service) => view.serving(mpan, service, m.receivedAt),
    );
    m.recipients = { primaryRecipients: facts.primaryRecipients ?? [], recipients };
    for (const r of recipients) {
      routed.deliveries.push({
        messageSeq: m.seq,
        recipientId: r.dipId,
        role: r.role,
        channel: m.channel,
        publicationId: rules.publication,
      });
    }
    for (const p of problems) {
      routed.journal.push(entry(m, 'Addressing', 'Failed', 400, msgText(p.code), p.help));
      routed.statusMessages.push({
        recipientId: m.senderId,
        role: m.senderRole,
        messageSeq: m.seq,
        item: withTicket(routingFailure(m, ctx.dipId, p.code, p.help, ctx.now), ctx.ticketUrl),
      });
    }
  }
  return routed;
}
