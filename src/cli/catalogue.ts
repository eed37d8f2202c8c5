/** `opendip catalogue`: what the channel catalogue says, for people. */
import type { Command } from 'commander';
import { channelsMarkdown } from '../catalogue/channels-doc.js';
import { loadCatalogue } from '../catalogue/load.js';

export function registerCatalogue(program: Command): void {
  program
    .command('catalogue')
    .description(
      'print the channel catalogue (senders, recipients, correlation, obfuscation, registry updates) as Markdown',
    )
    .action(() => {
      process.stdout.write(channelsMarkdown(loadCatalogue()));
    });
}
