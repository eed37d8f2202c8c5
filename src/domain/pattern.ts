/**
 * The regular expressions of the message schemas, read as a structure from which values can be built:
 * literals, classes, `\d` and `\w`, `.`, groups with alternatives, and quantifiers. Sample messages and
 * obfuscated copies are both built from it. Constructs outside this subset throw, naming where.
 */

export const DIGITS = '0123456789';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const WORD = `${UPPER}${UPPER.toLowerCase()}${DIGITS}_`;
/** What `.` stands for when a value is built: letters and digits, which every field takes. */
const ANY = `x${UPPER}${DIGITS}`;

/** One position of the pattern: a choice of characters, or a group of alternative sequences. */
export type Atom = { kind: 'set'; chars: string } | { kind: 'group'; alts: PatternTerm[][] };
export interface PatternTerm {
  atom: Atom;
  min: number;
  max: number;
}

const SHORT_QUANTIFIERS: Record<string, [number, number]> = { '?': [0, 1], '*': [0, Infinity], '+': [1, Infinity] };

/**
 * The alternatives of the whole pattern. Building from the body is exact for `^…$`, and without anchors any
 * match of the body still matches, so a leading `^` and a trailing unescaped `$` are dropped; anchors
 * anywhere else are refused.
 */
export function parsePattern(pattern: string): PatternTerm[][] {
  let body = pattern.startsWith('^') ? pattern.slice(1) : pattern;
  if (body.endsWith('$') && (/\\*(?=\$$)/.exec(body)?.[0].length ?? 0) % 2 === 0) body = body.slice(0, -1);
  let i = 0;
  const fail = (what: string): never => {
    throw new Error(`unsupported regex construct ${what} at offset ${i} in /${pattern}/`);
  };
  // An escaped punctuation mark is that literal character.
  const escape = (c: string): string =>
    c === 'd' ? DIGITS : c === 'w' ? WORD : c !== '' && !/[A-Za-z0-9]/.test(c) ? c : fail(`'\\${c}'`);
  const charClass = (): string => {
    if (body.charAt(i) === '^') fail('negated class');
    let set = '';
    while (i < body.length && body.charAt(i) !== ']') {
      const c = body.charAt(i++);
      const from = c === '\\' ? escape(body.charAt(i++)) : c;
      const to = body.charAt(i + 1);
      if (from.length === 1 && body.charAt(i) === '-' && to !== ']' && to !== '') {
        if (to === '\\' || to < from) fail(`range ${from}-${to}`);
        for (let code = from.charCodeAt(0); code <= to.charCodeAt(0); code++) set += String.fromCharCode(code);
        i += 2;
      } else set += from;
    }
    if (body.charAt(i++) !== ']' || set === '') fail('empty or unterminated class');
    return set;
  };
  const atom = (): Atom => {
    const c = body.charAt(i++);
    if (c === '(') {
      if (body.startsWith('?:', i)) i += 2;
      else if (body.charAt(i) === '?') fail("'(?'");
      const alts = alternation();
      if (body.charAt(i++) !== ')') fail('unterminated group');
      return { kind: 'group', alts };
    }
    if (c === '[') return { kind: 'set', chars: charClass() };
    if (c === '\\') return { kind: 'set', chars: escape(body.charAt(i++)) };
    if (c === '.') return { kind: 'set', chars: ANY };
    return c === '' || '^$*+?{}|)]'.includes(c) ? fail(`'${c}'`) : { kind: 'set', chars: c };
  };
  const quantified = (a: Atom): PatternTerm => {
    const c = body.charAt(i);
    let [min, max] = SHORT_QUANTIFIERS[c] ?? [1, 1];
    if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(body.slice(i)) ?? fail("'{'");
      [min, max] = [Number(m[1]), m[2] === undefined ? Number(m[1]) : m[3] ? Number(m[3]) : Infinity];
      if (max < min) fail(`quantifier ${m[0]}`);
      i += m[0].length;
    } else if (SHORT_QUANTIFIERS[c]) i++;
    else return { atom: a, min, max };
    // DT-002-MPAN's `\d{13}?` is a lazy {13}, not an optional run: laziness decides which match is found,
    // never whether one exists, so it builds exactly like the greedy form.
    if (body.charAt(i) === '?') i++;
    return { atom: a, min, max };
  };
  const sequence = (): PatternTerm[] => {
    const terms: PatternTerm[] = [];
    while (i < body.length && body.charAt(i) !== '|' && body.charAt(i) !== ')') terms.push(quantified(atom()));
    return terms;
  };
  function alternation(): PatternTerm[][] {
    const alts = [sequence()];
    while (body.charAt(i) === '|') {
      i++;
      alts.push(sequence());
    }
    return alts;
  }
  const alts = alternation();
  return i === body.length ? alts : fail(`'${body.charAt(i)}'`);
}
