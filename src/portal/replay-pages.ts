/**
 * The portal's replay pages: a filter whose count is shown first, then the replay a page at a time, each
 * page's messages listed with a link to the original and downloadable as the replay API returns it. Pure.
 */
import { html, type Html } from './html.js';
import { filterForm } from './requeue-pages.js';

/** One replayed item as the page lists it: a message with its replay wrapper, or a status message. */
export interface ReplayRow {
  transactionID: string | null;
  originalTransactionID: string | null;
  eventCode: string | null;
  /** A status message's code and text. */
  message: string | null;
}

const hiddenFields = (query: Record<string, string>): Html[] =>
  Object.entries(query).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}" />`);

export function replayPage(o: {
  csrf: string;
  channels: string[];
  query: Record<string, string>;
  preview: { count: number; atLeast: boolean } | null;
  pageSize: number;
  error: string | null;
}): Html {
  const channel = o.query.channel ?? '';
  const what = channel === 'STATUS' ? 'status messages' : `${channel} messages`;
  const n = o.preview ? `${o.preview.atLeast ? 'at least ' : ''}${o.preview.count}` : '';
  return html`<p>
      A replay gives you back what the DIP sent you, as the replay API returns it: each message as it was delivered to
      your role, in a replay wrapper of its own. Count first; then read it ${o.pageSize} at a time, or download each
      page as JSON. Nothing is sent to your webhook (that is a requeue).
    </p>
    ${filterForm('/portal/replay', o.channels, o.query)}
    ${o.error ? html`<p class="error" role="alert">${o.error}</p>` : ''}
    ${
      o.preview
        ? html`<p aria-label="Count"><strong>${n}</strong> ${what} match.</p>
            ${
              o.preview.count > 0
                ? html`<form method="post" action="/portal/replay">
                    <input type="hidden" name="csrf" value="${o.csrf}" />${hiddenFields(o.query)}
                    <button type="submit">Replay ${n} ${o.preview.count === 1 ? 'message' : 'messages'}</button>
                  </form>`
                : ''
            }`
        : ''
    }`;
}

export function replayResultPage(o: {
  csrf: string;
  query: Record<string, string>;
  rows: ReplayRow[];
  /** Which page this is, from 1, and how many came before it. */
  page: number;
  before: number;
  /** The token of this page's request (to download it again), and of the next page's; null when none. */
  token: string | null;
  next: string | null;
}): Html {
  const form = (label: string, more: Record<string, string>) =>
    html`<form method="post" action="/portal/replay" class="inline">
      <input type="hidden" name="csrf" value="${o.csrf}" />${hiddenFields({ ...o.query, ...more })}
      <button type="submit">${label}</button>
    </form>`;
  const through = o.before + o.rows.length;
  const range = `Page ${o.page}: messages ${o.rows.length === 0 ? 0 : o.before + 1} to ${through}`;
  return html`<p role="status">${range}${o.next ? '; more follow.' : ', the last.'}</p>
    ${form('Download this page as JSON', {
      format: 'json',
      ...(o.token ? { continuation: o.token } : {}),
      page: String(o.page),
      before: String(o.before),
    })}
    ${o.next ? form('Next page', { continuation: o.next, page: String(o.page + 1), before: String(through) }) : ''}
    <table aria-label="Replayed messages">
      <thead>
        <tr>
          <th scope="col">Replay transaction</th>
          <th scope="col">Original</th>
          <th scope="col">Event or status</th>
        </tr>
      </thead>
      <tbody>
        ${o.rows.map(
          (r) =>
            html`<tr>
              <td>${r.transactionID ?? ''}</td>
              <td>
                ${
                  r.originalTransactionID
                    ? html`<a href="/portal/messages/${encodeURIComponent(r.originalTransactionID)}"
                        >${r.originalTransactionID}</a
                      >`
                    : ''
                }
              </td>
              <td>${r.eventCode ?? r.message ?? ''}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    <p><a href="/portal/replay">Another replay</a></p>`;
}
