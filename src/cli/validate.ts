/** `opendip validate`: check message files offline against the DIP's schemas and data rules. */
import type { Command } from 'commander';
import { leafKey } from '../catalogue/catalogue.js';
import { loadCatalogue } from '../catalogue/load.js';
import type { ValidateTarget } from '../ingress/dry-run.js';
import { readHeader } from '../validation/message.js';
import { readMessages } from './send.js';

/** The validators (Ajv and its compiled schemas), loaded by this command alone rather than by every `opendip` start. */
const validation = () => Promise.all([import('../ingress/dry-run.js'), import('../validation/schemas.js')]);

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description(
      'validate messages offline against the DIP schemas and Level 1 data rules; exits non-zero on any problem',
    )
    .argument(
      '<files...>',
      'JSON files holding [ {"payload": {...}}, ... ] or one {"payload": {...}} ("-" reads standard input)',
    )
    .option('--environment <tag>', 'environment tag the messages must carry', 'DEV')
    .option('--openapi <files>', 'newer published OpenAPI documents, comma-separated')
    .action(async (files: string[], opts: { environment: string; openapi?: string }) => {
      const [{ findValidateTarget, validateMessages }, { createSchemaRegistry }] = await validation();
      const catalogue = loadCatalogue(opts.openapi ? opts.openapi.split(',') : []);
      const schemas = createSchemaRegistry(catalogue);
      const messages = readMessages(files);
      let failures = 0;
      for (const [index, message] of messages.entries()) {
        const header = readHeader((message as { payload?: unknown } | null)?.payload);
        const channel = String(header?.interfaceID ?? '');
        const eventCode = String(header?.eventCode ?? '');
        // The /validate endpoint when there is one, else the schema the S0 header selects (IF-016, IF-047, REP-*).
        const leaf = catalogue.leaves.get(leafKey(channel, eventCode, String(header?.schemaVersion ?? '')));
        const target: ValidateTarget | null =
          findValidateTarget(catalogue, channel, eventCode.replace(/^\[|\]$/g, '')) ??
          (leaf ? { channel, eventCode } : null);
        const problems = target
          ? (
              await validateMessages(catalogue, schemas, target, Buffer.from(JSON.stringify([message])), {
                environment: opts.environment,
                now: Date.now(),
                maxFutureMs: 300_000,
                checkReports: true,
              })
            ).map((p) => p.replace(/^message 0: /, ''))
          : [
              `S0 names no known schema: interfaceID ${JSON.stringify(header?.interfaceID ?? null)}, eventCode ${JSON.stringify(header?.eventCode ?? null)}, schemaVersion ${JSON.stringify(header?.schemaVersion ?? null)}`,
            ];
        const label = `message ${index} (${channel || '?'} ${eventCode})`;
        if (problems.length === 0) {
          process.stdout.write(`${label}: OK\n`);
        } else {
          failures++;
          process.stdout.write(`${label}:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
        }
      }
      process.stdout.write(`${messages.length - failures} of ${messages.length} message(s) valid\n`);
      process.exitCode = failures === 0 ? 0 : 1;
    });
}
