/**
 * The workflow view: every message of a correlation id the viewer may see, oldest first, each with who
 * sent it in which role and what became of the copies the viewer may see. Pure: data in, markup out.
 */
import { html, queryString, type Html } from './html.js';

export interface WorkflowStep {
  transactionID: string;
  transactionTimestamp: string;
  channel: string;
  eventCode: string;
  senderID: string;
  senderRoleID: string;
  MPAN: string | null;
  /** The copies the viewer may see: all to the sender, its own to a recipient. */
  copies: { recipientId: string; role: string | null; state: string }[];
}

export function workflowPage(o: { correlationId: string; steps: WorkflowStep[]; next: string | null }): Html {
  if (o.steps.length === 0)
    return html`<p>No message of this workflow that you may see.</p>
      <p><a href="/portal/messages">Search messages</a></p>`;
  const channels = [...new Set(o.steps.map((s) => s.channel))];
  const more = o.next
    ? `/portal/workflows/${encodeURIComponent(o.correlationId)}${queryString({ after: o.next })}`
    : null;
  return html`<p>
      ${o.steps.length}${more ? '+' : ''} message${o.steps.length === 1 ? '' : 's'} on ${channels.join(', ')}, oldest
      first. <a href="/portal/messages${queryString({ correlationID: o.correlationId })}">As a search</a>
    </p>
    <ol class="workflow" aria-label="Messages of the workflow">
      ${o.steps.map(
        (s) =>
          html`<li>
            <p>
              <strong>${s.transactionTimestamp}</strong> ·
              <a href="/portal/messages/${encodeURIComponent(s.transactionID)}">${s.channel} ${s.eventCode}</a> from
              ${s.senderID} (${s.senderRoleID})${s.MPAN ? ` for MPAN ${s.MPAN}` : ''}
            </p>
            ${
              s.copies.length === 0
                ? html`<p class="muted">No copies you may see.</p>`
                : html`<ul>
                    ${s.copies.map((c) => html`<li>to ${c.recipientId}${c.role ? ` as ${c.role}` : ''}: ${c.state}</li>`)}
                  </ul>`
            }
          </li>`,
      )}
    </ol>
    ${more ? html`<p><a href="${more}" rel="next">Later messages</a></p>` : ''}`;
}
