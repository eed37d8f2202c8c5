/** Reads the catalogue files shipped with OpenDIP (and any newer OpenAPI documents an operator adds). */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCatalogue, type Catalogue, type Erratum, type JsonObject, type OpenApiDoc } from './catalogue.js';

/** The directory holding package.json, found from this file whether it runs from src/ or dist/. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'catalogue'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the OpenDIP package root');
    dir = up;
  }
  return dir;
}

export const BUNDLED_OPENAPI = 'dip-openapi-2.1.0.json';

const readJson = (path: string): JsonObject => JSON.parse(readFileSync(path, 'utf8')) as JsonObject;

/**
 * Loads the bundled 2.1.0 document, then `extraDocuments` in order (newer releases an operator points
 * OpenDIP at), the channel rules and the errata.
 */
export function loadCatalogue(extraDocuments: string[] = []): Catalogue {
  const dir = join(packageRoot(), 'catalogue');
  const docs = [join(dir, BUNDLED_OPENAPI), ...extraDocuments.map((p) => resolve(p))].map(
    (p) => readJson(p) as unknown as OpenApiDoc,
  );
  const errata = (readJson(join(dir, 'errata.json')).errata ?? []) as Erratum[];
  return buildCatalogue(docs, readJson(join(dir, 'channels.json')), errata);
}
