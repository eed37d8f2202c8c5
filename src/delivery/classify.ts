/**
 * What a webhook's answer means for each message of the call (seed §4.6.6.1): delivered, rejected by the
 * recipient (relayed to the sender as a status message), held for operator action, or to be retried.
 * Pure.
 */

export type CallResult =
  | { kind: 'response'; status: number; retryAfter: string | undefined; text: string }
  | { kind: 'error'; reason: 'timeout' | 'refused' | 'network'; detail: string };

export type Verdict =
  | { outcome: 'delivered'; note: string | null }
  | { outcome: 'rejected'; message: string; help: string | null }
  | { outcome: 'held'; reason: string }
  | { outcome: 'retry'; reason: string };

export interface Classification {
  verdicts: Verdict[];
  /** Did the endpoint behave as a working service? Drives its circuit breaker. */
  healthy: boolean;
  /** Retry-After as sent, when the answer asks for a later retry. */
  retryAfter: string | undefined;
  status: number | null;
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorised',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  408: 'Request Timeout',
  413: 'Payload Too Large',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported',
};
const named = (status: number): string => `${status}${REASONS[status] ? ` ${REASONS[status]}` : ''}`;

/** Statuses worth trying again: the recipient could not take the messages now, but may later. */
const RETRY = new Set([408, 429, 500, 502, 503, 504]);
/** Statuses that say the recipient refused the messages themselves: the sender is told. */
const REJECT = new Set([400, 405, 406]);

interface ResponseItem {
  transactionID?: unknown;
  message?: unknown;
  help?: unknown;
}

function itemsOf(text: string): ResponseItem[] | null {
  try {
    const body = JSON.parse(text) as unknown;
    const list = Array.isArray(body) ? body : (body as { messageArray?: unknown })?.messageArray;
    return Array.isArray(list) ? (list as ResponseItem[]) : null;
  } catch {
    return null;
  }
}

const isSuccess = (message: unknown): boolean => typeof message === 'string' && /^(RCP|MSG)0000\b/.test(message.trim());

/**
 * Per-message results, matched to the call's messages by transaction id, else by position. A message the
 * answer says nothing about counts as received: the recipient took the call.
 */
function perMessage(
  text: string,
  transactionIds: readonly (string | null)[],
  fallback: (i: number) => Verdict,
): Verdict[] {
  const items = itemsOf(text);
  if (!items) return transactionIds.map((_, i) => fallback(i));
  const byId = new Map<string, ResponseItem>();
  for (const item of items) if (typeof item.transactionID === 'string') byId.set(item.transactionID, item);
  return transactionIds.map((id, i) => {
    const item = (id !== null ? byId.get(id) : undefined) ?? (byId.size === 0 ? items[i] : undefined);
    if (!item) return fallback(i);
    if (isSuccess(item.message)) return { outcome: 'delivered', note: null };
    return {
      outcome: 'rejected',
      message: typeof item.message === 'string' ? item.message : 'RCP1000 - Message Processing Failed',
      help: typeof item.help === 'string' ? item.help : null,
    };
  });
}

export function classify(result: CallResult, transactionIds: readonly (string | null)[]): Classification {
  const all = (v: Verdict): Verdict[] => transactionIds.map(() => v);
  if (result.kind === 'error') {
    return {
      verdicts: all({ outcome: 'retry', reason: `${result.reason}: ${result.detail}` }),
      healthy: false,
      retryAfter: undefined,
      status: null,
    };
  }
  const { status, text } = result;
  if (status === 207) {
    const verdicts = perMessage(text, transactionIds, () => ({
      outcome: 'delivered',
      note: 'UnknownDeliveryStatus: the 207 answer does not mention this message',
    }));
    return { verdicts, healthy: true, retryAfter: undefined, status };
  }
  if (status >= 200 && status < 300)
    return { verdicts: all({ outcome: 'delivered', note: null }), healthy: true, retryAfter: undefined, status };
  if (REJECT.has(status)) {
    const fallback = (): Verdict => ({
      outcome: 'rejected',
      message: 'RCP1000 - Message Processing Failed',
      help: `the recipient's webhook answered ${named(status)}`,
    });
    const verdicts = perMessage(text, transactionIds, fallback).map((v) =>
      v.outcome === 'delivered' ? fallback() : v,
    );
    return { verdicts, healthy: true, retryAfter: undefined, status };
  }
  if (RETRY.has(status) || (status > 505 && status < 600)) {
    return {
      verdicts: all({ outcome: 'retry', reason: `the webhook answered ${named(status)}` }),
      healthy: false,
      retryAfter: result.retryAfter,
      status,
    };
  }
  // 401, 403, 404, 413, 505 and anything unexpected: retrying will not help until someone acts.
  return {
    verdicts: all({
      outcome: 'held',
      reason: `the webhook answered ${named(status)}; held until the recipient fixes it and requeues or replays`,
    }),
    healthy: true,
    retryAfter: undefined,
    status,
  };
}
