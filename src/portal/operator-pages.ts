/**
 * The operator's pages of the portal: the delivery queue by state with bulk redrive and release (the count
 * of what a filter takes is shown on the button before anything changes), the delivery endpoints with
 * their breakers, and the portal users of every participant. Pure: what the operator use cases return in, markup out.
 */
import { html, queryString, type Html } from './html.js';

export const QUEUE_FIELDS = [
  ['recipient', 'Recipient'],
  ['channel', 'Channel'],
  ['role', 'Role'],
  ['olderThanMinutes', 'Older than (minutes)'],
] as const;

export interface CopyRow {
  id: number;
  kind: string;
  recipientId: string;
  role: string | null;
  channel: string;
  state: string;
  transactionId: string | null;
  createdAt: string;
  attempts: number;
  nextAttemptAt: string;
  lastStatus: number | null;
  lastError: string | null;
}

/** An action a filter may take, with the states it applies to. */
const ACTIONS = [
  { path: 'redrive', label: 'Redrive', states: ['held', 'dead'], what: 'sent again now, attempts reset' },
  {
    path: 'release',
    label: 'Release',
    states: ['held', 'pending', 'waiting'],
    what: 'given up on: each sender is told as for a dead letter',
  },
] as const;

const hiddenFields = (fields: Record<string, string>): Html[] =>
  Object.entries(fields).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}" />`);

function actionForms(csrf: string, query: Record<string, string>, count: number, atLeast: boolean): Html {
  const state = query.state ?? '';
  const offered = ACTIONS.filter((a) => (a.states as readonly string[]).includes(state));
  if (offered.length === 0 || count === 0) return html``;
  if (!query.recipient) {
    return html`<p class="muted">Name a recipient to redrive or release: an action takes one endpoint's copies.</p>`;
  }
  const n = `${atLeast ? 'at least ' : ''}${count}`;
  return html`<h2>Act on these copies</h2>
    ${offered.map(
      (a) =>
        html`<form method="post" action="/portal/operator/deliveries/${a.path}">
          <input type="hidden" name="csrf" value="${csrf}" />${hiddenFields(query)}
          <p>
            <button type="submit">${a.label} ${n} ${count === 1 ? 'copy' : 'copies'}</button>
            <span class="muted">${a.what}.</span>
          </p>
        </form>`,
    )}`;
}

export function deliveriesPage(o: {
  csrf: string;
  states: readonly string[];
  query: Record<string, string>;
  count: { count: number; atLeast: boolean } | null;
  copies: CopyRow[];
  next: string | null;
  notice: string | null;
  error: string | null;
}): Html {
  const state = o.query.state ?? 'dead';
  const nextLink = o.next ? `/portal/operator/deliveries${queryString({ ...o.query, after: o.next })}` : null;
  return html`${o.notice ? html`<p role="status">${o.notice}</p>` : ''}
    <form class="search" method="get" action="/portal/operator/deliveries" role="search">
      <label
        >State
        <select name="state">
          ${o.states.map((s) => html`<option value="${s}" ${s === state ? 'selected' : ''}>${s}</option>`)}
        </select></label
      >
      ${QUEUE_FIELDS.map(([name, label]) => html`<label>${label}<input name="${name}" value="${o.query[name] ?? ''}" /></label>`)}
      <div><button type="submit">Show copies</button></div>
    </form>
    ${o.error ? html`<p class="error" role="alert">${o.error}</p>` : ''}
    ${
      o.count
        ? html`<p aria-label="Count">
            <strong>${o.count.atLeast ? 'At least ' : ''}${o.count.count}</strong>
            ${o.count.count === 1 ? 'copy' : 'copies'} ${state}
          </p>`
        : ''
    }
    ${o.count ? actionForms(o.csrf, { ...o.query, state }, o.count.count, o.count.atLeast) : ''}
    ${
      o.copies.length === 0
        ? ''
        : html`<table>
            <thead>
              <tr>
                <th scope="col">Copy</th>
                <th scope="col">Recipient</th>
                <th scope="col">Role</th>
                <th scope="col">Channel</th>
                <th scope="col">Transaction id</th>
                <th scope="col">Created</th>
                <th scope="col">Attempts</th>
                <th scope="col">Next attempt</th>
                <th scope="col">Last answer</th>
              </tr>
            </thead>
            <tbody>
              ${o.copies.map(
                (c) =>
                  html`<tr>
                    <td>${c.id} <span class="muted">${c.kind}</span></td>
                    <td>${c.recipientId}</td>
                    <td>${c.role ?? ''}</td>
                    <td>${c.channel}</td>
                    <td>${c.transactionId ?? ''}</td>
                    <td>${c.createdAt}</td>
                    <td>${c.attempts}</td>
                    <td>${c.nextAttemptAt}</td>
                    <td>${c.lastStatus ?? ''} ${c.lastError ?? ''}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
    ${nextLink ? html`<p><a href="${nextLink}" rel="next">More copies</a></p>` : ''}`;
}

export interface EndpointRow {
  recipientId: string;
  channel: string;
  role: string | null;
  breaker: string;
  breakerUntil: string | null;
  nextAttemptAt: string | null;
  leased: boolean;
  /** A webhook is configured for it. */
  webhook: boolean;
  waiting: boolean;
  pending: number;
  pendingAtLeast: boolean;
  lastStatus: number | null;
  lastError: string | null;
}

export const ENDPOINT_FIELDS = [
  ['recipient', 'Recipient'],
  ['channel', 'Channel'],
  ['role', 'Role'],
] as const;

export function endpointsPage(o: {
  breakers: readonly string[];
  query: Record<string, string>;
  endpoints: EndpointRow[];
  next: string | null;
  error: string | null;
}): Html {
  const nextLink = o.next ? `/portal/operator/endpoints${queryString({ ...o.query, after: o.next })}` : null;
  const queueLink = (e: EndpointRow, state: string) =>
    `/portal/operator/deliveries${queryString({ state, recipient: e.recipientId, channel: e.channel, role: e.role })}`;
  return html`<form class="search" method="get" action="/portal/operator/endpoints" role="search">
      ${ENDPOINT_FIELDS.map(([name, label]) => html`<label>${label}<input name="${name}" value="${o.query[name] ?? ''}" /></label>`)}
      <label
        >Breaker
        <select name="breaker">
          <option value="">any</option>
          ${o.breakers.map((b) => html`<option value="${b}" ${b === o.query.breaker ? 'selected' : ''}>${b}</option>`)}
        </select></label
      >
      <div><button type="submit">Show endpoints</button></div>
    </form>
    ${o.error ? html`<p class="error" role="alert">${o.error}</p>` : ''}
    ${
      o.endpoints.length === 0
        ? html`<p>No endpoints match.</p>`
        : html`<table>
            <thead>
              <tr>
                <th scope="col">Recipient</th>
                <th scope="col">Channel</th>
                <th scope="col">Role</th>
                <th scope="col">Breaker</th>
                <th scope="col">Pending</th>
                <th scope="col">Next attempt</th>
                <th scope="col">Webhook</th>
                <th scope="col">Last answer</th>
              </tr>
            </thead>
            <tbody>
              ${o.endpoints.map(
                (e) =>
                  html`<tr>
                    <td>${e.recipientId}</td>
                    <td>${e.channel}</td>
                    <td>${e.role ?? ''}</td>
                    <td>${e.breaker}${e.breakerUntil ? ` until ${e.breakerUntil}` : ''}</td>
                    <td>
                      <a href="${queueLink(e, e.waiting ? 'waiting' : 'pending')}"
                        >${e.pendingAtLeast ? 'at least ' : ''}${e.pending}</a
                      >${e.waiting ? ' (waiting for a webhook)' : ''}
                    </td>
                    <td>${e.nextAttemptAt ?? ''}${e.leased ? ' (sending now)' : ''}</td>
                    <td>${e.webhook ? 'configured' : html`<span class="muted">none</span>`}</td>
                    <td>${e.lastStatus ?? ''} ${e.lastError ?? ''}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
    ${nextLink ? html`<p><a href="${nextLink}" rel="next">More endpoints</a></p>` : ''}`;
}

export interface UserRow {
  username: string;
  dipId: string;
  participant: string;
  /** How the user signs in now (registry/portal-users.ts userState). */
  state: string;
}

/** The portal users of every participant, and the form that issues a one-time sign-in link. */
export function usersPage(o: {
  csrf: string;
  participants: { dipId: string; name: string }[];
  users: UserRow[];
  /** A link just issued: shown this once, never stored. */
  issued: { username: string; url: string; expiresAt: string } | null;
  notice: string | null;
  error: string | null;
  draft: { username: string; participant: string };
}): Html {
  return html`${o.notice ? html`<p role="status">${o.notice}</p>` : ''}
    ${o.error ? html`<p class="error" role="alert">${o.error}</p>` : ''}
    ${
      o.issued
        ? html`<section aria-labelledby="issued">
            <h2 id="issued">New link for ${o.issued.username}</h2>
            <p>
              Send it to them; it opens once, until ${o.issued.expiresAt}, and is not shown again:
              <code aria-label="Sign-in link">${o.issued.url}</code>
            </p>
          </section>`
        : ''
    }
    <h2>Issue a sign-in link</h2>
    <p>For a new user, or to reset one: their password stops working until they follow the new link.</p>
    <form method="post" action="/portal/operator/users" class="search">
      <input type="hidden" name="csrf" value="${o.csrf}" />
      <label
        >Participant
        <select name="participant">
          ${o.participants.map(
            (p) =>
              html`<option value="${p.dipId}" ${p.dipId === o.draft.participant ? 'selected' : ''}>
                ${p.name} (${p.dipId})
              </option>`,
          )}
        </select></label
      >
      <label>Username <input name="username" required value="${o.draft.username}" /></label>
      <div><button type="submit">Issue link</button></div>
    </form>
    <h2>Users</h2>
    ${
      o.users.length === 0
        ? html`<p>No portal users yet.</p>`
        : html`<table>
            <thead>
              <tr>
                <th scope="col">Username</th>
                <th scope="col">Participant</th>
                <th scope="col">State</th>
                <th scope="col"><span class="muted">Remove</span></th>
              </tr>
            </thead>
            <tbody>
              ${o.users.map(
                (u) =>
                  html`<tr>
                    <td>${u.username}</td>
                    <td>${u.participant} (${u.dipId})</td>
                    <td>${u.state}</td>
                    <td>
                      <form method="post" action="/portal/operator/users/remove">
                        <input type="hidden" name="csrf" value="${o.csrf}" /><input
                          type="hidden"
                          name="username"
                          value="${u.username}"
                        /><button type="submit" aria-label="Remove ${u.username}">Remove</button>
                      </form>
                    </td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }`;
}
