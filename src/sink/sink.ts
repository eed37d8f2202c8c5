/**
 * A participant's webhook receiver: verifies the DIP's signature headers, answers each message with an RCP
 * code (seed §4.6.6), keeps what it accepted in memory and optionally as JSON lines, and can be told to fail
 * in every way the DIP must cope with. Used by tests, benchmarks and the demo market, and by `opendip sink`.
 */
import type { X509Certificate } from 'node:crypto';
import { parsePemBundle } from '../crypto/certificates.js';
import { createControls } from './controls.js';
import { createHandler } from './handle.js';
import { createInbox } from './inbox.js';
import { openLineFile } from './lines.js';
import { closeServer, listen } from './server.js';
import type { Sink, SinkOptions } from './types.js';

export async function startSink(options: SinkOptions = {}): Promise<Sink> {
  const anchors: X509Certificate[] | null = options.trustedCa ? options.trustedCa.flatMap(parsePemBundle) : null;
  if (anchors && anchors.length === 0) throw new Error('trustedCa holds no PEM certificate');
  const maxSkewMs = options.maxSkewSeconds === undefined ? null : options.maxSkewSeconds * 1000;
  const lines = options.out ? await openLineFile(options.out) : null;
  const controls = createControls(options.behaviour ?? {});
  const inbox = createInbox({ keep: options.keep ?? true, lean: options.lean ?? false, lines, onCall: options.onCall });
  const closing = new AbortController();
  let hostPort = '';
  const handler = createHandler({
    now: options.now ?? Date.now,
    controls,
    inbox,
    judging: {
      controls,
      tls: options.tls,
      signatures: (options.verifySignature ?? true) ? { anchors, maxSkewMs } : null,
    },
    // Lean reading has no element bytes to write: with a JSON-lines file the body is parsed.
    reading: {
      lean: !!options.lean && lines === null && !options.reports,
      raw: lines !== null,
      ...(options.reports ? { reports: options.reports } : {}),
    },
    hostPort: () => hostPort,
    closing: closing.signal,
  });
  const listening = await listen(options, handler.listener);
  hostPort = listening.hostPort;

  const sink: Sink = {
    url: `${options.tls ? 'https' : 'http'}://${hostPort}`,
    calls: inbox.calls,
    messages: inbox.messages,
    statuses: inbox.statuses,
    counts: inbox.counts,
    inFlight: handler.inFlight,
    setBehaviour: controls.set,
    waitFor: (predicate, timeoutMs = 10_000) => inbox.waitFor(() => predicate(sink), timeoutMs),
    async close() {
      if (closing.signal.aborted) return;
      closing.abort();
      await closeServer(listening.server);
      await inbox.close();
    },
  };
  return sink;
}
