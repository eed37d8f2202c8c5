/**
 * What the portal shows of the registry: a participant's own account (roles, DCP grants given and held,
 * certificates and API keys with expiry, portal users), and for the operator every participant, every
 * credential and an MPAN's appointments with their history. Pure: registry rows in, markup out.
 */
import { html, type Html } from './html.js';

export interface ParticipantRow {
  dipId: string;
  name: string;
  roles: readonly string[];
  actsFor: { participantId: string; role: string }[];
  assignedTo: { role: string; dcpId: string }[];
}

export interface CertificateRow {
  fingerprint: string;
  dipId: string;
  subject: string;
  notAfter: string | null;
  daysLeft: number;
  state: string;
  registeredAt: string | null;
  activeFrom: string | null;
}

export interface ApiKeyRow {
  keyHash: string;
  dipId: string;
  label: string | null;
  state: string;
  registeredAt: string | null;
  activeFrom: string | null;
}

const list = (items: string[]): Html =>
  items.length === 0 ? html`<span class="muted">none</span>` : html`${items.join(', ')}`;

function credentialTables(o: { certificates: CertificateRow[]; apiKeys: ApiKeyRow[]; owners: boolean }): Html {
  return html`<h3>Certificates</h3>
    ${
      o.certificates.length === 0
        ? html`<p>No certificate.</p>`
        : html`<table>
            <thead>
              <tr>
                ${o.owners ? html`<th scope="col">Participant</th>` : ''}
                <th scope="col">Subject</th>
                <th scope="col">SHA-256 fingerprint</th>
                <th scope="col">Expires</th>
                <th scope="col">Days left</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              ${o.certificates.map(
                (c) =>
                  html`<tr>
                    ${o.owners ? html`<td>${c.dipId}</td>` : ''}
                    <td>${c.subject}</td>
                    <td><code>${c.fingerprint}</code></td>
                    <td>${c.notAfter ?? ''}</td>
                    <td>${c.daysLeft}</td>
                    <td>
                      ${c.state}${c.state === 'active' && c.daysLeft < 30 ? html` <strong>(renew soon)</strong>` : ''}
                    </td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
    <h3>API keys</h3>
    ${
      o.apiKeys.length === 0
        ? html`<p>No API key.</p>`
        : html`<table>
            <thead>
              <tr>
                ${o.owners ? html`<th scope="col">Participant</th>` : ''}
                <th scope="col">Label</th>
                <th scope="col">Key hash (SHA-256)</th>
                <th scope="col">Registered</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              ${o.apiKeys.map(
                (k) =>
                  html`<tr>
                    ${o.owners ? html`<td>${k.dipId}</td>` : ''}
                    <td>${k.label ?? ''}</td>
                    <td><code>${k.keyHash.slice(0, 16)}…</code></td>
                    <td>${k.registeredAt ?? ''}</td>
                    <td>${k.state} <span class="muted">(API keys do not expire)</span></td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }`;
}

/** The signed-in participant's own registration. */
export function accountPage(o: {
  participant: ParticipantRow;
  certificates: CertificateRow[];
  apiKeys: ApiKeyRow[];
  users: { username: string; state: string }[];
}): Html {
  const p = o.participant;
  return html`<table>
      <tbody>
        <tr>
          <th scope="row">DIP id</th>
          <td>${p.dipId}</td>
        </tr>
        <tr>
          <th scope="row">Name</th>
          <td>${p.name}</td>
        </tr>
        <tr>
          <th scope="row">Roles</th>
          <td>${list([...p.roles])}</td>
        </tr>
      </tbody>
    </table>
    <section aria-labelledby="grants">
      <h2 id="grants">DIP Connection Providers</h2>
      <h3>Grants you have given</h3>
      ${
        p.assignedTo.length === 0
          ? html`<p>No DCP acts for you: you send and receive yourself.</p>`
          : html`<table>
              <thead>
                <tr>
                  <th scope="col">Your role</th>
                  <th scope="col">Sent and received by DCP</th>
                </tr>
              </thead>
              <tbody>
                ${p.assignedTo.map(
                  (g) =>
                    html`<tr>
                      <td>${g.role}</td>
                      <td>${g.dcpId}</td>
                    </tr>`,
                )}
              </tbody>
            </table>`
      }
      <h3>Participants you act for</h3>
      ${
        p.actsFor.length === 0
          ? html`<p>You act for no other participant.</p>`
          : html`<table>
              <thead>
                <tr>
                  <th scope="col">Participant</th>
                  <th scope="col">In the role</th>
                </tr>
              </thead>
              <tbody>
                ${p.actsFor.map(
                  (g) =>
                    html`<tr>
                      <td>${g.participantId}</td>
                      <td>${g.role}</td>
                    </tr>`,
                )}
              </tbody>
            </table>`
      }
      <p class="muted">Grants are changed by the operator.</p>
    </section>
    <section aria-labelledby="credentials">
      <h2 id="credentials">Credentials</h2>
      ${credentialTables({ certificates: o.certificates, apiKeys: o.apiKeys, owners: false })}
    </section>
    <section aria-labelledby="users">
      <h2 id="users">Portal users</h2>
      ${
        o.users.length === 0
          ? html`<p>No portal user: ask the operator for one.</p>`
          : html`<ul>
              ${o.users.map((u) => html`<li>${u.username}: ${u.state}</li>`)}
            </ul>`
      }
    </section>`;
}

/** Every participant, with its roles and DCP grants. */
export function participantsPage(rows: ParticipantRow[]): Html {
  return html`<table>
    <thead>
      <tr>
        <th scope="col">DIP id</th>
        <th scope="col">Name</th>
        <th scope="col">Roles</th>
        <th scope="col">Its roles sent by a DCP</th>
        <th scope="col">Acts as DCP for</th>
      </tr>
    </thead>
    <tbody>
      ${rows.map(
        (p) =>
          html`<tr>
            <td>${p.dipId}</td>
            <td>${p.name}</td>
            <td>${list([...p.roles])}</td>
            <td>${list(p.assignedTo.map((g) => `${g.role} by ${g.dcpId}`))}</td>
            <td>${list(p.actsFor.map((g) => `${g.participantId} as ${g.role}`))}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

/** Every credential, optionally only certificates expiring within some days. */
export function credentialsPage(o: {
  days: string;
  certificates: CertificateRow[];
  apiKeys: ApiKeyRow[];
  error: string | null;
}): Html {
  return html`<form class="search" method="get" action="/portal/operator/certificates" role="search">
      <label>Certificates expiring within (days)<input name="expiringWithinDays" value="${o.days}" /></label>
      <div><button type="submit">Show</button></div>
    </form>
    ${o.error ? html`<p class="error" role="alert">${o.error}</p>` : ''}
    ${credentialTables({ certificates: o.certificates, apiKeys: o.apiKeys, owners: true })}`;
}

export interface AppointmentRow {
  service: string;
  participantId: string;
  roles: string[];
  from: string | null;
  to: string | null;
  appointedBy?: { channel: string | null; transactionId: string | null } | null;
}

const appointedBy = (a: AppointmentRow): Html => {
  const id = a.appointedBy?.transactionId;
  return id
    ? html`${a.appointedBy?.channel ?? ''} <a href="/portal/messages/${encodeURIComponent(id)}">${id}</a>`
    : html`<span class="muted">registry</span>`;
};

/** Who serves an MPAN at a time, and every appointment on record. */
export function mpanPage(o: {
  query: { mpan: string; at: string };
  found: { at: string | null; services: Record<string, AppointmentRow | null>; history: AppointmentRow[] } | null;
  error: string | null;
}): Html {
  return html`<form class="search" method="get" action="/portal/operator/mpans" role="search">
      <label>MPAN core<input name="mpan" value="${o.query.mpan}" inputmode="numeric" /></label>
      <label>At (default now)<input name="at" value="${o.query.at}" /></label>
      <div><button type="submit">Look up</button></div>
    </form>
    ${o.error ? html`<p class="error" role="alert">${o.error}</p>` : ''}
    ${
      o.found
        ? html`<h2>Served at ${o.found.at ?? ''}</h2>
            <table>
              <thead>
                <tr>
                  <th scope="col">Service</th>
                  <th scope="col">Participant</th>
                  <th scope="col">Roles</th>
                  <th scope="col">Since</th>
                  <th scope="col">Appointed by</th>
                </tr>
              </thead>
              <tbody>
                ${Object.entries(o.found.services).map(
                  ([service, a]) =>
                    html`<tr>
                      <td>${service}</td>
                      ${
                        a
                          ? html`<td>${a.participantId}</td>
                              <td>${a.roles.join(', ')}</td>
                              <td>${a.from ?? ''}</td>
                              <td>${appointedBy(a)}</td>`
                          : html`<td colspan="4" class="muted">nobody</td>`
                      }
                    </tr>`,
                )}
              </tbody>
            </table>
            <h2>History</h2>
            ${
              o.found.history.length === 0
                ? html`<p>No appointment on record.</p>`
                : html`<table>
                    <thead>
                      <tr>
                        <th scope="col">Service</th>
                        <th scope="col">Participant</th>
                        <th scope="col">From</th>
                        <th scope="col">To</th>
                        <th scope="col">Appointed by</th>
                      </tr>
                    </thead>
                    <tbody>
                      ${o.found.history.map(
                        (a) =>
                          html`<tr>
                            <td>${a.service}</td>
                            <td>${a.participantId}</td>
                            <td>${a.from ?? ''}</td>
                            <td>${a.to ?? html`<span class="muted">open</span>`}</td>
                            <td>${appointedBy(a)}</td>
                          </tr>`,
                      )}
                    </tbody>
                  </table>`
            }`
        : ''
    }`;
}
