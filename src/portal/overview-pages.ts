/**
 * The operator's overview of the market: the ingest rate and today's sends, the delivery backlog by state,
 * the endpoints whose breakers are open, and the pauses in force with forms to pause and resume (seed
 * §8.5.2). Pure: what the operator use cases return in, markup out.
 */
import { html, queryString, type Html } from './html.js';
import type { EndpointRow } from './operator-pages.js';
import { refusedTable, sendsTable, throughputChart, type SendSummary, type WaitingCount } from './dashboard-pages.js';

export interface PauseRow {
  kind: string;
  channel: string | null;
  recipient: string | null;
  role: string | null;
  scope: string;
  reason: string | null;
  retryAfter: number | null;
  pausedBy: string;
  pausedAt: string;
}

const hidden = (name: string, value: string | number | null): Html =>
  value === null ? html`` : html`<input type="hidden" name="${name}" value="${String(value)}" />`;

function pausesSection(csrf: string, pauses: PauseRow[], draft: Record<string, string>): Html {
  return html`<section aria-labelledby="pauses">
    <h2 id="pauses">Pauses</h2>
    ${
      pauses.length === 0
        ? html`<p>Nothing is paused.</p>`
        : html`<table>
            <thead>
              <tr>
                <th scope="col">Paused</th>
                <th scope="col">Reason</th>
                <th scope="col">By, at</th>
                <th scope="col">Resume</th>
              </tr>
            </thead>
            <tbody>
              ${pauses.map(
                (p) =>
                  html`<tr>
                    <td>${p.scope}${p.retryAfter ? ` (Retry-After ${p.retryAfter} s)` : ''}</td>
                    <td>${p.reason ?? ''}</td>
                    <td>${p.pausedBy}, ${p.pausedAt}</td>
                    <td>
                      <form method="post" action="/portal/operator/resume">
                        ${hidden('csrf', csrf)}${hidden('kind', p.kind)}${hidden('channel', p.channel)}
                        ${hidden('recipient', p.recipient)}${hidden('role', p.role)}
                        <button type="submit" aria-label="Resume ${p.scope}">Resume</button>
                      </form>
                    </td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
    <h3>Pause</h3>
    <p class="muted">
      Ingress: sends on the channel (or every channel, left empty) are answered 503 with Retry-After. Delivery: nothing
      is pushed on the channel (STATUS for status messages) to the recipient (or everyone); copies wait.
    </p>
    <form class="search" method="post" action="/portal/operator/pause">
      ${hidden('csrf', csrf)}
      <label
        >What
        <select name="kind">
          <option value="ingress" ${draft.kind !== 'delivery' ? 'selected' : ''}>ingress</option>
          <option value="delivery" ${draft.kind === 'delivery' ? 'selected' : ''}>delivery</option>
        </select></label
      >
      <label>Channel<input name="channel" value="${draft.channel ?? ''}" /></label>
      <label>Recipient (delivery)<input name="recipient" value="${draft.recipient ?? ''}" /></label>
      <label>Role (delivery)<input name="role" value="${draft.role ?? ''}" /></label>
      <label>Retry-After seconds (ingress)<input name="retryAfter" value="${draft.retryAfter ?? ''}" /></label>
      <label>Reason<input name="reason" value="${draft.reason ?? ''}" /></label>
      <div><button type="submit">Pause</button></div>
    </form>
  </section>`;
}

export function overviewPage(o: {
  csrf: string;
  day: string;
  /** Messages accepted in the last `rateMinutes` minutes, market-wide. */
  recent: { minutes: number; messages: number; accepted: number };
  today: SendSummary;
  backlog: WaitingCount[];
  openBreakers: EndpointRow[];
  moreOpenBreakers: boolean;
  pauses: PauseRow[];
  draft: Record<string, string>;
  notice: string | null;
  error: string | null;
}): Html {
  const perSecond = (o.recent.accepted / (o.recent.minutes * 60)).toFixed(1);
  const messagesLink = (channel: string) =>
    `/portal/messages${queryString({ channel, datetimeFrom: `${o.day}T00:00:00Z` })}`;
  return html`${o.notice ? html`<p role="status">${o.notice}</p>` : ''}
    ${o.error ? html`<p class="error" role="alert">${o.error}</p>` : ''}
    <p aria-label="Ingest rate">
      <strong>${perSecond}</strong> messages a second accepted over the last ${o.recent.minutes} minutes
      (${o.recent.accepted} of ${o.recent.messages} sent).
    </p>
    <section aria-labelledby="backlog">
      <h2 id="backlog">Delivery backlog</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">State</th>
            <th scope="col">Copies</th>
          </tr>
        </thead>
        <tbody>
          ${o.backlog.map(
            (b) =>
              html`<tr>
                <th scope="row">
                  <a href="/portal/operator/deliveries${queryString({ state: b.state })}">${b.state}</a>
                </th>
                <td>${b.atLeast ? 'at least ' : ''}${b.count}</td>
              </tr>`,
          )}
        </tbody>
      </table>
      <h3>Open breakers</h3>
      ${
        o.openBreakers.length === 0
          ? html`<p>No breaker is open.</p>`
          : html`<table>
                <thead>
                  <tr>
                    <th scope="col">Recipient</th>
                    <th scope="col">Channel</th>
                    <th scope="col">Role</th>
                    <th scope="col">Open until</th>
                    <th scope="col">Pending</th>
                    <th scope="col">Last answer</th>
                  </tr>
                </thead>
                <tbody>
                  ${o.openBreakers.map(
                    (e) =>
                      html`<tr>
                        <td>${e.recipientId}</td>
                        <td>${e.channel}</td>
                        <td>${e.role ?? ''}</td>
                        <td>${e.breakerUntil ?? ''}</td>
                        <td>${e.pendingAtLeast ? 'at least ' : ''}${e.pending}</td>
                        <td>${e.lastStatus ?? ''} ${e.lastError ?? ''}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>
              ${o.moreOpenBreakers ? html`<p><a href="/portal/operator/endpoints?breaker=open">Every open breaker</a></p>` : ''}`
      }
    </section>
    ${pausesSection(o.csrf, o.pauses, o.draft)}
    <section aria-labelledby="today">
      <h2 id="today">Sends today (${o.day}, UTC)</h2>
      ${throughputChart(o.today.hours, 'Market sends today')} ${sendsTable(o.today, messagesLink)}
      <h3>Refused calls</h3>
      ${refusedTable(o.today)}
    </section>`;
}
