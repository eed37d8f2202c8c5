/**
 * The demo market at run time. On first start: its participants, who serves its MPANs, and a sample batch
 * per channel addressed so that it routes cleanly. On every start: one in-process sink receiving every
 * publication and status message for the demo participants, so messages visibly flow end to end
 * (DATA_DIR/demo/inbox.jsonl). Webhooks the DIP registered for the demo are re-pointed at each start; a
 * webhook a user registered is left alone.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Catalogue } from '../catalogue/catalogue.js';
import { registryUpdatesFor, ruleFor, type EventRule } from '../catalogue/rules.js';
import { SERVICES, type Service } from '../domain/appointments.js';
import { setPointer } from '../domain/pointer.js';
import type { Role } from '../domain/model.js';
import { buildBatch } from '../catalogue/messages.js';
import type { KeyAndCertificate } from '../crypto/devpki.js';
import {
  demoFilePath,
  DEMO_PARTICIPANTS,
  ensureDemoMarket,
  pkiPaths,
  readDemoFile,
  writeDemoFile,
  writeDemoSamples,
  type DemoParticipant,
} from './market.js';
import { DEMO_MPAN, DEMO_MPANS, demoAppointments, describeDemoMpans } from './mpans.js';
import type { Registry } from '../registry/registry.js';
import type { MpanStore, PortalUserStore, WebhookStore } from '../storage/ports.js';
import { startSink } from '../sink/sink.js';
import { type Sink } from '../sink/types.js';
import { eventCodesOf } from '../catalogue/catalogue.js';
import { STATUS_CHANNEL } from '../domain/delivery.js';
import { WHOLE } from '../domain/entitlement.js';

/** Roles that receive a channel under any of its event rules. */
function receivingRoles(catalogue: Catalogue, channel: string): Set<Role> {
  const rule = catalogue.channels.get(channel)!;
  const roles = new Set<Role>();
  const add = (r: EventRule): void => {
    r.recipients.primary.forEach((x) => roles.add(x));
    r.recipients.secondary.forEach((s) => SERVICES[s].forEach((x) => roles.add(x)));
    r.recipients.always.forEach((a) => roles.add(a.role));
  };
  add(ruleFor(rule, ''));
  for (const code of Object.keys(rule.events)) add(ruleFor(rule, code));
  return roles;
}

const DEMO_SERVICES = DEMO_MPANS[0]!.services as Record<Service, string>;

/** Whether the demo's IF-021 sample is about `mpan` and participants.json lists every demo MPAN. */
function isCurrent(dataDir: string, mpan: string): boolean {
  const sample = join(dataDir, 'demo', 'samples', 'IF-021.json');
  if (!existsSync(sample) || !readFileSync(sample, 'utf8').includes(`"${mpan}"`)) return false;
  if (!existsSync(demoFilePath(dataDir))) return false;
  const listed = new Set((readDemoFile(demoFilePath(dataDir)).mpans ?? []).map((m) => m.mpan));
  return DEMO_MPANS.every((m) => listed.has(m.mpan));
}

/** Creates the demo market unless it exists; returns its participants when it was created now. */
export async function prepareDemo(
  catalogue: Catalogue,
  registry: Registry,
  store: MpanStore & PortalUserStore,
  o: { dataDir: string; ca: KeyAndCertificate; environment: string; now: number },
): Promise<DemoParticipant[] | null> {
  const participants = await ensureDemoMarket(registry, store, o.dataDir, o.ca);
  // A demo market an earlier version made may name another demo MPAN (one whose check digit was wrong),
  // or fewer of them: its samples are written again and the MPANs appointed, so the banner's commands work.
  if (!participants && isCurrent(o.dataDir, DEMO_MPAN)) return null;
  await store.applyMpanChanges(demoAppointments());
  const channels = [...catalogue.channels.values()].map((c) => {
    const eventCode = eventCodesOf(catalogue, c.id)[0] ?? '';
    return { channel: c.id, eventCode, senders: ruleFor(c, eventCode).senders };
  });
  writeDemoSamples(o.dataDir, channels, (channel, eventCode, sender, role, count) => {
    // A sender that must name its recipient names a demo participant in a role that receives the channel.
    const primary = ruleFor(catalogue.channels.get(channel)!, eventCode).recipients.primary;
    const recipient = DEMO_PARTICIPANTS.find((p) => p.dipId !== sender && p.roles.some((r) => primary.includes(r)));
    const batch = buildBatch(
      catalogue,
      {
        channel,
        eventCode,
        sender,
        role,
        environment: o.environment,
        mpan: DEMO_MPAN,
        distributor: DEMO_SERVICES.LDSO,
        ...(recipient ? { primaryRecipients: [recipient.dipId] } : {}),
      },
      count,
    );
    // Registration samples name the demo's own appointees, so sending them keeps the demo market routable:
    // appointments re-appoint who already serves, de-appointments name nobody the demo depends on.
    for (const { payload } of batch) {
      for (const u of registryUpdatesFor(catalogue.channels.get(channel)!, eventCode)) {
        if (u.participant.startsWith('/'))
          setPointer(payload, u.participant, u.action === 'appoint' ? DEMO_SERVICES[u.service] : '1999999999');
      }
    }
    return batch;
  });
  // Written now, so a start cut short still leaves the keys just issued; the URL is settled once listening.
  if (participants)
    writeDemoFile(o.dataDir, {
      baseUrl: '',
      environment: o.environment,
      caCertificatePath: pkiPaths(o.dataDir).caCert,
      participants,
      mpans: describeDemoMpans(participants),
    });
  return participants;
}

export async function startDemoSinks(
  catalogue: Catalogue,
  store: WebhookStore,
  participants: DemoParticipant[],
  options: { dataDir: string; caPem: string; dipId: string; now: number },
): Promise<{ sink: Sink; inbox: string }> {
  const inbox = join(options.dataDir, 'demo', 'inbox.jsonl');
  const sink = await startSink({ trustedCa: [options.caPem], out: inbox, keep: false });
  const subscriptions: { recipientId: string; channel: string }[] = [];
  for (const channel of catalogue.channels.keys()) {
    const roles = receivingRoles(catalogue, channel);
    for (const p of participants)
      if (p.roles.some((r) => roles.has(r))) subscriptions.push({ recipientId: p.dipId, channel });
  }
  for (const p of participants) subscriptions.push({ recipientId: p.dipId, channel: STATUS_CHANNEL });
  const repointed = [];
  for (const { recipientId, channel } of subscriptions) {
    const existing = (await store.webhooks(recipientId, channel)).find((w) => w.role === WHOLE);
    if (existing && existing.configuredBy !== options.dipId) continue;
    repointed.push({
      recipientId,
      channel,
      role: WHOLE,
      callbackUrl: `${sink.url}/${recipientId}/${channel}`,
      maxMessageCount: 1000,
      maxPayloadKb: 10_240,
      configuredBy: options.dipId,
    });
  }
  // One transaction for the few hundred webhooks rather than one each: a commit is a disk flush, and one
  // each held every demo start up for a second or more. A kill -9 meanwhile leaves all of them pointing at
  // the last start's receiver or all at this one's; the next start re-points them either way.
  if (repointed.length > 0) await store.saveWebhooks(repointed, options.now);
  return { sink, inbox };
}
