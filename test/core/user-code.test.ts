// The one user-code formatter (core/user-code.ts): what the TV, the terminal and the phone page all
// show, and what people compare between devices (RFC 8628 §5.4, grouped for reading per §6.1).
import { describe, expect, it } from 'vitest';
import { displayUserCode, userCodeGroups } from '../../core/user-code.ts';

describe('the user code as every screen shows it', () => {
  it.each([
    ['WDJBMJHT', 'WDJB-MJHT'],
    ['ABCDEFGHI', 'ABC-DEF-GHI'],
    ['ABCDEFGHIJKL', 'ABCD-EFGH-IJKL'],
    ['ABCDEFGHIJ', 'ABCD-EFGH-IJ'],
    ['ABCDEF', 'ABC-DEF'],
    ['ABCDEFG', 'ABCD-EFG'],
  ])('groups %s as %s: fours, or threes where three divides it and four does not', (code, shown) => {
    expect(displayUserCode(code)).toBe(shown);
  });

  it('leaves a short code whole', () => {
    expect(displayUserCode('ABCD')).toBe('ABCD');
    expect(displayUserCode('ABCDE')).toBe('ABCDE');
  });

  it("keeps the provider's own groups, whatever separates them", () => {
    expect(displayUserCode('FNC-DQ6-NXL')).toBe('FNC-DQ6-NXL');
    expect(displayUserCode('WDJB MJHT')).toBe('WDJB-MJHT');
    expect(userCodeGroups('12 34--56')).toEqual(['12', '34', '56']);
  });

  it('ignores surrounding space', () => {
    expect(displayUserCode('  WDJBMJHT \n')).toBe('WDJB-MJHT');
  });
});
