/** docs/channels.md, generated from catalogue/channels.json: one table row per channel. */
import type { Catalogue } from './catalogue.js';
import type { AlwaysRecipient, EventRule, RecipientRules } from './rules.js';

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const list = (items: readonly string[]): string => (items.length === 0 ? '–' : items.join(', '));
const always = (a: readonly AlwaysRecipient[]): string => list(a.map((x) => ('participant' in x ? `${x.participant} (${x.role})` : `every ${x.role}`)));

function recipients(r: RecipientRules): string {
  const parts = [];
  if (r.primary.length > 0) parts.push(`primary ${list(r.primary)}${r.primaryRequired ? ' (required)' : ''}`);
  if (r.secondary.length > 0) parts.push(`by MPAN ${list(r.secondary)}`);
  if (r.always.length > 0) parts.push(`always ${always(r.always)}`);
  return parts.join('; ') || 'none';
}

function obfuscation(o: Record<string, string[]>): string {
  const entries = Object.entries(o);
  return entries.length === 0 ? '–' : entries.map(([role, pointers]) => `${role}: ${pointers.join(', ')}`).join('; ');
}

function eventDifferences(events: Record<string, Partial<EventRule>>): string {
  const out = Object.entries(events).map(([code, e]) => {
    const parts = [];
    if (e.senders) parts.push(`senders ${list(e.senders)}`);
    if (e.correlation) parts.push(`correlation ${e.correlation}`);
    if (e.recipients) parts.push(recipients(e.recipients));
    if (e.obfuscation) parts.push(`obfuscation ${obfuscation(e.obfuscation)}`);
    return `${code}: ${parts.join('; ')}`;
  });
  return out.length === 0 ? '–' : out.join(' · ');
}

export function channelsMarkdown(catalogue: Catalogue): string {
  const lines = [
    '# Channels',
    '',
    'Generated from `catalogue/channels.json` by `npm run docs:channels`; do not edit by hand. How each field was',
    'derived, and which source wins where they disagree, is in [channel-sources.md](channel-sources.md). The notes',
    'column records every choice made where the sources disagree or are silent.',
    '',
    '| channel | name | publication | security | senders | correlation | recipients | obfuscated for | registry updates | per event | notes |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const c of catalogue.channels.values()) {
    const updates = c.registryUpdates.map((u) => `${u.action} ${u.service}${u.events ? ` on ${u.events.join(', ')}` : ''}`);
    lines.push(`| ${[
      c.id, c.name, c.publication, String(c.securityCategory), list(c.senders), c.correlation, recipients(c.recipients),
      obfuscation(c.obfuscation), list(updates), eventDifferences(c.events), c.notes.join(' · ') || '–',
    ].map(cell).join(' | ')} |`);
  }
  return `${lines.join('\n')}\n`;
}
