// The one IPC call that carries data from the TV page to main beyond a language: the check number of
// the proximity check. Main takes exactly two ASCII digits, as a string, alone, and never echoes
// what it refused.
import { describe, expect, it } from 'vitest';
import { INVOKE_CHANNELS } from '../../electron/channels.ts';
import { parseInvoke } from '../../electron/ipc.ts';

describe('the check number over IPC', () => {
  it('accepts two digits, a leading zero kept', () => {
    expect(parseInvoke(INVOKE_CHANNELS.enterCheckNumber, ['07'])).toEqual({ ok: true, call: { name: 'enterCheckNumber', checkNumber: '07' } });
  });

  it.each([[['7']], [['477']], [['4a']], [['٤٧']], [[' 47']], [[47]], [[]], [['47', '12']], [[{ checkNumber: '47' }]]])('refuses %j', (args) => {
    const result = parseInvoke(INVOKE_CHANNELS.enterCheckNumber, args);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.message).toMatch(/^Invalid arguments for enterCheckNumber/);
      expect(result.message).not.toContain('4a');
    }
  });
});
