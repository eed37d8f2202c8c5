/** What the sink reads of one item of a call, and of the X-DIP-MPO header that names its recipient. */
import { getProperty } from '../validation/canonical.js';
import type { RcpCode } from './rcp.js';

/** What a response item needs of one received item, and what is wrong with it at a glance. */
/** What a webhook call carries: the messages of a channel, or status messages. */
export type CallKind = 'messages' | 'status';

export interface ItemFacts {
  transactionID: string | null;
  sur: string | null;
  correlationID: string | null;
  /** Who sent the item: S1.senderDIPID of a message, senderID of a status item. */
  sender: string | null;
  /** S0.interfaceID of a message. */
  channel: string | null;
  problem: { code: RcpCode; help: string } | null;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const isObject = (v: unknown): v is object => v !== null && typeof v === 'object' && !Array.isArray(v);

export function factsOf(kind: CallKind, item: unknown): ItemFacts {
  if (kind === 'status') {
    return {
      transactionID: str(getProperty(item, 'transactionID')),
      sur: str(getProperty(item, 'senderUniqueReference')),
      correlationID: str(getProperty(item, 'correlationID')),
      sender: str(getProperty(item, 'senderID')),
      channel: null,
      problem: isObject(item)
        ? null
        : { code: 'RCP1001', help: 'a status item must be a StandardResponseBodyType object' },
    };
  }
  const payload = getProperty(item, 'payload');
  const common = getProperty(payload, 'CommonBlock');
  const d0 = getProperty(common, 'D0');
  const s1 = getProperty(common, 'S1');
  const transactionID = str(getProperty(d0, 'transactionID'));
  const problem: ItemFacts['problem'] =
    !isObject(payload) || !isObject(common)
      ? { code: 'RCP1001', help: 'the element is not {"payload": {"CommonBlock": {...}, ...}}' }
      : transactionID === null
        ? {
            code: 'RCP1043',
            help: 'CommonBlock.D0.transactionID is missing: the DIP fills D0 on every message it delivers',
          }
        : null;
  return {
    transactionID,
    sur: str(getProperty(s1, 'senderUniqueReference')),
    correlationID: str(getProperty(d0, 'initialCorrelationID')) ?? str(getProperty(s1, 'senderCorrelationID')),
    sender: str(getProperty(s1, 'senderDIPID')),
    channel: str(getProperty(getProperty(common, 'S0'), 'interfaceID')),
    problem,
  };
}

/** The logical recipient named by X-DIP-MPO (a JSON object), when the header is there and readable. */
export function readMpo(value: string | undefined): { mpo: unknown; dipId: string | null } {
  if (value === undefined) return { mpo: null, dipId: null };
  try {
    const mpo: unknown = JSON.parse(value);
    return { mpo, dipId: str(getProperty(mpo, 'dipId')) };
  } catch {
    return { mpo: value, dipId: null };
  }
}
