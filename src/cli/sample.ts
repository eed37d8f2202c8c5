/**
 * `opendip sample`: print valid messages for any channel and event, to edit and send. Messages are about a
 * demo MPAN unless told otherwise, so that a sample sent to the demo market is routed to its participants
 * rather than answered with "nobody serves this MPAN".
 */
import type { Command } from 'commander';
import { loadCatalogue } from '../catalogue/load.js';
import { buildBatch } from '../catalogue/messages.js';
import { DEMO_MPAN, demoDistributorOf } from '../demo/mpans.js';
import { mpanCoreProblem } from '../domain/mpan.js';

interface SampleOptions {
  channel: string;
  event?: string;
  sender: string;
  role?: string;
  dcp?: string;
  count: string;
  environment: string;
  recipients?: string;
  fill: 'minimal' | 'full';
  seed: string;
  mpan: string;
  distributor?: string;
}

export function registerSample(program: Command): void {
  program
    .command('sample')
    .description('print a batch of schema-valid messages, [ {"payload": {...}}, ... ], for a channel and event')
    .requiredOption('--channel <id>', 'e.g. IF-005')
    .requiredOption('--sender <dipId>', 'senderDIPID')
    .option('--event <code>', 'event code, with or without brackets (default: the first of the channel)')
    .option('--role <role>', 'senderRoleID (default: the first role allowed to send the channel)')
    .option('--dcp <dipId>', 'DIPConnectionProviderID, when a DCP sends')
    .option('--recipients <ids>', 'A0.primaryRecipients, comma-separated')
    .option('--mpan <core>', 'M0.MPANCore / M1.principalMPAN (default: a demo MPAN)', DEMO_MPAN)
    .option('--distributor <dipId>', "M0/M1.distributorDIPID (default: a demo MPAN's demo distributor)")
    .option('--count <n>', 'number of messages', '1')
    .option('--environment <tag>', 'environmentTag', 'DEV')
    .option('--fill <mode>', 'minimal (required properties only) or full', 'full')
    .option('--seed <n>', 'seed for the sample data', '1')
    .action((opts: SampleOptions, command: Command) => {
      const problem = mpanCoreProblem(opts.mpan);
      if (problem) command.error(`opendip sample: --mpan ${opts.mpan} is not a valid MPAN: ${problem}`);
      const distributor = opts.distributor ?? demoDistributorOf(opts.mpan);
      const catalogue = loadCatalogue();
      const event = opts.event === undefined ? undefined : `[${opts.event.replace(/^\[|\]$/g, '')}]`;
      const batch = buildBatch(
        catalogue,
        {
          channel: opts.channel.toUpperCase(),
          ...(event ? { eventCode: event } : {}),
          sender: opts.sender,
          ...(opts.role ? { role: opts.role } : {}),
          dcp: opts.dcp ?? null,
          environment: opts.environment,
          ...(opts.recipients ? { primaryRecipients: opts.recipients.split(',') } : {}),
          mpan: opts.mpan,
          ...(distributor ? { distributor } : {}),
          fill: opts.fill,
          seed: Number(opts.seed),
        },
        Number(opts.count),
      );
      process.stdout.write(`${JSON.stringify(batch, null, 2)}\n`);
    });
}
