import { describe, expect, it } from 'vitest';
import { clockFace, relativeExpiry, runningTime, yearText } from '../../renderer/src/i18n/format.ts';
import { clockOffsetMs, fractionLeft, readCountdown, remainingMs } from '../../renderer/src/logic/countdown.ts';
import { RENEWED_NOTICE_MS, renewedNoticeLeftMs } from '../../renderer/src/logic/renewed-code.ts';

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

describe('one clock: the ring face and the words beside it', () => {
  const code = { issuedAt: 1_000_000, expiresAt: 1_000_000 + 10 * MINUTE };
  /** Face and words for the moment `leftMs` before expiry, from one reading as the ring makes them. */
  const shown = (leftMs: number, language: 'en' | 'zh-TW' = 'en') => {
    const { seconds } = readCountdown(code, code.expiresAt - leftMs, 0);
    return { face: clockFace(seconds, language), words: relativeExpiry(seconds, language) };
  };

  it('says the seconds the face shows in the last minute ("0:06" is "in 6 seconds", not "in 10")', () => {
    expect(shown(5_200)).toEqual({ face: '0:06', words: 'in 6 seconds' });
    expect(shown(42_000)).toEqual({ face: '0:42', words: 'in 42 seconds' });
    expect(shown(42_000, 'zh-TW')).toEqual({ face: '0:42', words: '42 秒後' });
    expect(shown(1)).toEqual({ face: '0:01', words: 'in 1 second' });
    expect(shown(0)).toEqual({ face: '0:00', words: 'in 0 seconds' });
  });

  it('says the minutes the face shows from one minute on ("9:41" is "in 9 minutes", not "in 10")', () => {
    expect(shown(9 * MINUTE + 41_000)).toEqual({ face: '9:41', words: 'in 9 minutes' });
    expect(shown(9 * MINUTE + 18_000, 'zh-TW')).toEqual({ face: '9:18', words: '9 分鐘後' });
    expect(shown(90_000)).toEqual({ face: '1:30', words: 'in 1 minute' });
    expect(shown(60_000)).toEqual({ face: '1:00', words: 'in 1 minute' });
    expect(shown(59_001)).toEqual({ face: '1:00', words: 'in 1 minute' });
  });

  it('agrees at every tenth of a second of a ten-minute code', () => {
    for (let left = 10 * MINUTE; left >= 0; left -= 100) {
      const { face, words } = shown(left);
      const [minutes, seconds] = face.split(':').map(Number) as [number, number];
      const said = Number(/\d+/.exec(words)?.[0]);
      expect(said, `${face} beside "${words}"`).toBe(minutes >= 1 ? minutes : seconds);
    }
  });

  it('reads the arc from the same moment', () => {
    expect(readCountdown(code, code.issuedAt + 2 * MINUTE, 0)).toEqual({ seconds: 480, fraction: 0.8 });
    expect(clockFace(-1, 'en')).toBe('0:00');
  });
});

describe('"New code: the old one expired" beside a renewed code', () => {
  it('shows for a while after the renewal on the host clock, also on a TV whose clock is off', () => {
    const renewedAt = 5_000_000;
    const offset = -5 * MINUTE; // the TV runs five minutes fast
    expect(renewedNoticeLeftMs({ renewedAt }, renewedAt + 5 * MINUTE + 10_000, offset)).toBe(RENEWED_NOTICE_MS - 10_000);
    expect(renewedNoticeLeftMs({ renewedAt }, renewedAt + 5 * MINUTE + RENEWED_NOTICE_MS, offset)).toBe(0);
    expect(RENEWED_NOTICE_MS).toBeGreaterThanOrEqual(60_000);
  });

  it('never shows for a code the viewer asked for', () => {
    expect(renewedNoticeLeftMs({}, 0, 0)).toBe(0);
  });
});

describe('countdown wording with Intl', () => {

  it('formats running time and year for the Asset facts', () => {
    expect(runningTime(112, 'en')).toBe('112 min');
    expect(runningTime(112, 'zh-TW')).toBe('112 分鐘');
    expect(yearText(2024, 'en')).toBe('2024');
  });
});
