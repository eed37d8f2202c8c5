/** A stand-in delivery thread for testing its supervision: counts its starts, dies when woken, stops when told. */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';

const { config } = workerData as { config: { dataDir: string } };
appendFileSync(join(config.dataDir, 'starts'), 'x');
parentPort!.on('message', (m: string) => {
  if (m === 'wake') process.exit(3);
  if (m === 'registry') appendFileSync(join(config.dataDir, 'registry'), 'x');
  if (m === 'stop') {
    parentPort!.postMessage('stopped');
    parentPort!.close();
  }
});
parentPort!.postMessage('ready');
