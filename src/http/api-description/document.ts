/**
 * The API this DIP serves, as one OpenAPI 3.0 document: the published documents layered oldest first (a later
 * release's path or component replaces an earlier one of the same name, as the catalogue layers message
 * schemas), then OpenDIP's additions, each marked `x-opendip`. Published objects are never changed: where an
 * addition goes inside a published path item, the item is copied.
 */
import type { OpenApiDoc } from '../../catalogue/catalogue.js';
import { ADMIN_PATHS } from './admin-paths.js';
import { ADMIN_OPS_PATHS } from './admin-ops-paths.js';
import { REGISTRY_PATHS } from './registry-paths.js';
import { COMPONENT_SCHEMAS, ROLE_PARAMETER, ROOT_PATHS, VERSIONED_PATHS } from './additions.js';
import { PORTAL_PATHS } from './portal-paths.js';

type Json = Record<string, unknown>;

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** A path as a router sees it: `/a/{id}` and `/A/{x}` are one path (routes are case-insensitive). */
const shapeOf = (path: string): string => path.replace(/\{[^}]*\}/g, '{}').toLowerCase();

const findPath = (paths: Record<string, Json>, path: string): string | undefined =>
  Object.keys(paths).find((p) => shapeOf(p) === shapeOf(path));

/** The published webhook paths, which OpenDIP lets name one role. */
const ROLE_PATHS = ['/dip-channel/{id}/pubconfig/{recipient-id}', '/statusmessage/config/{recipient-id}'];

function layer(published: readonly OpenApiDoc[]): { paths: Record<string, Json>; components: Record<string, Json> } {
  const paths: Record<string, Json> = {};
  const components: Record<string, Json> = {};
  for (const doc of published) {
    for (const [path, item] of Object.entries(doc.paths ?? {})) {
      const earlier = findPath(paths, path);
      if (earlier !== undefined) delete paths[earlier];
      paths[path] = item as Json;
    }
    for (const [section, entries] of Object.entries(doc.components ?? {})) {
      components[section] = { ...components[section], ...(entries as Json) };
    }
  }
  return { paths, components };
}

function addRoleParameter(paths: Record<string, Json>): void {
  for (const path of ROLE_PATHS) {
    const key = findPath(paths, path);
    if (key === undefined) continue;
    const item = paths[key]!;
    const parameters = (item.parameters as Json[] | undefined) ?? [];
    if (parameters.some((p) => p.name === 'role' && p.in === 'query')) continue;
    paths[key] = { ...item, parameters: [...parameters, ROLE_PARAMETER] };
  }
}

/**
 * Adds OpenDIP's path items; where a published release already has the path (2.2.1's, when an operator loads
 * it), the published one stands and only operations it lacks are added.
 */
function addPaths(paths: Record<string, Json>, additions: Record<string, Json>): void {
  for (const [path, item] of Object.entries(additions)) {
    const key = findPath(paths, path);
    if (key === undefined) {
      paths[path] = item;
      continue;
    }
    if (key !== path) continue; // its parameters are named differently: the published item describes it
    const missing = METHODS.filter((m) => item[m] && !paths[key]![m]);
    if (missing.length === 0) continue;
    const why = item['x-opendip'];
    paths[key] = {
      ...paths[key],
      ...Object.fromEntries(missing.map((m) => [m, { ...(item[m] as Json), 'x-opendip': why }])),
    };
  }
}

export function describeApi(published: readonly OpenApiDoc[], apiVersion: string): Json {
  const latest = published.at(-1) as unknown as Json | undefined;
  if (!latest) throw new Error('no published OpenAPI document to describe');
  const { paths, components } = layer(published);
  addRoleParameter(paths);
  addPaths(paths, {
    ...VERSIONED_PATHS,
    ...ADMIN_PATHS,
    ...ADMIN_OPS_PATHS,
    ...REGISTRY_PATHS,
    ...ROOT_PATHS,
    ...PORTAL_PATHS,
  });
  const schemas = { ...(components.schemas ?? {}) };
  for (const [name, s] of Object.entries(COMPONENT_SCHEMAS)) schemas[name] ??= s;
  const top = Object.fromEntries(
    Object.entries(latest).filter(([k]) => !['openapi', 'info', 'servers', 'paths', 'components'].includes(k)),
  );
  return {
    openapi: latest.openapi,
    info: latest.info,
    // The published servers name Elexon's documentation host, not a DIP; a client calls this one.
    servers: [
      {
        url: '/{version}',
        description: 'this DIP',
        variables: { version: { default: apiVersion, enum: [apiVersion] } },
      },
    ],
    ...top,
    paths,
    components: { ...components, schemas },
    'x-opendip': {
      description:
        'Served by OpenDIP: the published DIP documents layered oldest first, then what OpenDIP serves beyond them. Every addition carries x-opendip saying why it is there; everything else is as published, except servers, which name this DIP.',
      published: published.map((d) => d.info?.version ?? null),
      ...(latest.servers !== undefined ? { publishedServers: latest.servers } : {}),
    },
  };
}
