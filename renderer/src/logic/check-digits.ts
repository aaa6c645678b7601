// The check number as the remote edits it, one digit at a time: ▲ ▼ turn a digit like a dial (an
// empty one starts at 0 going up, at 9 going down), a number button sets it. The number is complete
// only when every digit is set; only then can OK send it.
import { CHECK_NUMBER_DIGITS } from '../../../host/contract.ts';

/** One entry per digit; undefined until set. */
export type Digits = ReadonlyArray<number | undefined>;

/** All digits empty. */
export const EMPTY_DIGITS: Digits = Array.from({ length: CHECK_NUMBER_DIGITS }, () => undefined);

/** The digits after ▲ (`+1`) or ▼ (`-1`) on digit `index`, wrapping from 9 to 0 and back. */
export function stepDigit(digits: Digits, index: number, delta: 1 | -1): Digits {
  const current = digits[index];
  const next = current === undefined ? (delta > 0 ? 0 : 9) : (current + delta + 10) % 10;
  return setDigit(digits, index, next);
}

/** The digits with digit `index` set to `value` (undefined clears it). */
export function setDigit(digits: Digits, index: number, value: number | undefined): Digits {
  return digits.map((digit, i) => (i === index ? value : digit));
}

/** The number to send ("07"), or undefined while a digit is empty. */
export function enteredNumber(digits: Digits): string | undefined {
  return digits.every((digit) => digit !== undefined) ? digits.join('') : undefined;
}
