/**
 * On PostgreSQL a transaction sequence number carries the UTC day its message arrived:
 * seq = day × 2^36 + n (migrations/postgres/0001_initial.sql). The archive is partitioned by it.
 */
export const DAY_MS = 86_400_000;
export const DAY_SHIFT = 2 ** 36;

/** The first sequence number of the day holding `ms`. */
export const dayBase = (ms: number): number => Math.floor(ms / DAY_MS) * DAY_SHIFT;
