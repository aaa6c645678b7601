import { describe, expect, it } from 'vitest';
import { awaitingBlock, formatCountdown, statusLine, userCodeBox } from '../../cli/render.ts';
import { jsonLine, exitCodeOf } from '../../cli/commands/login.ts';

const plain = { color: false };

describe('human rendering of the device flow', () => {
  it('groups user codes as every other screen does (core/user-code.ts) and keeps separators the server chose', () => {
    expect(userCodeBox('WDJBMJHT', plain)).toContain('W D J B - M J H T');
    expect(userCodeBox('WDJB-MJHT', plain)).toContain('W D J B - M J H T');
    expect(userCodeBox('ABCDEFGHI', plain)).toContain('A B C - D E F - G H I');
    expect(userCodeBox('ABCD', plain)).toContain('A B C D');
  });

  it('draws the code letter-spaced in a box of even width', () => {
    const lines = userCodeBox('WDJBMJHT', plain).split('\n');
    expect(lines[2]).toBe('  │   W D J B - M J H T   │');
    expect(new Set(lines.map((l) => [...l].length)).size).toBe(1);
  });

  it('counts down in minutes and seconds and never below zero', () => {
    expect(formatCountdown(600_000)).toBe('10:00');
    expect(formatCountdown(59_001)).toBe('1:00');
    expect(formatCountdown(3_723_000)).toBe('1:02:03');
    expect(formatCountdown(-5_000)).toBe('0:00');
  });

  it('shows the QR code only when asked and always the address and code as text', () => {
    const snapshot = {
      state: 'awaiting_user' as const,
      userCode: 'WDJB-MJHT',
      verificationUri: 'https://id.example/device',
      verificationUriComplete: 'https://id.example/device?user_code=WDJB-MJHT',
      expiresAt: 0,
      interval: 5,
    };
    const withQr = awaitingBlock(snapshot, { displayName: 'id.example', qr: true, style: plain });
    const without = awaitingBlock(snapshot, { displayName: 'id.example', qr: false, style: plain });
    for (const text of [withQr, without]) {
      expect(text).toContain('https://id.example/device\n');
      expect(text).toContain('W D J B - M J H T');
    }
    expect(withQr).toContain('▀');
    expect(without).not.toMatch(/[▀▄█]/);
  });

  it('says reconnecting while the network is retrying', () => {
    const line = statusLine({ state: 'awaiting_user', network: 'retrying', expiresAt: 61_000 }, 0, 0, plain);
    expect(line).toContain('reconnecting');
    expect(line).toContain('1:01');
  });
});

describe('login --json lines and exit codes', () => {
  it('writes awaiting_user with an ISO expiry and leaves out absent fields', () => {
    expect(jsonLine({ state: 'awaiting_user', userCode: 'A', verificationUri: 'https://x/d', expiresAt: Date.UTC(2030, 0, 1), interval: 5, network: 'online' })).toEqual({
      state: 'awaiting_user',
      method: 'device',
      userCode: 'A',
      verificationUri: 'https://x/d',
      expiresAt: '2030-01-01T00:00:00.000Z',
      interval: 5,
      network: 'online',
    });
  });

  it('writes a browser sign-in\'s waiting line as the contract says: method and address only', () => {
    expect(jsonLine({ state: 'awaiting_user', method: 'browser', authorizationUrl: 'https://x/authorize?state=s' })).toEqual({
      state: 'awaiting_user',
      method: 'browser',
      authorizationUrl: 'https://x/authorize?state=s',
    });
  });

  it('maps the settled states to the exit codes of the contract', () => {
    expect(exitCodeOf({ state: 'signed_in' })).toBe(0);
    expect(exitCodeOf({ state: 'error', error: { code: 'invalid_client', message: 'm' } })).toBe(1);
    expect(exitCodeOf({ state: 'error', error: { code: 'configuration', message: 'm' } })).toBe(2);
    expect(exitCodeOf({ state: 'denied' })).toBe(3);
    expect(exitCodeOf({ state: 'expired' })).toBe(4);
  });
});
