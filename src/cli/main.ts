/** The `opendip` command. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { packageRoot } from '../catalogue/load.js';
import { registerSend } from './send.js';
import { registerServe } from './serve.js';
import { registerValidate } from './validate.js';

const root = packageRoot();
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };

const program = new Command('opendip')
  .description('OpenDIP: an open-source MHHS Data Integration Platform')
  .version(version);
registerServe(program, version, join(root, 'bin', 'opendip.js'));
registerSend(program);
registerValidate(program);

program.parseAsync(process.argv).catch((e: unknown) => {
  process.stderr.write(`opendip: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(2);
});
