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

test('domain imports nothing of ours outside domain, and no I/O', () => {
  for (const [file, deps] of imports) {
    if (!file.startsWith('domain/')) continue;
    for (const d of deps) {
      assert.ok(
        d.startsWith('domain/') || (d.startsWith('node:') && !/node:(fs|net|http|https|child_process)/.test(d)),
        `${file} imports ${d}`,
      );
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

test('nothing imports the runtime but the runtime itself', () => {
  for (const [file, deps] of imports) {
    if (file.startsWith('runtime/')) continue;
    for (const d of deps) assert.ok(!d.startsWith('runtime/'), `${file} imports ${d}`);
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
