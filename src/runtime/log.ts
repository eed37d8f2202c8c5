/**
 * The process's logger: JSON lines for machines, readable lines for a person at a terminal. `auto` decides
 * by whether standard output is a terminal, so `opendip serve | collector` and a redirect stay JSON.
 */
import { createRequire } from 'node:module';
import { pino, type Logger } from 'pino';
import type { PinoPretty } from 'pino-pretty';
import type { LogFormat } from '../config/types.js';

/** pino-pretty only where lines are pretty: JSON logging (every process not at a terminal) never loads it. */
const loadPretty = (): typeof PinoPretty =>
  (createRequire(import.meta.url)('pino-pretty') as { PinoPretty: typeof PinoPretty }).PinoPretty;

export interface LogStyle {
  pretty: boolean;
  /** Colours only on a terminal: a forced `pretty` into a file stays free of escape codes. */
  colour: boolean;
}

export const logStyle = (format: LogFormat, stdoutIsTTY: boolean): LogStyle => ({
  pretty: format === 'pretty' || (format === 'auto' && stdoutIsTTY),
  colour: stdoutIsTTY,
});

/** `json` is the stream the thread already used: asynchronous, so logging never waits on a slow terminal. */
export function createLogger(
  level: string,
  style: LogStyle,
  json = pino.destination({ dest: 1, sync: false }),
): Logger {
  if (!style.pretty) return pino({ level }, json);
  // In-process rather than a pino transport, which would add a thread to each process and to the delivery thread;
  // synchronous, so the last lines before a stop reach the terminal.
  return pino(
    { level },
    loadPretty()({
      colorize: style.colour,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname',
      destination: 1,
      sync: true,
    }),
  );
}
