import { describe, expect, it } from 'vitest';
import { groupUserCode, speechTextForUserCode, spokenUserCode, userCodeGroups } from '../../renderer/src/logic/user-code.ts';

describe('user code grouping', () => {
  it('groups an eight-character code in two groups of four (RFC 8628 example)', () => {
    expect(groupUserCode('WDJBMJHT')).toBe('WDJB-MJHT');
  });

  it('groups a nine-character code (Microsoft Entra) in three groups of three', () => {
    expect(groupUserCode('FNCDQ6NXL')).toBe('FNC-DQ6-NXL');
  });

  it('keeps the separators a provider already put in', () => {
    expect(groupUserCode('ABCD-EFGH')).toBe('ABCD-EFGH');
    expect(groupUserCode('GQVQ-JKEC-WSJX')).toBe('GQVQ-JKEC-WSJX');
    expect(userCodeGroups('123 456')).toEqual(['123', '456']);
  });

  it('leaves a short code whole and ends a ragged code with the shorter group', () => {
    expect(groupUserCode('ABCDE')).toBe('ABCDE');
    expect(groupUserCode('ABCDEFGHIJ')).toBe('ABCD-EFGH-IJ');
  });

  it('keeps the code as issued: no case change, surrounding spaces trimmed', () => {
    expect(groupUserCode('  wdjbMJHT ')).toBe('wdjb-MJHT');
  });
});

describe('user code for assistive technology', () => {
  it('spells the code one character at a time with a pause between groups', () => {
    expect(spokenUserCode('WDJBMJHT')).toBe('W D J B, M J H T');
    expect(spokenUserCode('ABCD-EFGH')).toBe('A B C D, E F G H');
  });

  it('separates every character with a comma for speech synthesis', () => {
    expect(speechTextForUserCode('WDJBMJHT')).toBe('W, D, J, B. M, J, H, T');
  });
});
