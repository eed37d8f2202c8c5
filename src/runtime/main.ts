/**
 * The `opendip` process entry: the command line, with the composition root handed to `serve`. The
 * composition root and the storage backends (fastify, the drivers, the schema compiler: most of a start's
 * half second of module loading) are imported only by the commands that use them, so `send`, `replay`,
 * `admin` and `--help` start without them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { packageRoot } from '../catalogue/load.js';
import { registerAdmin } from '../cli/admin.js';
import { registerAdminPause } from '../cli/admin-pause.js';
import { registerAdminOps } from '../cli/admin-ops.js';
import { registerAdminRegistry } from '../cli/admin-registry.js';
import { registerPki } from '../cli/pki.js';
import { registerAudit } from '../cli/audit.js';
import { registerCatalogue } from '../cli/catalogue.js';
import { registerRegistry } from '../cli/registry.js';
import { registerReplay } from '../cli/replay.js';
import { registerSample } from '../cli/sample.js';
import { registerSend } from '../cli/send.js';
import { registerSink } from '../cli/sink.js';
import { registerServe } from '../cli/serve.js';
import { registerValidate } from '../cli/validate.js';
import { loadConfig } from '../config/config.js';

const root = packageRoot();
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };

const program = new Command('opendip')
  .description('OpenDIP: an open-source MHHS Data Integration Platform')
  .version(version);
registerServe(program, {
  version,
  binPath: join(root, 'bin', 'opendip.js'),
  start: async (config, options) => (await import('./compose.js')).startDip(config, options),
});
registerSend(program);
registerValidate(program);
registerSample(program);
registerSink(program);
registerReplay(program);
registerCatalogue(program);
registerRegistry(program, {
  async open(flags) {
    const [{ openStore }, { openRegistry }] = await Promise.all([
      import('../storage/open.js'),
      import('../registry/registry.js'),
    ]);
    const config = loadConfig(flags);
    const store = await openStore(config.databaseUrl);
    const origin = config.publicUrl ?? `${config.tls.enabled ? 'https' : 'http'}://localhost:${config.port}`;
    return { registry: await openRegistry(store), store, origin, close: () => store.close() };
  },
});

registerAudit(program, {
  async open(flags) {
    const { openStore } = await import('../storage/open.js');
    const store = await openStore(loadConfig(flags).databaseUrl);
    return { store, close: () => store.close() };
  },
});

const admin = registerAdmin(program);
registerAdminPause(admin);
registerAdminOps(admin);
registerAdminRegistry(admin);
registerPki(program);

program.parseAsync(process.argv).catch((e: unknown) => {
  process.stderr.write(`opendip: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(2);
});
