/** `opendip send`: sign and send a batch file to a DIP, as a participant would. */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { StandardResponse } from '../domain/responses.js';
import { formatCompactDate, formatDateTime } from '../domain/time.js';
import { getProperty } from '../validation/canonical.js';
import { createDipClient, identityFrom, identityOptions, type IdentityOptions } from './dip-client.js';

interface SendOptions extends IdentityOptions {
  channel: string;
  restamp?: boolean;
  json?: boolean;
}

const read = (path: string): string => (path === '-' ? readFileSync(0, 'utf8') : readFileSync(path, 'utf8'));

const messagesOf = (text: string): unknown[] => {
  const parsed: unknown = JSON.parse(text);
  return Array.isArray(parsed) ? parsed : [parsed];
};

/** The messages of one or more files: each holds an array of {payload} or a single {payload}. */
export function readMessages(files: string[]): unknown[] {
  return files.flatMap((f) => messagesOf(read(f)));
}

/**
 * The request body. A single file holding an array goes byte for byte, so odd spellings and whitespace
 * reach the DIP as written; otherwise the messages are joined into one array.
 */
export function batchBody(files: string[], restampChannel: string | null): string {
  const texts = files.map(read); // each file read once: standard input cannot be read twice
  if (texts.length === 1 && restampChannel === null && Array.isArray(JSON.parse(texts[0]!))) return texts[0]!;
  const messages = texts.flatMap(messagesOf);
  if (restampChannel !== null) restamp(messages, restampChannel);
  return JSON.stringify(messages);
}

/** Sets an S1 field under whatever spelling the message uses. */
function setS1(message: unknown, name: string, value: string): void {
  const s1 = getProperty(getProperty(getProperty(message, 'payload'), 'CommonBlock'), 'S1') as
    Record<string, unknown> | undefined;
  if (!s1 || typeof s1 !== 'object') return;
  const key = Object.keys(s1).find((k) => k.toLowerCase() === name.toLowerCase()) ?? name;
  s1[key] = value;
}

/** Gives every message a fresh SUR and senderTimestamp, so a sample file can be sent again and again. */
export function restamp(messages: unknown[], channel: string, now = Date.now()): void {
  const run = randomBytes(6).toString('hex');
  messages.forEach((m, i) => {
    const s1 = getProperty(getProperty(getProperty(m, 'payload'), 'CommonBlock'), 'S1');
    const sender = String(getProperty(s1, 'senderDIPID') ?? '0000000000');
    const role = String(getProperty(s1, 'senderRoleID') ?? 'SUP');
    setS1(
      m,
      'senderUniqueReference',
      `S-${channel}-${sender}-${role}-${formatCompactDate(now)}-${run}${i.toString(16)}`,
    );
    setS1(m, 'senderTimestamp', formatDateTime(now));
  });
}

/** One line per message: position, outcome, transaction id or what to fix. */
export function formatResult(status: number, body: StandardResponse): string {
  const items = body.messageArray ?? [];
  const accepted = items.filter((i) => i.message?.startsWith('MSG0000')).length;
  const lines = [`HTTP ${status}: ${accepted} of ${items.length} message(s) accepted`];
  items.forEach((item, i) => {
    const ok = item.message?.startsWith('MSG0000');
    const detail = ok
      ? `${item.transactionID}${item.correlationID ? `  ${item.correlationID}` : ''}`
      : (item.help ?? '');
    lines.push(`  ${String(i).padStart(5)}  ${item.senderUniqueReference ?? '-'}  ${item.message ?? ''}  ${detail}`);
  });
  return lines.join('\n');
}

export function registerSend(program: Command): void {
  identityOptions(
    program
      .command('send')
      .description(
        'sign and send a batch of messages to a DIP (this one or any other); exits non-zero unless all are accepted',
      )
      .argument('<files...>', 'JSON files holding [ {"payload": {...}}, ... ] ("-" reads standard input)')
      .requiredOption('--channel <id>', 'the channel, e.g. IF-021'),
  )
    .option('--restamp', 'give each message a fresh senderUniqueReference and senderTimestamp before signing')
    .option('--json', 'print the DIP response body as JSON')
    .action(async (files: string[], opts: SendOptions) => {
      const channel = opts.channel.toUpperCase();
      const identity = identityFrom(opts);
      const body = batchBody(files, opts.restamp ? channel : null);
      const client = createDipClient(identity);
      try {
        const res = await client.send('POST', `/dip-channel/${channel}`, body);
        let parsed: StandardResponse | null = null;
        try {
          parsed = JSON.parse(res.text) as StandardResponse;
        } catch {
          // not JSON: printed raw below
        }
        if (opts.json || !parsed?.messageArray)
          process.stdout.write(`${opts.json ? res.text : `HTTP ${res.status}\n${res.text}`}\n`);
        else process.stdout.write(`${formatResult(res.status, parsed)}\n`);
        process.exitCode = res.status === 201 ? 0 : 1;
      } finally {
        await client.close();
      }
    });
}
