// Validation of what the TV renderer sends to main (electron/ipc.ts): the same function ipcMain's
// handlers call before touching the DeviceController.
import { describe, expect, it } from 'vitest';
import { INVOKE_CHANNELS } from '../../electron/channels.ts';
import { parseInvoke } from '../../electron/ipc.ts';

describe('IPC payload validation', () => {
  it('accepts every bridge call with the arguments it takes', () => {
    for (const name of ['getState', 'signIn', 'signInOnThisComputer', 'cancel', 'newCode', 'signOut', 'getCatalog'] as const) {
      expect(parseInvoke(INVOKE_CHANNELS[name], [])).toEqual({ ok: true, call: { name } });
    }
    expect(parseInvoke(INVOKE_CHANNELS.setLanguage, ['zh-TW'])).toEqual({
      ok: true,
      call: { name: 'setLanguage', language: 'zh-TW' },
    });
  });

  it('refuses extra arguments on calls that take none', () => {
    const result = parseInvoke(INVOKE_CHANNELS.signIn, [{ clientId: 'other' }]);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(/^Invalid arguments for signIn/);
  });

  it('refuses a language outside the catalogue, a missing one and a non-string', () => {
    for (const args of [['fr'], [], [42], [{ language: 'en' }], ['en', 'extra']]) {
      const result = parseInvoke(INVOKE_CHANNELS.setLanguage, args);
      expect(result.ok, JSON.stringify(args)).toBe(false);
    }
  });

  it('refuses unknown channels without echoing long input', () => {
    const result = parseInvoke(`device-login:${'x'.repeat(500)}`, []);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message.length).toBeLessThan(120);
    expect(parseInvoke('device-login:access-token', []).ok).toBe(false);
  });
});
