import { describe, expect, it } from 'vitest';

import { EMPTY_DIGITS, enteredNumber, setDigit, stepDigit } from '../../renderer/src/logic/check-digits.ts';

describe('the check number on the remote', () => {
  it('starts with two empty digits and sends nothing until both are set', () => {
    expect(EMPTY_DIGITS).toEqual([undefined, undefined]);
    expect(enteredNumber(EMPTY_DIGITS)).toBeUndefined();
    expect(enteredNumber(setDigit(EMPTY_DIGITS, 0, 4))).toBeUndefined();
    expect(enteredNumber(setDigit(setDigit(EMPTY_DIGITS, 0, 4), 1, 7))).toBe('47');
  });

  it('turns a digit like a dial: up from empty is 0, down from empty is 9, and it wraps', () => {
    expect(stepDigit(EMPTY_DIGITS, 0, 1)).toEqual([0, undefined]);
    expect(stepDigit(EMPTY_DIGITS, 1, -1)).toEqual([undefined, 9]);
    expect(stepDigit([9, 0], 0, 1)).toEqual([0, 0]);
    expect(stepDigit([9, 0], 1, -1)).toEqual([9, 9]);
  });

  it('keeps a leading zero in the number sent', () => {
    expect(enteredNumber([0, 7])).toBe('07');
  });
});
