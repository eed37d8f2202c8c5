/** Time as the DIP writes it: DT-003 is exactly 25 characters, `YYYY-MM-DDThh:mm:ss+hh:mm`. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** Midnight UTC at the start of the day of `ms`. */
export const startOfUtcDay = (ms: number): number => Math.floor(ms / 86_400_000) * 86_400_000;

/** DT-003 in UTC, e.g. `2024-03-21T19:05:00+00:00`. */
export function formatDateTime(ms: number): string {
  const d = new Date(ms);
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}` +
    `T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}+00:00`
  );
}

/** `yyyymmdd` in UTC, the date part of transaction and correlation ids. */
export function formatCompactDate(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}`;
}

const DT003 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})([+-])(\d{2}):(\d{2})$/;

/**
 * Parses a DT-003 value, checking that every field is in range (the schema checks only the length).
 * Returns epoch milliseconds, or null when the value is not a real date-time.
 */
export function parseDateTime(value: string): number | null {
  const m = DT003.exec(value);
  if (!m) return null;
  const [y, mo, d, h, mi, s, sign, oh, om] = m.slice(1).map((x, i) => (i === 6 ? x : Number(x))) as [
    number,
    number,
    number,
    number,
    number,
    number,
    string,
    number,
    number,
  ];
  if (mo < 1 || mo > 12 || h > 23 || mi > 59 || s > 59 || oh > 14 || om > 59) return null;
  const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (d < 1 || d > daysInMonth) return null;
  const offset = (oh * 60 + om) * 60_000 * (sign === '-' ? -1 : 1);
  return Date.UTC(y, mo - 1, d, h, mi, s) - offset;
}

/** The journal's own time form, e.g. `2026-07-01 09:58:08.692` (DIPJournalRecord.TimeGenerated). */
export function formatJournalTime(ms: number, withMillis = true): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, withMillis ? 23 : 19)}`;
}
