import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { channelsMarkdown } from '../../src/catalogue/channels-doc.js';
import { loadCatalogue, packageRoot } from '../../src/catalogue/load.js';

test('docs/channels.md is what the catalogue says: one row per channel, regenerated with npm run docs:channels', () => {
  const catalogue = loadCatalogue();
  const markdown = channelsMarkdown(catalogue);
  assert.equal(readFileSync(join(packageRoot(), 'docs', 'channels.md'), 'utf8'), markdown, 'run npm run docs:channels');
  const rows = markdown.split('\n').filter((l) => /^\| (IF|REP)-/.test(l));
  assert.equal(rows.length, 58);
  assert.match(
    rows.find((r) => r.startsWith('| IF-021 '))!,
    /by MPAN SUP, LDSO; always every MDS, every LSS/,
  );
});
