/**
 * Level 1 data checks on a schema-valid message (seed §4.4.3): each failure rejects that message only.
 * Pure: everything they need is passed in.
 */
import { ruleFor, type ChannelRule } from '../catalogue/catalogue.js';
import { invalidMpans, type MpanField, type MpanFinding } from '../catalogue/mpan-fields.js';
import { correlationProblem, surProblem } from '../domain/ids.js';
import type { Caller, SenderBlock } from '../domain/model.js';
import { mpanCoreProblem } from '../domain/mpan.js';
import type { MsgCode } from '../domain/responses.js';
import { parseDateTime } from '../domain/time.js';
import type { RegistryView } from '../registry/registry.js';

export interface Problem {
  code: MsgCode;
  help: string;
}

export interface StaticContext {
  channel: string;
  /** The environment this DIP instance runs as. */
  environment: string;
  now: number;
  /** How far ahead of the DIP's clock a senderTimestamp may be. */
  maxFutureMs: number;
  /** Decode ECS reports' compressedReport and validate the report too. */
  checkReports?: boolean;
  /** `CHANNEL|schemaVersion` pairs closed for ingress. */
  closedVersions?: ReadonlySet<string>;
}

/**
 * Checks that need no knowledge of the caller: they are also what /validate reports. Each runs only when
 * the fields it reads are strings, so a message with schema problems still gets its data problems named.
 */
export function staticProblems(s1: Partial<Record<keyof SenderBlock, unknown>>, ctx: StaticContext): Problem[] {
  const problems: Problem[] = [];
  const text = (v: unknown): v is string => typeof v === 'string';
  if (text(s1.environmentTag) && s1.environmentTag !== ctx.environment) {
    problems.push({
      code: 'MSG1000',
      help: `environmentTag '${s1.environmentTag}' does not match this DIP instance, which runs as '${ctx.environment}'`,
    });
  }
  if (text(s1.senderUniqueReference) && text(s1.senderDIPID) && text(s1.senderRoleID)) {
    const sur = surProblem(s1.senderUniqueReference, ctx.channel, s1.senderDIPID, s1.senderRoleID);
    if (sur) problems.push({ code: 'MSG1006', help: sur });
  }
  if (text(s1.senderTimestamp)) {
    const sent = parseDateTime(s1.senderTimestamp);
    if (sent === null) {
      problems.push({
        code: 'MSG1007',
        help: `senderTimestamp '${s1.senderTimestamp}' is not a valid date-time; use YYYY-MM-DDThh:mm:ss+hh:mm, e.g. 2024-03-21T19:05:00+00:00`,
      });
    } else if (sent - ctx.now > ctx.maxFutureMs) {
      problems.push({
        code: 'MSG1007',
        help: `senderTimestamp '${s1.senderTimestamp}' is in the future by the DIP's clock (${new Date(ctx.now).toISOString()}); send the time the message was sent, in UTC or with its offset`,
      });
    }
  }
  if (text(s1.senderCorrelationID)) {
    const c = correlationProblem(s1.senderCorrelationID);
    if (c) problems.push({ code: 'MSG1012', help: c });
  }
  return problems;
}

export interface EntitlementContext {
  channel: string;
  eventCode: string;
  rule: ChannelRule;
  caller: Caller;
  registry: RegistryView;
}

/** Is the logical sender entitled to send this, and is the physical sender entitled to send for it? */
export function entitlementProblem(s1: SenderBlock, ctx: EntitlementContext): Problem | null {
  const { registry, caller } = ctx;
  const sender = registry.participant(s1.senderDIPID);
  if (!sender) return { code: 'MSG1009', help: `senderDIPID '${s1.senderDIPID}' is not a registered DIP participant` };
  const dcp = s1.DIPConnectionProviderID;
  if (caller.dipId === s1.senderDIPID) {
    if (dcp !== null) {
      return {
        code: 'MSG1011',
        help: `DIPConnectionProviderID '${dcp}' is set but the message was sent by ${caller.dipId} itself; send null when not sending through a DCP`,
      };
    }
  } else {
    const callerIsDcp = registry.participant(caller.dipId)?.roles.includes('DCP') ?? false;
    if (!callerIsDcp) {
      return {
        code: 'MSG1009',
        help: `senderDIPID '${s1.senderDIPID}' is not the authenticated sender ${caller.dipId}; a participant may only send as itself`,
      };
    }
    if (dcp !== caller.dipId) {
      return {
        code: 'MSG1011',
        help: `DIPConnectionProviderID must be ${caller.dipId}, the DIP Connection Provider that sent the message, not ${JSON.stringify(dcp)}`,
      };
    }
    if (registry.dcpFor(s1.senderDIPID, s1.senderRoleID) !== caller.dipId) {
      return {
        code: 'MSG1011',
        help: `${caller.dipId} is not the DIP Connection Provider of ${s1.senderDIPID} for role ${s1.senderRoleID}`,
      };
    }
  }
  if (!sender.roles.includes(s1.senderRoleID as never)) {
    return {
      code: 'MSG1010',
      help: `senderRoleID '${s1.senderRoleID}' is not a role of ${s1.senderDIPID} (it holds ${sender.roles.join(', ') || 'no roles'})`,
    };
  }
  const allowed = ruleFor(ctx.rule, ctx.eventCode).senders;
  if (!allowed.includes(s1.senderRoleID as never)) {
    return {
      code: 'MSG1010',
      help:
        allowed.length === 0
          ? `${ctx.channel} ${ctx.eventCode} is published by the DIP itself; no participant may send it`
          : `role ${s1.senderRoleID} may not send ${ctx.channel} ${ctx.eventCode}; senders are ${allowed.join(', ')}`,
    };
  }
  return null;
}

/**
 * Every MPAN core of a message whose check digit is wrong, one MSG1039 each, naming the field, the value
 * and the check digit it should have. `payload` must be canonically spelled: the fields are read by name.
 */
export function mpanProblems(payload: unknown, fields: readonly MpanField[]): Problem[] {
  return invalidMpans(payload, fields).map(mpanProblem);
}

export function mpanProblem({ field, value }: MpanFinding): Problem {
  return {
    code: 'MSG1039',
    help:
      typeof value === 'string'
        ? `${field} '${value}' is not a valid MPAN: ${mpanCoreProblem(value)}`
        : `${field} ${JSON.stringify(value)} is not a valid MPAN: an MPAN core is 13 digits`,
  };
}
