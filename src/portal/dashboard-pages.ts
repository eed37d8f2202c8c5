/**
 * The dashboard: a participant's sends today per channel with an hourly chart drawn on the server (an SVG,
 * so it needs no JavaScript), the calls the DIP refused by HTTP status, what waits to be delivered to it
 * and the breakers of its endpoints. The operator's overview draws the whole market's sends the same way.
 * Pure: totals in, markup out.
 */
import { html, queryString, type Html } from './html.js';
import type { EndpointRow } from './operator-pages.js';

const HOUR_MS = 3_600_000;

/** Sends of one channel, hour and HTTP status (the store's SendTotal). */
export interface SendTotal {
  channel: string | null;
  hourStart: number;
  status: number;
  calls: number;
  messages: number;
  accepted: number;
}

export interface ChannelSends {
  channel: string;
  calls: number;
  messages: number;
  accepted: number;
  rejected: number;
}

export interface SendSummary {
  channels: ChannelSends[];
  /** One bar per hour from `from` to the hour of `now`, oldest first. */
  hours: { hourStart: number; accepted: number; rejected: number }[];
  /** Calls answered other than 201, by HTTP status. */
  refused: { status: number; calls: number; messages: number }[];
  total: ChannelSends;
}

/** What the totals since `from` add up to, per channel, per hour and per refusing status. */
export function sendSummary(totals: readonly SendTotal[], from: number, now: number): SendSummary {
  const byChannel = new Map<string, ChannelSends>();
  const first = Math.floor(from / HOUR_MS) * HOUR_MS;
  const hours = Array.from({ length: Math.max(1, Math.floor(now / HOUR_MS) - first / HOUR_MS + 1) }, (_, i) => ({
    hourStart: first + i * HOUR_MS,
    accepted: 0,
    rejected: 0,
  }));
  const refused = new Map<number, { status: number; calls: number; messages: number }>();
  const total: ChannelSends = { channel: 'All channels', calls: 0, messages: 0, accepted: 0, rejected: 0 };
  for (const t of totals) {
    const channel = t.channel ?? '(none)';
    const row = byChannel.get(channel) ?? { channel, calls: 0, messages: 0, accepted: 0, rejected: 0 };
    byChannel.set(channel, row);
    for (const r of [row, total]) {
      r.calls += t.calls;
      r.messages += t.messages;
      r.accepted += t.accepted;
      r.rejected += t.messages - t.accepted;
    }
    const hour = hours[(t.hourStart - first) / HOUR_MS];
    if (hour) {
      hour.accepted += t.accepted;
      hour.rejected += t.messages - t.accepted;
    }
    if (t.status !== 201) {
      const r = refused.get(t.status) ?? { status: t.status, calls: 0, messages: 0 };
      r.calls += t.calls;
      r.messages += t.messages;
      refused.set(t.status, r);
    }
  }
  return {
    channels: [...byChannel.values()].sort((a, b) => b.messages - a.messages || a.channel.localeCompare(b.channel)),
    hours,
    refused: [...refused.values()].sort((a, b) => a.status - b.status),
    total,
  };
}

const hh = (t: number): string => new Date(t).toISOString().slice(11, 13);

/** Messages per hour as bars, accepted in blue over rejected in red; each bar says its numbers. */
export function throughputChart(hours: SendSummary['hours'], label: string): Html {
  const busiest = Math.max(0, ...hours.map((h) => h.accepted + h.rejected));
  const peak = Math.max(1, busiest);
  const w = 24;
  const height = 120;
  const width = hours.length * w;
  const y = (n: number) => Math.round((n / peak) * height);
  return html`<figure>
    <svg
      role="img"
      aria-label="${label}"
      viewBox="0 0 ${width} ${height + 16}"
      width="${width}"
      height="${height + 16}"
      style="max-width:100%;background:#fff;border:1px solid #d0d7de"
    >
      ${hours.map((h, i) => {
        const a = y(h.accepted);
        const r = y(h.rejected);
        return html`<g>
          <title>${hh(h.hourStart)}:00 UTC: ${h.accepted} accepted, ${h.rejected} rejected</title>
          <rect x="${i * w + 3}" y="${height - a}" width="${w - 6}" height="${a}" fill="#2f6fb3" />
          <rect x="${i * w + 3}" y="${height - a - r}" width="${w - 6}" height="${r}" fill="#c0392b" />
          <text x="${i * w + w / 2}" y="${height + 12}" font-size="9" text-anchor="middle" fill="#57606a">
            ${hh(h.hourStart)}
          </text>
        </g>`;
      })}
    </svg>
    <figcaption class="muted">
      ${label}: messages per hour (UTC), accepted <span style="color:#2f6fb3">■</span> and rejected
      <span style="color:#c0392b">■</span>; the busiest hour had ${busiest}.
    </figcaption>
  </figure>`;
}

export function sendsTable(summary: SendSummary, messagesLink: (channel: string) => string | null): Html {
  if (summary.channels.length === 0) return html`<p>Nothing was sent.</p>`;
  const row = (c: ChannelSends, header: boolean) => {
    const link = header ? null : messagesLink(c.channel);
    return html`<tr>
      <th scope="row">${link ? html`<a href="${link}">${c.channel}</a>` : c.channel}</th>
      <td>${c.calls}</td>
      <td>${c.messages}</td>
      <td>${c.accepted}</td>
      <td>${c.rejected}</td>
    </tr>`;
  };
  return html`<table>
    <thead>
      <tr>
        <th scope="col">Channel</th>
        <th scope="col">Calls</th>
        <th scope="col">Messages</th>
        <th scope="col">Accepted</th>
        <th scope="col">Rejected</th>
      </tr>
    </thead>
    <tbody>
      ${summary.channels.map((c) => row(c, false))}
    </tbody>
    <tfoot>
      ${row(summary.total, true)}
    </tfoot>
  </table>`;
}

export function refusedTable(summary: SendSummary): Html {
  if (summary.refused.length === 0) return html`<p>No call was refused.</p>`;
  return html`<table>
    <thead>
      <tr>
        <th scope="col">HTTP status</th>
        <th scope="col">Calls</th>
        <th scope="col">Messages in them</th>
      </tr>
    </thead>
    <tbody>
      ${summary.refused.map(
        (r) =>
          html`<tr>
            <td>${r.status}</td>
            <td>${r.calls}</td>
            <td>${r.messages}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

/** Messages of a channel a participant's sends had refused today with one DIP code, and what the code says. */
export interface RejectionRow {
  channel: string | null;
  code: string;
  text: string;
  messages: number;
}

export function rejectionsTable(rows: RejectionRow[]): Html {
  if (rows.length === 0) return html`<p>No message was refused.</p>`;
  return html`<table aria-label="Refused messages by code">
    <thead>
      <tr>
        <th scope="col">Code</th>
        <th scope="col">Channel</th>
        <th scope="col">Messages</th>
        <th scope="col">Meaning</th>
      </tr>
    </thead>
    <tbody>
      ${rows.map(
        (r) =>
          html`<tr>
            <td>${r.code}</td>
            <td>${r.channel ?? ''}</td>
            <td>${r.messages}</td>
            <td>${r.text}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

/** Copies of a channel's messages addressed to the participant today, as the store counts them. */
export interface ReceivedRow {
  channel: string;
  copies: number;
  atLeast: boolean;
}

export interface WaitingCount {
  state: string;
  count: number;
  atLeast: boolean;
}

const WAITING_MEANS: Record<string, string> = {
  pending: 'due to be sent',
  waiting: 'waiting for a webhook to be configured',
  held: 'held after repeated failures',
  dead: 'dead letters: given up on',
};

export function dashboardPage(o: {
  day: string;
  summary: SendSummary;
  waiting: WaitingCount[];
  endpoints: EndpointRow[];
  moreEndpoints: boolean;
  received: ReceivedRow[];
  rejections: RejectionRow[];
}): Html {
  const searchLink = (channel: string, direction = '') =>
    `/portal/messages${queryString({ channel, direction, datetimeFrom: `${o.day}T00:00:00Z` })}`;
  return html`<p class="muted">${o.day}, since midnight UTC. <a href="/portal/dashboard">Refresh</a></p>
    <section aria-labelledby="sent">
      <h2 id="sent">Sent today</h2>
      ${throughputChart(o.summary.hours, 'Your sends today')} ${sendsTable(o.summary, searchLink)}
      <h3>Refused messages by code</h3>
      ${rejectionsTable(o.rejections)}
      <h3>Refused calls</h3>
      ${refusedTable(o.summary)}
    </section>
    <section aria-labelledby="received">
      <h2 id="received">Received today</h2>
      ${
        o.received.every((r) => r.copies === 0)
          ? html`<p>Nothing was addressed to you today.</p>`
          : html`<table aria-label="Received today">
              <thead>
                <tr>
                  <th scope="col">Channel</th>
                  <th scope="col">Copies addressed to you</th>
                </tr>
              </thead>
              <tbody>
                ${o.received
                  .filter((r) => r.copies > 0)
                  .map(
                    (r) =>
                      html`<tr>
                        <td><a href="${searchLink(r.channel, 'received')}">${r.channel}</a></td>
                        <td>${r.atLeast ? 'at least ' : ''}${r.copies}</td>
                      </tr>`,
                  )}
              </tbody>
            </table>`
      }
    </section>
    <section aria-labelledby="to-you">
      <h2 id="to-you">Deliveries to you</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">State</th>
            <th scope="col">Copies</th>
            <th scope="col">Meaning</th>
          </tr>
        </thead>
        <tbody>
          ${o.waiting.map(
            (w) =>
              html`<tr>
                <th scope="row">${w.state}</th>
                <td>${w.atLeast ? 'at least ' : ''}${w.count}</td>
                <td>${WAITING_MEANS[w.state] ?? ''}</td>
              </tr>`,
          )}
        </tbody>
      </table>
      <h3>Your endpoints</h3>
      ${
        o.endpoints.length === 0
          ? html`<p>Nothing has been addressed to you yet.</p>`
          : html`<table>
                <thead>
                  <tr>
                    <th scope="col">Channel</th>
                    <th scope="col">Role</th>
                    <th scope="col">Breaker</th>
                    <th scope="col">Pending</th>
                    <th scope="col">Webhook</th>
                    <th scope="col">Last answer</th>
                  </tr>
                </thead>
                <tbody>
                  ${o.endpoints.map(
                    (e) =>
                      html`<tr>
                        <td>${e.channel}</td>
                        <td>${e.role ?? ''}</td>
                        <td>${e.breaker}${e.breakerUntil ? ` until ${e.breakerUntil}` : ''}</td>
                        <td>${e.pendingAtLeast ? 'at least ' : ''}${e.pending}</td>
                        <td>${e.webhook ? 'configured' : html`<a href="/portal/webhooks">none: configure one</a>`}</td>
                        <td>${e.lastStatus ?? ''} ${e.lastError ?? ''}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>
              ${o.moreEndpoints ? html`<p class="muted">Showing the first ${o.endpoints.length} endpoints.</p>` : ''}`
      }
    </section>`;
}
