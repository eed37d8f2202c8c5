/**
 * The portal's pages, rendered on the server from what the audit use cases return: plain HTML forms and
 * links that work without JavaScript, filters kept in the URL so a page can be bookmarked and shared.
 * Pure: data in, markup out.
 */
import { html, queryString, trusted, type Html } from './html.js';

export interface Chrome {
  title: string;
  /** The participant signed in, with the CSRF token its forms carry; null on the sign-in page. */
  signedIn: { dipId: string; user: string | null; name: string; csrf: string; operator: boolean } | null;
  environment: string;
  /** The page reloads itself after this many seconds (progress that is still running). */
  refreshSeconds?: number | null;
}

const STYLE = `
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1b1f24;background:#f6f7f9}
header{background:#14365c;color:#fff;padding:.6rem 1.2rem;display:flex;gap:1.5rem;align-items:center;flex-wrap:wrap}
header a{color:#fff}header .who{margin-left:auto}
main{padding:1rem 1.2rem;max-width:80rem}
table{border-collapse:collapse;background:#fff;width:100%;margin:.5rem 0 1rem}
th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#eef1f4}
form.search{display:grid;grid-template-columns:repeat(auto-fill,minmax(14rem,1fr));gap:.5rem 1rem;margin-bottom:1rem}
label{display:flex;flex-direction:column;font-size:.85rem}
input,select,button{font:inherit;padding:.3rem}
button{background:#14365c;color:#fff;border:0;border-radius:3px;cursor:pointer;padding:.35rem .9rem}
pre{background:#fff;border:1px solid #d0d7de;padding:.6rem;overflow:auto;max-height:30rem}
.error{background:#fde8e8;border:1px solid #e0a0a0;padding:.5rem .8rem}
.muted{color:#57606a}
form.inline{display:inline-block;margin-right:.5rem}
ol.workflow>li{background:#fff;border:1px solid #d0d7de;padding:.2rem .8rem;margin:.4rem 0}
:focus-visible{outline:3px solid #f0a500}
`;

export function layout(chrome: Chrome, body: Html): Html {
  const who = chrome.signedIn;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${chrome.title} · OpenDIP portal</title>
        ${chrome.refreshSeconds ? html`<meta http-equiv="refresh" content="${chrome.refreshSeconds}" />` : ''}
        <style>
          ${trusted(STYLE)}
        </style>
      </head>
      <body>
        <header role="banner">
          <strong>OpenDIP portal</strong><span class="muted" style="color:#cfd8e3">${chrome.environment}</span>
          ${
            who
              ? html`<nav aria-label="Main">
                    <a href="/portal/dashboard">Dashboard</a> <a href="/portal/messages">Messages</a>
                    <a href="/portal/webhooks">Webhooks</a> <a href="/portal/replay">Replay</a>
                    <a href="/portal/requeue">Requeue</a>
                    <a href="/portal/calls">Calls</a>
                    <a href="/portal/account">Account</a>
                    ${
                      who.operator
                        ? html`<a href="/portal/operator">Overview</a>
                            <a href="/portal/operator/deliveries">Deliveries</a>
                            <a href="/portal/operator/endpoints">Endpoints</a>
                            <a href="/portal/operator/participants">Participants</a>
                            <a href="/portal/operator/certificates">Certificates</a>
                            <a href="/portal/operator/mpans">MPANs</a>
                            <a href="/portal/operator/calls">All calls</a>
                            <a href="/portal/operator/users">Users</a>`
                        : ''
                    }
                  </nav>
                  <span class="who">${who.user ? `${who.user}, ` : ''}${who.name} (${who.dipId})</span>
                  <form method="post" action="/portal/sign-out">
                    <input type="hidden" name="csrf" value="${who.csrf}" /><button type="submit">Sign out</button>
                  </form>`
              : ''
          }
        </header>
        <main id="main">
          <h1>${chrome.title}</h1>
          ${body}
        </main>
      </body>
    </html>`;
}

export const SEARCH_FIELDS = [
  ['transactionID', 'Transaction id'],
  ['senderUniqueReference', 'SUR'],
  ['correlationID', 'Correlation id'],
  ['MPAN', 'MPAN'],
  ['channel', 'Channel (IF-xxx)'],
  ['senderID', 'Sender'],
  ['recipientID', 'Recipient'],
  ['datetimeFrom', 'From (e.g. 2026-12-04T00:00:00Z)'],
  ['datetimeTo', 'To'],
] as const;

/** The search's direction choices: both, what the viewer sent, what it received. */
const DIRECTION_CHOICES = [
  ['', 'Sent or received'],
  ['sent', 'Sent'],
  ['received', 'Received'],
] as const;

/** Every search parameter the message search takes. */
export const SEARCH_PARAMETERS = [...SEARCH_FIELDS.map(([name]) => name), 'direction'] as const;

export interface MessageRow {
  transactionID: string;
  senderUniqueReference: string;
  channel: string;
  eventCode: string;
  senderID: string;
  senderRoleID: string;
  correlationID: string | null;
  MPAN: string | null;
  transactionTimestamp: string;
}

const messageLink = (id: string): string => `/portal/messages/${encodeURIComponent(id)}`;

export function searchPage(o: {
  query: Record<string, string>;
  rows: MessageRow[];
  next: string | null;
  error: string | null;
}): Html {
  const nextLink = o.next ? `/portal/messages${queryString({ ...o.query, after: o.next })}` : null;
  return html`<form class="search" method="get" action="/portal/messages" role="search">
      ${SEARCH_FIELDS.map(([name, label]) => html`<label>${label}<input name="${name}" value="${o.query[name] ?? ''}" /></label>`)}
      <label
        >Direction
        <select name="direction">
          ${DIRECTION_CHOICES.map(
            ([value, label]) =>
              html`<option value="${value}" ${(o.query.direction ?? '') === value ? trusted('selected') : ''}>
                ${label}
              </option>`,
          )}
        </select>
      </label>
      <div><button type="submit">Search</button></div>
    </form>
    ${o.error ? html`<p class="error" role="alert">${o.error}</p>` : ''}
    ${
      o.rows.length === 0
        ? html`<p>No messages match.</p>`
        : html`<table>
            <caption class="muted">
              Newest matching messages you sent or received
            </caption>
            <thead>
              <tr>
                <th scope="col">Transaction id</th>
                <th scope="col">Received</th>
                <th scope="col">Channel</th>
                <th scope="col">Event</th>
                <th scope="col">Sender</th>
                <th scope="col">SUR</th>
                <th scope="col">MPAN</th>
                <th scope="col">Correlation id</th>
              </tr>
            </thead>
            <tbody>
              ${o.rows.map(
                (r) =>
                  html`<tr>
                    <td><a href="${messageLink(r.transactionID)}">${r.transactionID}</a></td>
                    <td>${r.transactionTimestamp}</td>
                    <td>${r.channel}</td>
                    <td>${r.eventCode}</td>
                    <td>${r.senderID} (${r.senderRoleID})</td>
                    <td>${r.senderUniqueReference}</td>
                    <td>${r.MPAN ?? ''}</td>
                    <td>
                      ${r.correlationID ? html`<a href="/portal/workflows/${encodeURIComponent(r.correlationID)}">${r.correlationID}</a>` : ''}
                    </td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
    ${nextLink ? html`<p><a href="${nextLink}" rel="next">Older messages</a></p>` : ''}`;
}

type Json = Record<string, unknown>;

const KIND_REASON: Record<string, string> = {
  Primary: 'named by the sender in A0, in a role the channel allows',
  Secondary: 'serves the MPAN in this role at the time of the message (the DIP looked it up)',
  Always: 'receives every message of this channel (the channel catalogue)',
};

function routing(journal: Json[]): Html {
  const addressing = journal.find((e) => e.DIPStage === 'Addressing');
  const map = (addressing?.RecipientMap ?? {}) as Record<string, { role: string; dipId: string }[]>;
  const rows = Object.entries(map).flatMap(([kind, list]) => list.map((r) => ({ kind, ...r })));
  if (rows.length === 0) return html`<p>The DIP addressed it to nobody.</p>`;
  return html`<table>
    <thead>
      <tr>
        <th scope="col">Recipient</th>
        <th scope="col">Role</th>
        <th scope="col">Why</th>
      </tr>
    </thead>
    <tbody>
      ${rows.map(
        (r) =>
          html`<tr>
            <td>${r.dipId}</td>
            <td>${r.role}</td>
            <td>${r.kind}: ${KIND_REASON[r.kind] ?? ''}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

function journalTable(journal: Json[]): Html {
  const cell = (v: unknown): string =>
    v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return html`<table>
    <thead>
      <tr>
        <th scope="col">Time</th>
        <th scope="col">Stage</th>
        <th scope="col">Status</th>
        <th scope="col">Code</th>
        <th scope="col">Recipient</th>
        <th scope="col">Reason</th>
      </tr>
    </thead>
    <tbody>
      ${journal.map(
        (e) =>
          html`<tr>
            <td>${cell(e.TimeGenerated)}</td>
            <td>${cell(e.DIPStage)}</td>
            <td>${cell(e.Status)}</td>
            <td>${cell(e.StatusCode)}</td>
            <td>${cell(e.Recipient)}</td>
            <td>${cell(e.Reason ?? e.Message)}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

/** A copy of the message for one recipient in one role, as far as the viewer may see it. */
export interface CopyRow {
  recipientId: string;
  role: string | null;
  state: string;
  attempts: number;
  /** ISO date-times. */
  lastAttemptAt: string | null;
  nextAttemptAt: string | null;
  lastStatus: number | null;
  lastError: string | null;
}

const COPY_STATE: Record<string, string> = {
  pending: 'waiting',
  delivered: 'delivered',
  rejected: 'rejected by the recipient',
  held: 'held for the operator',
  dead: 'dead letter',
};

function copiesTable(copies: CopyRow[]): Html {
  if (copies.length === 0) return html`<p>No copies you may see.</p>`;
  return html`<table aria-label="Deliveries">
    <thead>
      <tr>
        <th scope="col">Recipient</th>
        <th scope="col">Role</th>
        <th scope="col">State</th>
        <th scope="col">Attempts</th>
        <th scope="col">Last attempt</th>
        <th scope="col">HTTP status</th>
        <th scope="col">Answer or error</th>
        <th scope="col">Next attempt</th>
      </tr>
    </thead>
    <tbody>
      ${copies.map(
        (c) =>
          html`<tr>
            <td>${c.recipientId}</td>
            <td>${c.role ?? ''}</td>
            <td>${COPY_STATE[c.state] ?? c.state}</td>
            <td>${String(c.attempts)}</td>
            <td>${c.lastAttemptAt ?? ''}</td>
            <td>${c.lastStatus === null ? '' : String(c.lastStatus)}</td>
            <td>${c.lastError ?? ''}</td>
            <td>${c.state === 'pending' ? (c.nextAttemptAt ?? '') : ''}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

const pretty = (payload: string): string => {
  try {
    return JSON.stringify(JSON.parse(payload), null, 2);
  } catch {
    return payload;
  }
};

export function messagePage(o: {
  message: MessageRow;
  journal: Json[];
  payload: string | null;
  copies: CopyRow[];
  /**
   * The payload as each role the viewer may see was sent it (obfuscated where the channel hides fields from
   * it), once for the roles sent the same bytes; '' is the participant as a whole.
   */
  delivered: { roles: string[]; payload: string }[];
}): Html {
  const m = o.message;
  const facts: [string, string | null][] = [
    ['Transaction id', m.transactionID],
    ['Received', m.transactionTimestamp],
    ['Channel and event', `${m.channel} ${m.eventCode}`],
    ['Sender', `${m.senderID} (${m.senderRoleID})`],
    ['Sender unique reference', m.senderUniqueReference],
    ['MPAN', m.MPAN],
    ['Correlation id', m.correlationID],
  ];
  return html`<table>
      <tbody>
        ${facts.map(
          ([k, v]) =>
            html`<tr>
              <th scope="row">${k}</th>
              <td>${v ?? ''}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    ${m.correlationID ? html`<p><a href="/portal/workflows/${encodeURIComponent(m.correlationID)}">Every message of this workflow</a></p>` : ''}
    <h2>Routing</h2>
    ${routing(o.journal)}
    <h2>Deliveries</h2>
    ${copiesTable(o.copies)}
    <p class="muted">
      Each copy's row counts every attempt; the journal below keeps what each attempt was answered (its first failures,
      a rejection with the recipient's message, the delivery).
    </p>
    <h2>Journal</h2>
    ${journalTable(o.journal)}
    <h2>Payload as sent</h2>
    ${o.payload === null ? html`<p class="muted">Shown to its sender only.</p>` : html`<pre aria-label="Payload">${pretty(o.payload)}</pre>`}
    <h2>Payload as delivered</h2>
    ${
      o.delivered.length === 0
        ? html`<p class="muted">Not delivered to a role you may see.</p>`
        : o.delivered.map((d) => {
            const to = d.roles.filter((r) => r !== '').join(', ');
            return html`<details ${o.delivered.length === 1 ? trusted('open') : ''}>
              <summary>${to ? `To ${d.roles.length > 1 ? 'roles' : 'role'} ${to}` : 'To the recipient'}</summary>
              <pre aria-label="Payload as delivered${to ? ` to ${to}` : ''}">${pretty(d.payload)}</pre>
            </details>`;
          })
    }`;
}

export function notFoundPage(): Html {
  return html`<p>No such message, or not one you may see.</p>
    <p><a href="/portal/messages">Search messages</a></p>`;
}
