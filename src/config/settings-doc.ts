/** The settings as users read them: one line of `serve --help` each, and the README's configuration table. */
import { isNegated, isSwitch, SETTINGS, type Setting } from './settings.js';

const plain = (markdown: string): string => markdown.replace(/`/g, '');
const variable = (s: Setting): string => (isNegated(s) ? `${s.env}=false` : s.env);
const shownDefault = (s: Setting): string => s.shown ?? (s.default === undefined ? '' : `\`${s.default}\``);

/** What `serve --help` says of a setting: its meaning, its variable and, unless it is a switch, its default. */
export function helpOf(s: Setting): string {
  const shown = isSwitch(s) ? '' : shownDefault(s);
  // A value is shown as it is, `(default 60)`; a description after a colon, `(default: dev PKI)`.
  const fallback = shown === '' ? '' : ` (default${shown.startsWith('`') ? '' : ':'} ${plain(shown)})`;
  return `${plain(s.meaning)} [${variable(s)}]${fallback}`;
}

const cell = (text: string): string => text.replace(/\|/g, '\\|');

/** The README's configuration table, one row per setting, in the order of `serve --help`. */
export function settingsTable(): string {
  const row = (cells: string[]): string => `|${cells.map((c) => (c === '' ? ' ' : ` ${cell(c)} `)).join('|')}|`;
  return [
    row(['flag', 'variable', 'default', 'meaning']),
    '|---|---|---|---|',
    ...Object.values(SETTINGS).map((s: Setting) =>
      row([`\`${s.flag.split(' ')[0]!}\``, `\`${variable(s)}\``, shownDefault(s), s.meaning]),
    ),
  ].join('\n');
}

export const TABLE_BEGIN = '<!-- settings table: change src/config/settings.ts, then run npm run docs:config -->';
export const TABLE_END = '<!-- end of settings table -->';

/** `readme` with the text between the table's markers replaced by the table the settings make now. */
export function withSettingsTable(readme: string): string {
  const begin = readme.indexOf(TABLE_BEGIN);
  const end = readme.indexOf(TABLE_END, begin);
  if (begin < 0 || end < 0)
    throw new Error(`README.md has no ${TABLE_BEGIN} … ${TABLE_END} to write the table between`);
  return `${readme.slice(0, begin + TABLE_BEGIN.length)}\n\n${settingsTable()}\n\n${readme.slice(end)}`;
}
