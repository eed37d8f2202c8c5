/** `npm run docs:config`: rewrites the configuration table in README.md from the settings. */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withSettingsTable } from './settings-doc.js';

// Compiled to dist/src/config/, three levels below the package root.
const readme = fileURLToPath(new URL('../../../README.md', import.meta.url));
const before = readFileSync(readme, 'utf8');
const after = withSettingsTable(before);
if (after !== before) writeFileSync(readme, after);
process.stdout.write(`${readme}: configuration table ${after === before ? 'already up to date' : 'rewritten'}\n`);
