/**
 * A small HTML template library for the portal: `html` tagged templates escape every interpolated value
 * unless it is itself `Html` (a fragment built the same way), so a page cannot carry markup from data.
 * Pure.
 */
export interface Html {
  readonly html: string;
}

/** Markup the caller vouches for (a constant, or a fragment built by `html`). */
export const trusted = (markup: string): Html => ({ html: markup });

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);

export type Value = Html | string | number | boolean | null | undefined | readonly Value[];

const isHtml = (v: unknown): v is Html =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as Html).html === 'string';

function render(v: Value): string {
  if (v === null || v === undefined || v === false) return '';
  if (Array.isArray(v)) return v.map(render).join('');
  if (isHtml(v)) return v.html;
  return escapeHtml(String(v));
}

export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let out = strings[0]!;
  values.forEach((v, i) => (out += render(v) + strings[i + 1]!));
  return { html: out };
}

/** A URL query string from the given pairs, leaving out empty values (filters stay in the URL). */
export function queryString(pairs: Record<string, string | number | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(pairs)) if (v !== null && v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
