/**
 * Routing as the rules file states it, worked out from catalogue/channels.json directly rather than through
 * the DIP's own parser and resolver, so the tests compare two independent readings of the same data. Also
 * the demo market's cast and small helpers for sending a message and reading what the DIP made of it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/catalogue/load.js';
import { withCheckDigit } from '../../src/domain/mpan.js';
import { DEMO_PARTICIPANTS } from '../../src/demo/market.js';
import type { Sink } from '../../src/sink/types.js';
import type { TestDip } from '../helpers/dip.js';

export type Json = Record<string, unknown>;

export const ID = {
  SUP1: '1000000001',
  SUP2: '1000000002',
  REGS: '1100000001',
  SDS_ADS: '1200000001',
  ADS: '1200000002',
  MSS: '1300000001',
  MSA: '1300000002',
  UMSO: '1400000001',
  UMSDS: '1400000002',
  MDR: '1500000001',
  LDSO: '1600000001',
  MDS: '1700000001',
  LSS: '1700000002',
  VAS: '1700000003',
  ISD: '1700000004',
  EES: '1800000001',
  DCP: '1900000001',
} as const;

export const PARTICIPANTS: readonly { dipId: string; roles: readonly string[] }[] = DEMO_PARTICIPANTS;
export const holders = (role: string): string[] =>
  PARTICIPANTS.filter((p) => p.roles.includes(role)).map((p) => p.dipId);
export const rolesOf = (dipId: string): readonly string[] => PARTICIPANTS.find((p) => p.dipId === dipId)?.roles ?? [];

// A service is delivered in every role of its kind the serving participant holds, hence one copy per role.
const SERVICE_ROLES: Record<string, readonly string[]> = {
  SUP: ['SUP'],
  LDSO: ['LDSO'],
  MS: ['MSS', 'MSA', 'UMSO'],
  DS: ['SDS', 'ADS', 'UMSDS'],
  MDR: ['MDR'],
  REGS: ['REGS'],
};

interface RawRecipients {
  primary?: string[];
  primaryRequired?: boolean;
  secondary?: string[];
  always?: { role: string; participant?: string }[];
}
interface RawUpdate {
  events?: string[];
  service: string;
  action: 'appoint' | 'end';
  participant: string;
  from?: string;
  to?: string;
}
interface RawEvent {
  senders?: string[];
  recipients?: RawRecipients;
  obfuscation?: Record<string, string[]>;
}
interface RawChannel extends RawEvent {
  events?: Record<string, RawEvent>;
  registryUpdates?: RawUpdate[];
}

export const RULES = (
  JSON.parse(readFileSync(join(packageRoot(), 'catalogue', 'channels.json'), 'utf8')) as {
    channels: Record<string, RawChannel>;
  }
).channels;

export interface EffectiveRule {
  senders: string[];
  recipients: Required<RawRecipients>;
  obfuscation: Record<string, string[]>;
  updates: RawUpdate[];
}

/** An event's override replaces the channel's value for that key as a whole. */
export function effectiveRule(channel: string, eventCode: string): EffectiveRule {
  const c = RULES[channel];
  if (!c) throw new Error(`${channel} is not in channels.json`);
  const e = c.events?.[eventCode] ?? {};
  const r = e.recipients ?? c.recipients ?? {};
  return {
    senders: e.senders ?? c.senders ?? [],
    recipients: {
      primary: r.primary ?? [],
      primaryRequired: r.primaryRequired ?? false,
      secondary: r.secondary ?? [],
      always: r.always ?? [],
    },
    obfuscation: e.obfuscation ?? c.obfuscation ?? {},
    updates: (c.registryUpdates ?? []).filter((u) => !u.events || u.events.includes(eventCode)),
  };
}

export function getAt(value: unknown, pointer: string): unknown {
  let node = value;
  for (const key of pointer.slice(1).split('/'))
    node = node !== null && typeof node === 'object' ? (node as Json)[key] : undefined;
  return node;
}

export function setAt(payload: Json, pointer: string, value: unknown): void {
  const keys = pointer.slice(1).split('/');
  const parent = getAt(payload, `/${keys.slice(0, -1).join('/')}`);
  if (parent === null || typeof parent !== 'object') throw new Error(`the payload has no ${pointer}`);
  (parent as Json)[keys.at(-1)!] = value;
}

/** Who serves the MPAN, by service, as the test arranged it before a message arrives. */
export type Serving = Partial<Record<string, string>>;

export interface Situation {
  sender: string;
  senderRole: string;
  distributor: string;
  serving: Serving;
  /** A0.primaryRecipients as sent. */
  named: string[];
}

/**
 * The registry after a message's own updates. Only the Registration Service's messages count (seed §5.2);
 * the tests put effective dates in the past, so an appointment or an end takes effect at once.
 */
export function servingAfter(
  rule: EffectiveRule,
  payload: Json,
  s: Omit<Situation, 'serving'> & { serving: Serving },
): Serving {
  const out = { ...s.serving };
  if (s.senderRole !== 'REGS') return out;
  for (const u of rule.updates) {
    const who = u.participant === '$sender' ? s.sender : getAt(payload, u.participant);
    if (typeof who !== 'string') continue;
    if (u.action === 'appoint') out[u.service] = who;
    else if (out[u.service] === who) delete out[u.service];
  }
  return out;
}

/** `dipId/role` of every copy the rule entitles, one per (participant, role), never back to the sender's own role. */
export function expectedCopies(rule: EffectiveRule, s: Situation): string[] {
  const copies = new Set<string>();
  const add = (dipId: string, role: string): void => {
    if (!(dipId === s.sender && role === s.senderRole)) copies.add(copy(dipId, role));
  };
  const r = rule.recipients;
  for (const id of s.named) for (const role of r.primary) if (rolesOf(id).includes(role)) add(id, role);
  for (const service of r.secondary) {
    const id = service === 'LDSO' ? s.distributor : s.serving[service];
    if (id) for (const role of SERVICE_ROLES[service] ?? []) if (rolesOf(id).includes(role)) add(id, role);
  }
  for (const a of r.always) for (const id of a.participant ? [a.participant] : holders(a.role)) add(id, a.role);
  return [...copies].sort();
}

export const copy = (dipId: string, role: string): string => `${dipId}/${role}`;

let mpans = 0;
/** A fresh MPAN per case, so one case's registry changes cannot reach another. */
export const freshMpan = (): string => withCheckDigit(`195${String(++mpans).padStart(9, '0')}`);

export interface Sent {
  seq: number;
  transactionId: string;
  sur: string;
}

export async function sendOne(
  t: TestDip,
  as: string,
  channel: string,
  payload: Json,
  transport: 'inject' | 'socket' = 'inject',
): Promise<Sent> {
  const reply = await t.send({ as, channel, body: [{ payload }], transport });
  assert.equal(reply.status, 201, reply.text);
  const sur = getAt(payload, '/CommonBlock/S1/senderUniqueReference') as string;
  const archived = await t.dip.store.messageByReference(sur);
  assert.ok(archived, `${sur} is archived`);
  return { seq: archived.seq, transactionId: archived.transactionId, sur };
}

/** The copies the DIP created for a message, as `dipId/role`, sorted. */
export async function copiesOf(t: TestDip, seq: number): Promise<string[]> {
  return (await t.dip.store.deliveriesOf(seq)).map((d) => copy(d.recipientId, d.role ?? '?')).sort();
}

export interface Arrival {
  /** The webhook path: `/{dipId}/{channel}`. */
  path: string;
  mpo: { dipId?: string; role?: string | null } | null;
  payload: { CommonBlock: Record<string, Json>; CustomBlock: Json };
}

/** Every element carrying this transaction id that a webhook of the sink accepted. */
export function arrivals(sink: Sink, transactionId: string): Arrival[] {
  return sink
    .calls()
    .filter((c) => c.kind === 'messages' && c.status === 201)
    .flatMap((c) =>
      (c.items as { payload: Arrival['payload'] }[])
        .filter((i) => i.payload.CommonBlock.D0?.transactionID === transactionId)
        .map((i) => ({ path: c.path, mpo: c.mpo as Arrival['mpo'], payload: i.payload })),
    );
}

/** Status items about a transaction that reached `dipId`'s status webhook. */
export function statusesAt(sink: Sink, dipId: string, transactionId: string): Json[] {
  return sink
    .calls()
    .filter((c) => c.kind === 'status' && c.path === `/${dipId}/STATUS` && c.status === 201)
    .flatMap((c) => c.items as Json[])
    .filter((i) => i.transactionID === transactionId);
}
