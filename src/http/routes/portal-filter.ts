/**
 * The filter the portal's replay and requeue forms share (channel, time, MPAN, event code): the request
 * body it makes, as the signed API would receive it, and the count shown before anything runs.
 */
import type { Catalogue } from '../../catalogue/catalogue.js';
import { STATUS_CHANNEL } from '../../domain/delivery.js';
import { REQUEUE_FIELDS } from '../../portal/requeue-pages.js';
import { requeueBody } from '../../replay/request.js';

/** The filter's fields, as the forms name them. */
export const FILTER_NAMES = ['channel', ...REQUEUE_FIELDS.map(([n]) => n)];

/** What a filter may name: every channel of the catalogue, then status messages. */
export const filterChannels = (catalogue: Catalogue): string[] => [
  ...[...catalogue.channels.keys()].sort(),
  STATUS_CHANNEL,
];

/** A preview counts this far and then says "at least". */
export const PREVIEW_CAP = 100_000;

export type Counted = { status: 200; count: number; atLeast: boolean } | { status: 400; help: string };

/** The body a filter makes, or why it makes none. */
export const filterBody = (channels: readonly string[], fields: Record<string, string>) => {
  const channel = fields.channel ?? '';
  return channels.includes(channel) ? requeueBody(fields) : { help: `${channel || 'no channel'} is not a DIP channel` };
};

/**
 * The count a filter shows first, when it names a channel and nothing is wrong yet: the preview, or the
 * refusal (status 400) with its reason.
 */
export async function countFirst(
  channels: readonly string[],
  query: Record<string, string>,
  error: string | null,
  count: (channel: string, body: Buffer) => Promise<Counted>,
): Promise<{ refused: boolean; error: string | null; preview: { count: number; atLeast: boolean } | null }> {
  if (!query.channel || error) return { refused: false, error, preview: null };
  const asked = filterBody(channels, query);
  if ('help' in asked) return { refused: true, error: asked.help, preview: null };
  const counted = await count(query.channel, asked.body);
  return counted.status === 400
    ? { refused: true, error: counted.help, preview: null }
    : { refused: false, error: null, preview: counted };
}
