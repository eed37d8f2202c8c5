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

const channelName = (c: string): string => (c === 'STATUS' ? 'STATUS (status messages)' : c);

export function webhooksPage(o: {
  csrf: string;
  channels: string[];
  rows: WebhookRow[];
  notice: string | null;
  error: string | null;
  /** What the form shows again after a refusal. */
  draft: { channel: string; callbackURL: string; maxMessageCount: string; maxPayloadSize: string };
}): Html {
  return html`${o.notice ? html`<p role="status">${o.notice}</p>` : ''}
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
                <th scope="col"><span class="muted">Remove</span></th>
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
