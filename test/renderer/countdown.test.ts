import { describe, expect, it } from 'vitest';
import { clockFace, relativeExpiry, runningTime, yearText } from '../../renderer/src/i18n/format.ts';
import { clockOffsetMs, fractionLeft, remainingMs } from '../../renderer/src/logic/countdown.ts';

const MINUTE = 60_000;

describe('countdown on the host clock', () => {
  const code = { issuedAt: 1_000_000, expiresAt: 1_000_000 + 10 * MINUTE };

  it('counts down from the host clock, not a TV clock that runs five minutes fast', () => {
    const hostNow = code.issuedAt + 2 * MINUTE;
    const tvNow = hostNow + 5 * MINUTE;
    const offset = clockOffsetMs(hostNow, tvNow);
    expect(offset).toBe(-5 * MINUTE);
    expect(remainingMs(code, tvNow, offset)).toBe(8 * MINUTE);
    expect(fractionLeft(code, tvNow, offset)).toBeCloseTo(0.8);
  });

  it('never goes below zero or above a full ring', () => {
    expect(remainingMs(code, code.expiresAt + MINUTE, 0)).toBe(0);
    expect(fractionLeft(code, code.expiresAt + MINUTE, 0)).toBe(0);
    expect(fractionLeft(code, code.issuedAt - MINUTE, 0)).toBe(1);
  });

  it('shows an empty ring for a code whose lifetime makes no sense', () => {
    expect(fractionLeft({ issuedAt: 5, expiresAt: 5 }, 0, 0)).toBe(0);
  });
});

describe('countdown wording with Intl', () => {
  it('says minutes in English and Traditional Chinese', () => {
    expect(relativeExpiry(9 * MINUTE + 18_000, 'en')).toBe('in 9 minutes');
    expect(relativeExpiry(9 * MINUTE + 18_000, 'zh-TW')).toBe('9 分鐘後');
    expect(relativeExpiry(90_000, 'en')).toBe('in 2 minutes');
    expect(relativeExpiry(60_000, 'en')).toBe('in 1 minute');
  });

  it('switches to seconds in steps of five under a minute', () => {
    expect(relativeExpiry(42_000, 'en')).toBe('in 45 seconds');
    expect(relativeExpiry(42_000, 'zh-TW')).toBe('45 秒後');
    expect(relativeExpiry(1, 'en')).toBe('in 5 seconds');
    expect(relativeExpiry(0, 'en')).toBe('in 0 seconds');
  });

  it('draws the ring face as minutes and two-digit seconds', () => {
    expect(clockFace(9 * MINUTE + 5_000, 'en')).toBe('9:05');
    expect(clockFace(59_001, 'zh-TW')).toBe('1:00');
    expect(clockFace(-1, 'en')).toBe('0:00');
  });

  it('formats running time and year for the Asset facts', () => {
    expect(runningTime(112, 'en')).toBe('112 min');
    expect(runningTime(112, 'zh-TW')).toBe('112 分鐘');
    expect(yearText(2024, 'en')).toBe('2024');
  });
});
