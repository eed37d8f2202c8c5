/**
 * The portal's requeue pages: a filter whose count is shown before anything is sent, then the requeue's
 * progress as requeueStatus reports it (the page refreshes itself while it runs, without JavaScript). Pure.
 */
import { html, queryString, type Html } from './html.js';

export const REQUEUE_FIELDS = [
  ['datetimeFrom', 'From (e.g. 2026-12-04T00:00:00Z)'],
  ['datetimeTo', 'To'],
  ['MPAN', 'MPAN (not for STATUS)'],
  ['eventCode', 'Event code, e.g. [ActivePower] (not for STATUS)'],
] as const;

/** The replay and requeue filter: a GET form, so that its count is a bookmarkable page. */
export function filterForm(action: string, channels: string[], query: Record<string, string>): Html {
  const channel = query.channel ?? '';
  return html`<form class="search" method="get" action="${action}">
    <label
      >Channel
      <select name="channel">
        ${channels.map((c) => html`<option value="${c}" ${c === channel ? 'selected' : ''}>${c}</option>`)}
      </select></label
    >
    ${REQUEUE_FIELDS.map(([name, label]) => html`<label>${label}<input name="${name}" value="${query[name] ?? ''}" /></label>`)}
    <div><button type="submit">Count messages</button></div>
  </form>`;
}

export interface RequeueRow {
  requeueId: string;
  percentComplete: number;
  totalTransactions: number;
  processedTransactions: number;
  status: string;
}

const progressLink = (channel: string, id: string): string =>
  `/portal/requeue/${encodeURIComponent(id)}${queryString({ channel })}`;

function requeueTable(channel: string, rows: RequeueRow[]): Html {
  return html`<table>
    <thead>
      <tr>
        <th scope="col">Requeue</th>
        <th scope="col">Status</th>
        <th scope="col">Done</th>
        <th scope="col">Messages</th>
      </tr>
    </thead>
    <tbody>
      ${rows.map(
        (r) =>
          html`<tr>
            <td><a href="${progressLink(channel, r.requeueId)}">${r.requeueId}</a></td>
            <td>${r.status}</td>
            <td>
              <progress max="100" value="${r.percentComplete}" aria-label="${r.requeueId} progress"></progress>
              ${r.percentComplete}%
            </td>
            <td>${r.processedTransactions} of ${r.totalTransactions}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

export function requeuePage(o: {
  csrf: string;
  channels: string[];
  query: Record<string, string>;
  preview: { count: number; atLeast: boolean } | null;
  recent: RequeueRow[];
  error: string | null;
}): Html {
  const channel = o.query.channel ?? '';
  const what = channel === 'STATUS' ? 'status messages' : `${channel} messages`;
  const n = o.preview ? `${o.preview.atLeast ? 'at least ' : ''}${o.preview.count}` : '';
  return html`<p>
      A requeue sends again, to your webhook, what the DIP sent you: each copy as it was first delivered, marked as a
      replay. Count first; nothing is sent until you press Requeue.
    </p>
    ${filterForm('/portal/requeue', o.channels, o.query)}
    ${o.error ? html`<p class="error" role="alert">${o.error}</p>` : ''}
    ${
      o.preview
        ? html`<p aria-label="Count"><strong>${n}</strong> ${what} match.</p>
            ${
              o.preview.count > 0
                ? html`<form method="post" action="/portal/requeue">
                    <input type="hidden" name="csrf" value="${o.csrf}" />${Object.entries(o.query).map(
                      ([k, v]) => html`<input type="hidden" name="${k}" value="${v}" />`,
                    )}
                    <button type="submit">Requeue ${n} ${o.preview.count === 1 ? 'message' : 'messages'}</button>
                  </form>`
                : ''
            }`
        : ''
    }
    ${
      o.recent.length > 0
        ? html`<h2>Your requeues of ${channel}</h2>
            ${requeueTable(channel, o.recent)}`
        : ''
    }`;
}

export function requeueProgressPage(o: { channel: string; requeue: RequeueRow }): Html {
  return html`${requeueTable(o.channel, [o.requeue])}
    <p role="status">
      ${
        o.requeue.status === 'Processing'
          ? 'Sending: this page refreshes every two seconds.'
          : `${o.requeue.status}: ${o.requeue.processedTransactions} of ${o.requeue.totalTransactions} done.`
      }
    </p>
    <p><a href="/portal/requeue${queryString({ channel: o.channel })}">Another requeue</a></p>`;
}
