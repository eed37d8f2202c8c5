/** The import rules of DESIGN.md, enforced: layers stay legible only if nobody reaches across them. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { packageRoot } from '../../src/catalogue/load.js';

const src = join(packageRoot(), 'src');
const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );

/** file (relative to src) → the modules it imports: relative ones resolved to src-relative paths, packages by name. */
const imports = new Map(
  files(src).map((f) => {
    const text = readFileSync(f, 'utf8');
    const specs = [
      ...text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'/gm),
      ...text.matchAll(/^\s*import\s+'([^']+)'/gm),
      // A module loaded on first use is still a dependency, and the table applies to it as to any other.
      ...text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g),
    ].map((m) => m[1]!);
    return [
      relative(src, f),
      specs.map((s) => (s.startsWith('.') ? relative(src, resolve(dirname(f), s)).replace(/\.js$/, '.ts') : s)),
    ];
  }),
);

test('imports are read from the source (so the rules below check something)', () => {
  assert.ok(imports.get('ingress/accept.ts')?.includes('domain/ids.ts'));
  assert.ok(imports.get('storage/open.ts')?.includes('storage/sqlite/store.ts'));
  assert.ok(imports.get('runtime/main.ts')?.includes('runtime/compose.ts'));
});

/**
 * Which folder of src/ may import which: the stages, bottom up. Data moves one way (DESIGN.md); an arrow
 * not in this table is a layering mistake, so the table changes only with a reason written next to it.
 */
const MAY_IMPORT: Record<string, readonly string[]> = {
  domain: [],
  crypto: ['domain'],
  catalogue: ['domain'],
  validation: ['domain', 'catalogue'],
  routing: ['domain', 'catalogue'],
  storage: ['domain'],
  config: ['domain'],
  // Prometheus registries over the domain's observations; stages only ever see the observer interfaces.
  metrics: ['domain'],
  registry: ['domain', 'crypto', 'catalogue', 'storage'],
  status: ['domain', 'catalogue', 'validation', 'registry', 'storage'],
  delivery: ['domain', 'crypto', 'catalogue', 'routing', 'registry', 'status', 'storage'],
  audit: ['domain', 'crypto', 'status', 'storage'],
  replay: ['domain', 'catalogue', 'validation', 'registry', 'status', 'delivery', 'storage'],
  ingress: ['domain', 'crypto', 'catalogue', 'validation', 'routing', 'registry', 'status', 'storage'],
  // A participant's webhook receiver: it shares the wire format with the DIP, never the DIP's stages.
  sink: ['domain', 'crypto', 'validation'],
  // The portal's markup and sessions: pure, over nothing but node:crypto.
  portal: [],
  http: [
    'portal',
    'domain',
    'crypto',
    'catalogue',
    'validation',
    'config',
    'registry',
    'status',
    'delivery',
    'audit',
    'replay',
    'ingress',
    'storage',
  ],
  demo: ['domain', 'crypto', 'catalogue', 'registry', 'storage', 'delivery', 'sink'],
  cli: [
    'domain',
    'crypto',
    'catalogue',
    'validation',
    'config',
    'registry',
    'audit',
    'ingress',
    'storage',
    'sink',
    'demo',
  ],
  runtime: [
    'portal',
    'domain',
    'crypto',
    'catalogue',
    'validation',
    'routing',
    'config',
    'storage',
    'registry',
    'status',
    'delivery',
    'audit',
    'replay',
    'ingress',
    'sink',
    'http',
    'demo',
    'cli',
    'metrics',
  ],
};

const folderOf = (file: string): string => file.split('/')[0]!;

test('every folder of src has a row in the import table', () => {
  for (const file of imports.keys()) assert.ok(folderOf(file) in MAY_IMPORT, `${folderOf(file)}/ is not in MAY_IMPORT`);
});

test('folders import only what the table allows them', () => {
  const wrong: string[] = [];
  for (const [file, deps] of imports) {
    for (const d of deps) {
      if (!/\.ts$/.test(d) || folderOf(d) === folderOf(file)) continue;
      if (!MAY_IMPORT[folderOf(file)]?.includes(folderOf(d))) wrong.push(`${file} imports ${d}`);
    }
  }
  assert.deepEqual(wrong, []);
});

test('the table itself runs one way: no folder reaches itself through others', () => {
  const reach = (from: string, seen = new Set<string>()): Set<string> => {
    for (const to of MAY_IMPORT[from] ?? []) if (!seen.has(to)) reach(to, seen.add(to));
    return seen;
  };
  for (const folder of Object.keys(MAY_IMPORT)) assert.ok(!reach(folder).has(folder), `${folder} can reach itself`);
});

test('no two files import each other, directly or round a loop', () => {
  const state = new Map<string, 'open' | 'done'>();
  const visit = (file: string, path: string[]): void => {
    if (state.get(file) === 'done') return;
    assert.notEqual(state.get(file), 'open', `import loop: ${[...path.slice(path.indexOf(file)), file].join(' → ')}`);
    state.set(file, 'open');
    for (const d of imports.get(file) ?? []) if (imports.has(d)) visit(d, [...path, file]);
    state.set(file, 'done');
  };
  for (const file of imports.keys()) visit(file, []);
});

test('domain does no I/O', () => {
  for (const [file, deps] of imports) {
    if (!file.startsWith('domain/')) continue;
    for (const d of deps) {
      if (d.endsWith('.ts')) continue; // its own files: the table says domain imports no other folder
      assert.ok(d.startsWith('node:') && !/node:(fs|net|http|https|child_process)/.test(d), `${file} imports ${d}`);
    }
  }
});

test('only storage/open.ts picks a backend, and only storage talks to a database driver', () => {
  for (const [file, deps] of imports) {
    for (const d of deps) {
      if (/^storage\/(sqlite|postgres)\//.test(d))
        assert.ok(
          file === 'storage/open.ts' || file.startsWith(d.split('/').slice(0, 2).join('/')),
          `${file} imports ${d}`,
        );
      if (d === 'better-sqlite3' || d === 'pg') assert.ok(file.startsWith('storage/'), `${file} imports ${d}`);
    }
  }
});

test('HTTP routes and the CLI call use cases, never storage implementations', () => {
  for (const [file, deps] of imports) {
    if (!file.startsWith('http/') && !file.startsWith('cli/')) continue;
    for (const d of deps) assert.ok(!/^storage\/(?!ports\.ts)/.test(d), `${file} imports ${d}`);
  }
});

test('config builds on the domain alone, so any layer can read its settings', () => {
  for (const [file, deps] of imports) {
    if (!file.startsWith('config/')) continue;
    for (const d of deps)
      assert.ok(d.startsWith('domain/') || d.startsWith('config/') || d.startsWith('node:'), `${file} imports ${d}`);
  }
});

test('only config reads the environment', () => {
  for (const file of imports.keys()) {
    if (file.startsWith('config/')) continue;
    assert.ok(!/process\.env\b/.test(readFileSync(join(src, file), 'utf8')), `${file} reads process.env`);
  }
});

test('source files stay small enough to read', () => {
  for (const file of imports.keys()) {
    const lines = readFileSync(join(src, file), 'utf8').split('\n').length;
    assert.ok(lines <= 450, `${file} has ${lines} lines`);
  }
});
