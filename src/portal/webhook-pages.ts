/** The portal's webhook page: a participant's own webhooks per channel and for status messages. Pure. */
import { html, type Html } from './html.js';

export interface WebhookRow {
  channel: string;
  /** '' for the participant's own channel-wide webhook, else the role it serves. */
  role: string;
  callbackUrl: string;
  maxMessageCount: number;
  maxPayloadKb: number;
  configuredBy: string;
}

/** What a test call to a webhook was answered. */
export interface TestCallResult {
  channel: string;
  role: string;
  callbackUrl: string;
  /** The HTTP status, or null when no answer came. */
  status: number | null;
  /** Why no answer came (timeout, refused, network) and what the client said. */
  error: string | null;
  ms: number;
  /** The start of the answer's body. */
  answer: string;
}

const ANSWER_SHOWN = 500;

/**
 * What a test call's answer says of the webhook. The call carries no message, so a receiver that checks the
 * DIP's signature and certificate and then refuses an empty batch (400) was reached all the same. Pure.
 */
export function testVerdict(status: number | null): { ok: boolean; says: string } {
  if (status === null) return { ok: false, says: 'Deliveries to it would be retried until it answers.' };
  if (status >= 200 && status < 300) return { ok: true, says: 'Your webhook takes calls from the DIP.' };
  if (status === 400)
    return { ok: true, says: 'Your webhook was reached and refused a call with no message in it, as it may.' };
  if (status === 401 || status === 403)
    return { ok: false, says: "Your webhook refused the DIP's signature or certificate: deliveries would be refused." };
  if ([408, 429, 500, 502, 503, 504].includes(status)) return { ok: false, says: 'Deliveries to it would be retried.' };
  return { ok: false, says: 'Deliveries to it would be refused.' };
}

function testResult(t: TestCallResult): Html {
  const { ok, says } = testVerdict(t.status);
  return html`<section aria-labelledby="tested" class="${ok ? '' : 'error'}" role="status">
    <h2 id="tested">Test call to ${channelName(t.channel)}${t.role ? ` (${t.role})` : ''}</h2>
    <p>
      <code>POST ${t.callbackUrl}</code>
      ${t.status !== null ? `answered ${t.status}` : `had no answer: ${t.error ?? ''}`} in ${t.ms} ms. ${says}
    </p>
    ${t.answer ? html`<pre aria-label="Answer">${t.answer.slice(0, ANSWER_SHOWN)}</pre>` : ''}
  </section>`;
}

const channelName = (c: string): string => (c === 'STATUS' ? 'STATUS (status messages)' : c);

export function webhooksPage(o: {
  csrf: string;
  channels: string[];
  rows: WebhookRow[];
  notice: string | null;
  error: string | null;
  /** What the form shows again after a refusal. */
  draft: { channel: string; callbackURL: string; maxMessageCount: string; maxPayloadSize: string };
  tested?: TestCallResult | null;
}): Html {
  return html`${o.notice ? html`<p role="status">${o.notice}</p>` : ''} ${o.tested ? testResult(o.tested) : ''}
    ${o.error ? html`<p class="error" role="alert">${o.error}</p>` : ''}
    <h2>Configured</h2>
    ${
      o.rows.length === 0
        ? html`<p>No webhook yet: the DIP keeps what it has for you until you set one.</p>`
        : html`<table>
            <thead>
              <tr>
                <th scope="col">Channel</th>
                <th scope="col">Role</th>
                <th scope="col">Callback URL</th>
                <th scope="col">Max messages</th>
                <th scope="col">Max payload (KB)</th>
                <th scope="col">Set by</th>
                <th scope="col"><span class="muted">Test or remove</span></th>
              </tr>
            </thead>
            <tbody>
              ${o.rows.map(
                (r) =>
                  html`<tr>
                    <td>${channelName(r.channel)}</td>
                    <td>${r.role || 'all (channel-wide)'}</td>
                    <td>${r.callbackUrl}</td>
                    <td>${r.maxMessageCount}</td>
                    <td>${r.maxPayloadKb}</td>
                    <td>${r.configuredBy}</td>
                    <td>
                      <form method="post" action="/portal/webhooks/test">
                        <input type="hidden" name="csrf" value="${o.csrf}" /><input
                          type="hidden"
                          name="channel"
                          value="${r.channel}"
                        /><input type="hidden" name="role" value="${r.role}" /><button
                          type="submit"
                          aria-label="Send a test call to the ${r.channel}${r.role ? ` ${r.role}` : ''} webhook"
                        >
                          Send a test call
                        </button>
                      </form>
                      ${
                        r.role === ''
                          ? html`<form method="post" action="/portal/webhooks/remove">
                              <input type="hidden" name="csrf" value="${o.csrf}" /><input
                                type="hidden"
                                name="channel"
                                value="${r.channel}"
                              /><button type="submit" aria-label="Remove the ${r.channel} webhook">Remove</button>
                            </form>`
                          : ''
                      }
                    </td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
    <p class="muted">
      A test call is what a delivery sends, with no message in it: <code>POST</code> of <code>[]</code>, signed with the
      DIP's key, over mTLS, naming you in <code>X-DIP-MPO</code>. Your webhook should answer 2xx.
    </p>
    <h2>Set a webhook</h2>
    <p>Your channel-wide webhook for a channel, as <code>POST …/pubconfig/{your id}</code> sets it.</p>
    <form method="post" action="/portal/webhooks" class="search">
      <input type="hidden" name="csrf" value="${o.csrf}" />
      <label
        >Channel
        <select name="channel">
          ${o.channels.map(
            (c) => html`<option value="${c}" ${c === o.draft.channel ? 'selected' : ''}>${channelName(c)}</option>`,
          )}
        </select></label
      >
      <label>Callback URL <input name="callbackURL" type="url" required value="${o.draft.callbackURL}" /></label>
      <label
        >Max messages a call <input name="maxMessageCount" inputmode="numeric" value="${o.draft.maxMessageCount}"
      /></label>
      <label
        >Max payload (KB) <input name="maxPayloadSize" inputmode="numeric" value="${o.draft.maxPayloadSize}"
      /></label>
      <div><button type="submit">Save webhook</button></div>
    </form>`;
}
