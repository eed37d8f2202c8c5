/** The JSON-lines file the sink appends accepted items to (`out`): one line per item, in the order stored. */
import { open } from 'node:fs/promises';
import type { Received } from './body.js';

export interface LineFile {
  /** Resolves once the lines of the items at `indices` are written. */
  append(at: number, path: string, received: Received, mpo: unknown, indices: number[]): Promise<void>;
  /** Once every append has finished. */
  close(): Promise<void>;
}

export async function openLineFile(path: string): Promise<LineFile> {
  const out = await open(path, 'a');
  // Appends run one after another; one that failed does not stop the next.
  let writes: Promise<void> = Promise.resolve();
  return {
    async append(at, callPath, { kind, items, facts, raw, reports }, mpo, indices) {
      const head = `{"receivedAt":${JSON.stringify(new Date(at).toISOString())},"path":${JSON.stringify(callPath)},"kind":"${kind}","mpo":${JSON.stringify(mpo)},"transactionID":`;
      const parts: Buffer[] = [];
      for (const i of indices) {
        const bytes = raw?.[i] ?? Buffer.from(JSON.stringify(items[i]));
        const report = reports?.[i];
        const tail = report === undefined || report === null ? '}\n' : `,"report":${JSON.stringify(report)}}\n`;
        parts.push(Buffer.from(`${head}${JSON.stringify(facts[i]!.transactionID)},"item":`), bytes, Buffer.from(tail));
      }
      const data = Buffer.concat(parts);
      const write = writes.then(() => out.appendFile(data));
      writes = write.catch(() => undefined);
      await write;
    },
    async close() {
      await writes;
      await out.close();
    },
  };
}
