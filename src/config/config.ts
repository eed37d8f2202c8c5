/**
 * The one reader of process.env. Every setting has a flag, an OPENDIP_* variable and a default; a flag
 * wins over the variable, which wins over the default. The settings are those of ./settings.ts; the
 * result is frozen.
 */
import type { Raw } from './parse.js';
import {
  isSwitch,
  SETTINGS,
  type ConfigPath,
  type Read,
  type Setting,
  type SettingKey,
  type ValueAt,
} from './settings.js';

export { ConfigError } from './parse.js';
import type { Config } from './types.js';

export { PROCESS_ROLES, type Config, type ProcessRole } from './types.js';

/** Option values as the CLI hands them over (strings and booleans from flags). */
export type ConfigFlags = Partial<Record<SettingKey, string | boolean | string[] | undefined>>;

/** Flag name → environment variable. */
export const FLAG_ENV = Object.fromEntries(Object.entries(SETTINGS).map(([key, s]) => [key, s.env])) as {
  readonly [K in SettingKey]: string;
};

const entries = Object.entries(SETTINGS) as [SettingKey, Setting][];

/** Nested groups (tls, delivery, retention and its channels) are frozen too; lists are left as they are. */
function freeze<T extends object>(o: T): Readonly<T> {
  for (const v of Object.values(o))
    if (typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype) freeze(v as object);
  return Object.freeze(o);
}

export function loadConfig(
  flags: ConfigFlags = {},
  env: Record<string, string | undefined> = process.env,
): Readonly<Config> {
  const given = (key: SettingKey, s: Setting): Raw | undefined => {
    const flag = flags[key];
    const v = flag !== undefined ? (Array.isArray(flag) ? flag.join(',') : flag) : env[s.env] || undefined;
    // A value-taking setting handed a bare boolean has not been given a value.
    return typeof v === 'boolean' && !isSwitch(s) ? undefined : v;
  };
  const byPath = new Map(entries.map(([key, s]) => [s.into, { key, s }]));
  const values = new Map<ConfigPath, unknown>();
  // Settings that depend on others (the port on TLS, the database on the data directory) read them here.
  const read: Read = (path) => {
    if (!values.has(path)) {
      const { key, s } = byPath.get(path)!;
      values.set(path, s.parse(given(key, s) ?? s.default, read));
    }
    return values.get(path) as ValueAt<typeof path>;
  };
  const config: Record<string, unknown> = {};
  for (const [, s] of entries) {
    const [field, inGroup] = s.into.split('.') as [string, string | undefined];
    if (inGroup === undefined) config[field] = read(s.into);
    else ((config[field] ??= {}) as Record<string, unknown>)[inGroup] = read(s.into);
  }
  return freeze(config) as unknown as Readonly<Config>;
}
