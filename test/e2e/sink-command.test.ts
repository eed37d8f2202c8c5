/**
 * `opendip sink` as a participant runs it: a process of its own that says where it listens and prints one
 * line per webhook call. (test/http/sink.test.ts covers the sink itself and the command's flags in-process.)
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import { packageRoot } from '../../src/catalogue/load.js';
import type { Sink } from '../../src/sink/types.js';
import { message, post } from '../http/sink-support.js';

describe('opendip sink', () => {
  test('the command prints its URL and one line per call', async () => {
    const cli = new URL('../../src/cli/sink.js', import.meta.url).href;
    const script = `import { Command } from 'commander'; const { registerSink } = await import(${JSON.stringify(cli)});
      const p = new Command('opendip'); registerSink(p); await p.parseAsync(process.argv.slice(1), { from: 'user' });`;
    const child = spawn(
      process.execPath,
      ['--input-type=module', '-e', script, 'sink', '--port', '0', '--reject', 'RCP1001', '--reject-every', '2'],
      { cwd: packageRoot(), stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      let output = '';
      const seen = (pattern: RegExp) =>
        new Promise<RegExpMatchArray>((resolve, reject) => {
          const look = () => {
            const m = output.match(pattern);
            if (m) resolve(m);
          };
          child.stdout.on('data', (d: Buffer) => {
            output += d.toString();
            look();
          });
          child.once('exit', (code) => reject(new Error(`sink exited ${code}: ${output}`)));
          look();
        });
      const [, url] = await seen(
        /listening on (http:\/\/127\.0\.0\.1:\d+) \(any path\); signatures checked \(certificate chain not checked\)/,
      );
      const fake = { url: url!, calls: () => [] } as unknown as Sink;
      assert.equal((await post(fake, [message(1), message(2)], { path: '/ds/IF-021' })).status, 207);
      const [line] = await seen(/\n(.*IF-021.*)\n/);
      assert.match(line!, /^\n\S+Z {2}207 {2}IF-021 {2}2 message\(s\), 1 rejected {2}\/ds\/IF-021\n$/);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
