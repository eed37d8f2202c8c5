/**
 * Bulk import of who serves each MPAN, for an operator seeding a DIP from the registration services' data:
 * CSV rows `mpan,service,participant,effective_from[,effective_to]`, streamed and applied in large
 * transactions so millions of rows take minutes. Bad rows are reported by line and skipped.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { isService } from '../domain/appointments.js';
import { mpanCoreProblem } from '../domain/mpan.js';
import { parseDateTime } from '../domain/time.js';
import type { MpanChange } from '../domain/appointments.js';
import type { MpanStore } from '../storage/ports.js';

export interface ImportResult {
  rows: number;
  applied: number;
  rejected: { line: number; problem: string }[];
}

/** `YYYY-MM-DD`, or a DT-003 date-time; epoch ms or null. */
function date(text: string): number | null {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return parseDateTime(`${text}T00:00:00+00:00`);
  return parseDateTime(text);
}

/** One CSV row → the registry changes it makes, or what is wrong with it. */
export function parseMpanRow(line: string): MpanChange[] | string {
  const [mpan = '', service = '', participant = '', from = '', to = ''] = line
    .split(',')
    .map((c) => c.trim().replace(/^"|"$/g, ''));
  if (!/^\d{13}$/.test(mpan)) return `MPAN '${mpan}' is not 13 digits`;
  const notMpan = mpanCoreProblem(mpan);
  if (notMpan) return `MPAN '${mpan}' is not a valid MPAN: ${notMpan}`;
  if (!isService(service)) return `service '${service}' is not one of SUP, LDSO, MS, DS, MDR, REGS`;
  if (!/^[0-9A-Fa-f]{10}$/.test(participant)) return `participant '${participant}' is not a 10-character DIP id`;
  const at = date(from);
  if (at === null) return `effective_from '${from}' is not YYYY-MM-DD or YYYY-MM-DDThh:mm:ss+hh:mm`;
  const changes: MpanChange[] = [{ mpan, service, action: 'appoint', participantId: participant, at, sourceSeq: null }];
  if (to !== '') {
    const end = date(to);
    if (end === null || end <= at) return `effective_to '${to}' is not a date after effective_from`;
    changes.push({ mpan, service, action: 'end', participantId: participant, at: end, sourceSeq: null });
  }
  return changes;
}

export async function importMpans(
  file: string,
  store: MpanStore,
  options: { chunk?: number; onProgress?: (rows: number) => void; maxReported?: number } = {},
): Promise<ImportResult> {
  const chunk = options.chunk ?? 20_000;
  const result: ImportResult = { rows: 0, applied: 0, rejected: [] };
  let pending: MpanChange[] = [];
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    result.applied += await store.applyMpanChanges(pending);
    pending = [];
    options.onProgress?.(result.rows);
  };
  let line = 0;
  for await (const text of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    line++;
    if (text.trim() === '' || (line === 1 && /^\s*"?mpan"?\s*,/i.test(text))) continue;
    result.rows++;
    const parsed = parseMpanRow(text);
    if (typeof parsed === 'string') {
      if (result.rejected.length < (options.maxReported ?? 100)) result.rejected.push({ line, problem: parsed });
      continue;
    }
    pending.push(...parsed);
    if (pending.length >= chunk) await flush();
  }
  await flush();
  return result;
}
