/**
 * The MPAN core's check digit (MRA Data Transfer Catalogue, "Metering Point Administration Number"): the
 * 13th digit is the sum of the first twelve, each times its prime weight, modulo 11, modulo 10.
 */

const WEIGHTS = [3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43] as const;
const ZERO = 48; // '0'

/** The check digit of the twelve digits that start `digits` (the 13th, if present, is ignored). */
export function mpanCheckDigit(digits: string): number {
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += (digits.charCodeAt(i) - ZERO) * WEIGHTS[i]!;
  return (sum % 11) % 10;
}

/** Exactly 13 ASCII digits whose last is the check digit of the others. */
export function isValidMpanCore(value: string): boolean {
  if (value.length !== 13) return false;
  for (let i = 0; i < 13; i++) {
    const c = value.charCodeAt(i);
    if (c < ZERO || c > ZERO + 9) return false;
  }
  return value.charCodeAt(12) - ZERO === mpanCheckDigit(value);
}

/** The MPAN core made of twelve given digits and their check digit. */
export function withCheckDigit(twelve: string): string {
  if (!/^\d{12}$/.test(twelve)) throw new Error(`an MPAN core starts with 12 digits, not '${twelve}'`);
  return `${twelve}${mpanCheckDigit(twelve)}`;
}

/** Why a value is not an MPAN core (to follow "is not a valid MPAN: "), or null when it is one. */
export function mpanCoreProblem(value: string): string | null {
  if (isValidMpanCore(value)) return null;
  if (!/^\d{13}$/.test(value)) return 'an MPAN core is 13 digits';
  return `its check digit (the 13th digit) should be ${mpanCheckDigit(value)}; look for a mistyped or transposed digit`;
}
