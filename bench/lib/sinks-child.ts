/**
 * Webhook sinks for benchmarks, in their own process so they do not share a thread with the load
 * generator. Tells the parent, per call, when it arrived and how many messages of each batch it held
 * (the batch is the hex digit run before the last character of the SUR reference, see lib/if021.ts).
 */
import { startSink } from '../../src/sink/sink.js';
import { type ReceivedCall } from '../../src/sink/types.js';

const count = Number(process.argv[2] ?? '3');
const ca = process.argv[3] ? [process.argv[3]] : undefined;

const batchOf = (sur: string | null): string =>
  (sur ?? '').slice((sur ?? '').lastIndexOf('-') + 1, (sur ?? '').lastIndexOf('-') + 9);

const sinks = await Promise.all(
  Array.from({ length: count }, (_, i) =>
    startSink({
      keep: false,
      lean: true,
      ...(ca ? { trustedCa: ca } : {}),
      onCall: (call: ReceivedCall) => {
        const perRun = new Map<string, number>();
        for (const f of call.facts) perRun.set(batchOf(f.sur), (perRun.get(batchOf(f.sur)) ?? 0) + 1);
        process.send?.({ sink: i, at: Date.now(), status: call.status, runs: [...perRun] });
      },
    }),
  ),
);
process.send?.({ urls: sinks.map((s) => s.url) });
process.on('message', (m) => {
  if (m === 'stop') void Promise.all(sinks.map((s) => s.close())).then(() => process.exit(0));
});
