/** What one setting of `opendip serve` is (settings.ts lists them), and the small readers settings share. */
import type { Config } from './types.js';
import type { Raw } from './parse.js';

type Group<T> = T extends readonly unknown[] ? never : T extends object ? T : never;
/** Where a setting can land: a field of Config, or a field of one of its groups (`tls.mtls`). */
export type ConfigPath = {
  [K in keyof Config & string]: [Group<Config[K]>] extends [never] ? K : `${K}.${keyof Group<Config[K]> & string}`;
}[keyof Config & string];
export type ValueAt<P extends ConfigPath> = P extends `${infer G extends keyof Config & string}.${infer F}`
  ? F extends keyof Config[G]
    ? Config[G][F]
    : never
  : P extends keyof Config
    ? Config[P]
    : never;
/** The value another setting lands as, for settings whose reading depends on it. */
export type Read = <P extends ConfigPath>(path: P) => ValueAt<P>;

export interface Setting<P extends ConfigPath = ConfigPath> {
  /** As commander takes it: `--name <value>`, a switch `--name`, or `--no-name` to turn off what is on. */
  flag: string;
  env: string;
  /** Read like a given value when neither the flag nor the variable is. */
  default?: string;
  /** The default in words, where the value alone would not say it (or there is no single value). */
  shown?: string;
  /** Markdown: the README shows it as it is, `serve --help` without the backticks. */
  meaning: string;
  into: P;
  /** `value` is undefined only when nothing was given and there is no default. */
  parse(value: Raw | undefined, read: Read): ValueAt<P>;
}

/** Lets each entry's `into` fix the type its `parse` must return. */
export const setting = <P extends ConfigPath>(s: Setting<P>): Setting<P> => s;
/** The value of a setting that has a default, and so is never missing. */
export const present = (v: Raw | undefined): Raw => v ?? '';
export const text = (v: Raw | undefined): string => (typeof v === 'string' ? v : '');
export const optional = (v: Raw | undefined): string | null => (typeof v === 'string' ? v : null);
export const MB = 1024 * 1024;
