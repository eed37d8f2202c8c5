/**
 * The DIP's rules per channel (catalogue/channels.json): who may send, whether the DIP creates or copies a
 * workflow correlation id, who receives and how (primary, secondary by MPAN, always), what each recipient
 * role may not see, and how the channel's messages change the MPAN registry. Parsed and checked at load.
 */
import { isRole, type Role } from '../domain/model.js';
import { isService, type Service } from '../domain/appointments.js';

type JsonObject = Record<string, unknown>;

export type CorrelationRule = 'create' | 'copy' | 'none';


export type AlwaysRecipient = { role: Role } | { participant: string; role: Role };

export interface RecipientRules {
  /** Roles in which a participant named in A0.primaryRecipients may receive; empty: no primary addressing. */
  primary: Role[];
  /** The sender must name at least one primary recipient. */
  primaryRequired: boolean;
  /** Services resolved by MPAN lookup. */
  secondary: Service[];
  always: AlwaysRecipient[];
}

export interface RegistryUpdateRule {
  /** Bracketed event codes it applies to; absent: every event. */
  events?: string[];
  service: Service;
  action: 'appoint' | 'end';
  /** JSON pointer into the payload, or `$sender`. */
  participant: string;
  /** For `appoint`: pointer to the effective-from date-time, or `$received`. */
  from?: string;
  /** For `end`: pointer to the effective-to date-time, or `$received`. */
  to?: string;
}

export interface EventRule {
  senders: Role[];
  correlation: CorrelationRule;
  recipients: RecipientRules;
  /** Recipient role → JSON pointers of what that role must not see. */
  obfuscation: Record<string, string[]>;
}

export interface ChannelRule extends EventRule {
  id: string;
  name: string;
  publication: string;
  securityCategory: 1 | 2 | 3 | 4;
  /** Per bracketed event code, where the rule differs from the channel's. */
  events: Record<string, Partial<EventRule>>;
  registryUpdates: RegistryUpdateRule[];
  notes: string[];
}

const NO_RECIPIENTS: RecipientRules = { primary: [], primaryRequired: false, secondary: [], always: [] };

function fail(where: string, what: string): never {
  throw new Error(`catalogue/channels.json ${where}: ${what}`);
}

function roles(list: unknown, where: string): Role[] {
  if (!Array.isArray(list)) fail(where, 'expected a list of roles');
  for (const r of list) if (typeof r !== 'string' || !isRole(r)) fail(where, `unknown role ${String(r)}`);
  return list as Role[];
}

function correlation(value: unknown, where: string): CorrelationRule {
  if (value === 'create' || value === 'copy' || value === 'none') return value;
  return fail(where, 'correlation must be create, copy or none');
}

function recipients(raw: unknown, where: string): RecipientRules {
  if (raw === undefined) return NO_RECIPIENTS;
  const r = raw as JsonObject;
  const secondary = (r.secondary ?? []) as unknown[];
  for (const s of secondary) if (!isService(s)) fail(where, `unknown service ${String(s)}`);
  const always = ((r.always ?? []) as JsonObject[]).map((a) => {
    const [role] = roles([a.role], `${where} always`);
    if (a.participant === undefined) return { role: role! };
    if (typeof a.participant !== 'string' || a.participant.length !== 10) fail(where, `always participant must be a 10-character DIP id`);
    return { participant: a.participant, role: role! };
  });
  return { primary: roles(r.primary ?? [], `${where} primary`), primaryRequired: r.primaryRequired === true, secondary: secondary as Service[], always };
}

function obfuscation(raw: unknown, where: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [role, pointers] of Object.entries((raw ?? {}) as Record<string, unknown>)) {
    roles([role], `${where} obfuscation`);
    if (!Array.isArray(pointers) || pointers.some((p) => typeof p !== 'string' || !p.startsWith('/'))) fail(where, 'obfuscation pointers must be JSON pointers');
    out[role] = pointers as string[];
  }
  return out;
}

function registryUpdates(raw: unknown, where: string): RegistryUpdateRule[] {
  return ((raw ?? []) as JsonObject[]).map((u) => {
    if (!isService(u.service)) fail(where, `registry update with unknown service ${String(u.service)}`);
    if (u.action !== 'appoint' && u.action !== 'end') fail(where, 'registry update action must be appoint or end');
    const pointer = (v: unknown): v is string => typeof v === 'string' && (v.startsWith('/') || v.startsWith('$'));
    if (!pointer(u.participant)) fail(where, 'registry update needs a participant pointer');
    const date = u.action === 'appoint' ? u.from : u.to;
    if (!pointer(date)) fail(where, `registry update ${u.action} needs a ${u.action === 'appoint' ? 'from' : 'to'} pointer`);
    return {
      ...(u.events ? { events: u.events as string[] } : {}),
      service: u.service, action: u.action, participant: u.participant,
      ...(u.action === 'appoint' ? { from: date } : { to: date }),
    };
  });
}

export function parseRules(raw: JsonObject): Map<string, ChannelRule> {
  const channels = new Map<string, ChannelRule>();
  for (const [id, body] of Object.entries((raw.channels ?? {}) as Record<string, JsonObject>)) {
    const events: ChannelRule['events'] = {};
    for (const [code, e] of Object.entries((body.events ?? {}) as Record<string, JsonObject>)) {
      const where = `${id} ${code}`;
      events[code] = {
        ...(e.senders !== undefined ? { senders: roles(e.senders, where) } : {}),
        ...(e.correlation !== undefined ? { correlation: correlation(e.correlation, where) } : {}),
        ...(e.recipients !== undefined ? { recipients: recipients(e.recipients, where) } : {}),
        ...(e.obfuscation !== undefined ? { obfuscation: obfuscation(e.obfuscation, where) } : {}),
      };
    }
    channels.set(id, {
      id,
      name: String(body.name ?? id),
      publication: String(body.publication ?? id.replace(/^IF-/, 'PUB-')),
      securityCategory: (body.securityCategory ?? 2) as ChannelRule['securityCategory'],
      senders: roles(body.senders ?? [], id),
      correlation: correlation(body.correlation ?? 'none', id),
      recipients: recipients(body.recipients, id),
      obfuscation: obfuscation(body.obfuscation, id),
      registryUpdates: registryUpdates(body.registryUpdates, id),
      events,
      notes: (body.notes ?? []) as string[],
    });
  }
  return channels;
}

/** The rule that applies to one event on a channel. */
export function ruleFor(rule: ChannelRule, eventCode: string): EventRule {
  const e = rule.events[eventCode];
  return {
    senders: e?.senders ?? rule.senders,
    correlation: e?.correlation ?? rule.correlation,
    recipients: e?.recipients ?? rule.recipients,
    obfuscation: e?.obfuscation ?? rule.obfuscation,
  };
}

/** The registry updates a message on this channel and event makes. */
export function registryUpdatesFor(rule: ChannelRule, eventCode: string): RegistryUpdateRule[] {
  return rule.registryUpdates.filter((u) => !u.events || u.events.includes(eventCode));
}
