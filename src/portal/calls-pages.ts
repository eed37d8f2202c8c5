/**
 * The audit trail of API calls in the portal: a participant's own calls, or for the operator everyone's,
 * newest first, paged by call id. Pure: calls in, markup out.
 */
import { html, queryString, type Html } from './html.js';

export interface CallRow {
  id: number;
  at: string;
  callerId: string | null;
  onBehalfOf?: string | null;
  method: string;
  path: string;
  channel: string | null;
  status: number;
  messages: number;
  accepted: number;
  durationMs: number;
  outcome: string | null;
}

export const CALL_FIELDS = [
  ['datetimeFrom', 'From (e.g. 2026-12-04T00:00:00Z)'],
  ['datetimeTo', 'To'],
  ['channel', 'Channel (IF-xxx)'],
] as const;

/** The audit trail of API calls (portal page views included), newest first. */
export function callsPage(o: {
  action: string;
  /** The operator may narrow to one caller. */
  byCaller: boolean;
  query: Record<string, string>;
  calls: CallRow[];
  next: string | null;
  error: string | null;
}): Html {
  const fields = o.byCaller ? [...CALL_FIELDS, ['callerID', 'Caller (DIP id)'] as const] : CALL_FIELDS;
  const nextLink = o.next ? `${o.action}${queryString({ ...o.query, before: o.next })}` : null;
  return html`<form class="search" method="get" action="${o.action}" role="search">
      ${fields.map(([name, label]) => html`<label>${label}<input name="${name}" value="${o.query[name] ?? ''}" /></label>`)}
      <div><button type="submit">Search</button></div>
    </form>
    ${o.error ? html`<p class="error" role="alert">${o.error}</p>` : ''}
    ${
      o.calls.length === 0
        ? html`<p>No calls match.</p>`
        : html`<table>
            <thead>
              <tr>
                <th scope="col">Time</th>
                ${o.byCaller ? html`<th scope="col">Caller</th>` : ''}
                <th scope="col">Call</th>
                <th scope="col">Status</th>
                <th scope="col">Messages (accepted)</th>
                <th scope="col">ms</th>
                <th scope="col">Outcome</th>
              </tr>
            </thead>
            <tbody>
              ${o.calls.map(
                (c) =>
                  html`<tr>
                    <td>${c.at}</td>
                    ${o.byCaller ? html`<td>${c.callerId ?? ''}${c.onBehalfOf ? ` for ${c.onBehalfOf}` : ''}</td>` : ''}
                    <td><code>${c.method} ${c.path}</code></td>
                    <td>${c.status}</td>
                    <td>${c.messages} (${c.accepted})</td>
                    <td>${Math.round(c.durationMs)}</td>
                    <td>${c.outcome ?? ''}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
    ${nextLink ? html`<p><a href="${nextLink}" rel="next">Older calls</a></p>` : ''}`;
}
