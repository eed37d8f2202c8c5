/**
 * Addressing (seed §4.3.1): who receives a message. Primary recipients are named by the sender in A0;
 * secondary ones are found from the MPAN; "always" ones come from the channel. A message goes once to each
 * (participant, role) pair entitled to it, so a participant holding two recipient roles gets it twice.
 * Pure: the registry and MPAN lookups are passed in.
 */
import { SERVICES, type Service } from '../domain/appointments.js';
import { type RecipientRules } from '../catalogue/rules.js';
import type { Participant, Role } from '../domain/model.js';
import type { MsgCode } from '../domain/responses.js';

/**
 * Services an MPAN may lack in the normal course (no metering or data service appointed yet, no smart
 * meter and so no MDR): not finding one is not an addressing error. Every registered MPAN has a supplier,
 * a distributor and a registration service, so missing one of those is (MSG1038).
 */
const OPTIONAL_SERVICES: ReadonlySet<Service> = new Set(['MS', 'DS', 'MDR']);

export type RecipientKind = 'primary' | 'secondary' | 'always';

export interface Recipient {
  dipId: string;
  role: Role;
  kind: RecipientKind;
}

export interface AddressingProblem {
  code: MsgCode;
  help: string;
}

export interface RoutingFacts {
  /** A0.primaryRecipients as sent; null when the message has no A0. */
  primaryRecipients: string[] | null;
  /** M0.MPANCore (M1.principalMPAN on IF-019/IF-020); null without an MPAN block. */
  mpan: string | null;
  /** The distributor named in M0/M1. */
  distributor: string | null;
  senderId: string;
  senderRole: string;
}

export interface Directory {
  participant(dipId: string): Participant | undefined;
  holders(role: Role): Participant[];
}

export interface Resolution {
  recipients: Recipient[];
  problems: AddressingProblem[];
}

export function resolveRecipients(
  rules: RecipientRules,
  facts: RoutingFacts,
  directory: Directory,
  serving: (mpan: string, service: Service) => string | null,
): Resolution {
  const recipients: Recipient[] = [];
  const problems: AddressingProblem[] = [];
  const seen = new Set<string>();
  const add = (dipId: string, role: Role, kind: RecipientKind): void => {
    const key = `${dipId}|${role}`;
    // A sender is not sent its own message back in the role it sent it in.
    if (seen.has(key) || (dipId === facts.senderId && role === facts.senderRole)) return;
    seen.add(key);
    recipients.push({ dipId, role, kind });
  };

  if (rules.primary.length > 0) {
    const named = [...new Set((facts.primaryRecipients ?? []).filter((id): id is string => typeof id === 'string'))];
    if (named.length === 0 && rules.primaryRequired) {
      problems.push({
        code: 'MSG1031',
        help: `A0.primaryRecipients must name the recipient (a participant in role ${rules.primary.join(' or ')})`,
      });
    }
    for (const id of named) {
      const p = directory.participant(id);
      if (!p) {
        problems.push({ code: 'MSG1031', help: `primary recipient '${id}' is not a DIP participant` });
        continue;
      }
      const held = rules.primary.filter((r) => p.roles.includes(r));
      if (held.length === 0) {
        problems.push({
          code: 'MSG1032',
          help: `primary recipient ${id} holds none of the roles that receive this channel (${rules.primary.join(', ')})`,
        });
        continue;
      }
      for (const role of held) add(id, role, 'primary');
    }
  }

  if (rules.secondary.length > 0) {
    if (facts.mpan === null) {
      problems.push({
        code: 'MSG1037',
        help: `recipients ${rules.secondary.join(', ')} are found from the MPAN, and the message has none`,
      });
    } else {
      for (const service of rules.secondary) {
        const id = service === 'LDSO' && facts.distributor ? facts.distributor : serving(facts.mpan, service);
        if (id === null) {
          if (!OPTIONAL_SERVICES.has(service))
            problems.push({ code: 'MSG1038', help: `no ${service} is known for MPAN ${facts.mpan}` });
          continue;
        }
        const p = directory.participant(id);
        if (!p) {
          problems.push({
            code: 'MSG1033',
            help: `the ${service} of MPAN ${facts.mpan}, '${id}', is not a DIP participant`,
          });
          continue;
        }
        const held = (SERVICES[service] as readonly Role[]).filter((r) => p.roles.includes(r));
        if (held.length === 0) {
          problems.push({
            code: 'MSG1034',
            help: `the ${service} of MPAN ${facts.mpan}, ${id}, holds no ${service} role (${SERVICES[service].join(', ')})`,
          });
          continue;
        }
        for (const role of held) add(id, role, 'secondary');
      }
    }
  }

  for (const a of rules.always) {
    if ('participant' in a) {
      const p = directory.participant(a.participant);
      if (!p) problems.push({ code: 'MSG1035', help: `always recipient '${a.participant}' is not a DIP participant` });
      else if (!p.roles.includes(a.role))
        problems.push({ code: 'MSG1036', help: `always recipient ${a.participant} does not hold role ${a.role}` });
      else add(a.participant, a.role, 'always');
    } else {
      for (const p of directory.holders(a.role)) add(p.dipId, a.role, 'always');
    }
  }
  return { recipients, problems };
}

/** A0 as the recipient sees it: the sender's primary list, and the secondary and always recipients the DIP resolved. */
export function addressingBlock(
  primaryRecipients: readonly string[] | null,
  recipients: readonly { dipId: string; kind: RecipientKind }[],
): { primaryRecipients: string[]; secondaryRecipients: string[]; always: string[] } {
  const ids = (kind: RecipientKind): string[] => [
    ...new Set(recipients.filter((r) => r.kind === kind).map((r) => r.dipId)),
  ];
  return {
    primaryRecipients: [...(primaryRecipients ?? [])],
    secondaryRecipients: ids('secondary'),
    always: ids('always'),
  };
}
