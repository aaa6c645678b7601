import { describe, expect, it } from 'vitest';
import { displayUserCode } from '../../core/user-code.ts';
import { displayGroups, speechTextForUserCode, spokenUserCode } from '../../renderer/src/logic/spoken-code.ts';

describe('the user code on the TV', () => {
  it('splits a nine-character code where core put its dashes, and nowhere else', () => {
    expect(displayGroups(displayUserCode('FNCDQ6NXL'))).toEqual(['FNC', 'DQ6', 'NXL']);
    // A grouping the renderer would never make itself: the TV has no opinion on where groups end.
    expect(displayGroups('ABCDE-FGHI')).toEqual(['ABCDE', 'FGHI']);
    expect(displayGroups('WDJBMJHT')).toEqual(['WDJBMJHT']);
  });
});

describe('the user code for assistive technology', () => {
  it('spells the display code one character at a time with a pause between its groups', () => {
    expect(spokenUserCode('WDJB-MJHT')).toBe('W D J B, M J H T');
    expect(spokenUserCode('ABCDE-FGHI')).toBe('A B C D E, F G H I');
  });

  it('separates every character with a comma for speech synthesis', () => {
    expect(speechTextForUserCode('WDJB-MJHT')).toBe('W, D, J, B. M, J, H, T');
    expect(speechTextForUserCode('ABC-DEF-GHI')).toBe('A, B, C. D, E, F. G, H, I');
  });
});
