/** How setting values are read from the text of a flag or variable; the messages name what is allowed. */

export class ConfigError extends Error {}

/** A flag's or variable's value as given: text, or a boolean from a switch like `--no-tls`. */
export type Raw = string | boolean;

export const bool = (v: Raw, name: string): boolean => {
  if (typeof v === 'boolean') return v;
  if (/^(1|true|yes|on)$/i.test(v)) return true;
  if (/^(0|false|no|off)$/i.test(v)) return false;
  throw new ConfigError(`${name} must be true or false, not '${v}'`);
};

export const number = (v: Raw, name: string, min: number, max: number): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max)
    throw new ConfigError(`${name} must be a number from ${min} to ${max}, not '${String(v)}'`);
  return n;
};

export const oneOf = <T extends string>(v: string, name: string, allowed: readonly T[]): T => {
  if (!(allowed as readonly string[]).includes(v))
    throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, not '${v}'`);
  return v as T;
};

/** `a, b,c` → ['a', 'b', 'c']: comma-separated lists, blanks dropped. */
export const list = (v: string): string[] =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** Schema versions closed for ingress, `IF-021=011,REP-002=006`: `IF-021|011` and so on. */
export function closedVersions(v: string): string[] {
  return list(v).map((pair) => {
    const m = /^([A-Za-z]{2,3}-\d{3}[A-Za-z]?)=(\S+)$/.exec(pair);
    if (!m) throw new ConfigError(`closed schema version '${pair}' is not CHANNEL=VERSION, e.g. IF-021=011`);
    return `${m[1]!.toUpperCase()}|${m[2]!}`;
  });
}

/** Channel retention, `IF-021=365,IF-013=400` (days), as milliseconds by upper-case channel. */
export function channelRetention(v: string): Record<string, number> {
  const byChannel: Record<string, number> = {};
  for (const entry of list(v)) {
    const m = /^((?:IF|REP)-\d{3}[A-B]?)=(\d+(?:\.\d+)?)$/i.exec(entry);
    if (!m || Number(m[2]) <= 0)
      throw new ConfigError(`channel retention must be like IF-021=365,IF-013=400 (days), not '${entry}'`);
    byChannel[m[1]!.toUpperCase()] = Number(m[2]) * 86_400_000;
  }
  return byChannel;
}

/** `a`, `b` or `c`, as the help and the README list allowed values. */
export const choices = (values: readonly string[]): string => {
  const code = values.map((v) => `\`${v}\``);
  return code.length < 2 ? code.join('') : `${code.slice(0, -1).join(', ')} or ${code.at(-1)!}`;
};
