// Core speaks in codes: every code it raises is listed, with its meaning, in core/errors.ts, so that
// each screen can word it (the TV's words are checked in test/renderer/error-words.test.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, toDeviceLoginError } from '../../core/errors.ts';
import { normalisePollResponse, type NormaliseContext } from '../../core/normalise.ts';

const CORE = join(import.meta.dirname, '..', '..', 'core');
const LISTED = new Set<string>(Object.keys(ERROR_CODES));

/** Every code literal core/ raises: `new DeviceLoginError('x'`, a wrap's fallback, a FlowError's `code: 'x'`. */
function codesRaisedInCore(): Map<string, string> {
  const raised = new Map<string, string>();
  const patterns = [
    /new DeviceLoginError\(\s*'([^']+)'/g,
    /toDeviceLoginError\([^(),]*,\s*'([^']+)'\)/g,
    /\bcode: '([^']+)'/g,
  ];
  for (const file of readdirSync(CORE).filter((name) => name.endsWith('.ts'))) {
    const text = readFileSync(join(CORE, file), 'utf8');
    for (const pattern of patterns) for (const match of text.matchAll(pattern)) raised.set(match[1]!, file);
  }
  return raised;
}

describe('the codes of core', () => {
  it('lists every code core raises', () => {
    const raised = codesRaisedInCore();
    expect(raised.size).toBeGreaterThan(8);
    for (const [code, file] of raised) expect(LISTED.has(code), `${code} (${file}) is not in ERROR_CODES`).toBe(true);
  });

  it('spells every code as the standards do: lower case words joined by underscores', () => {
    for (const code of LISTED) expect(code).toMatch(/^[a-z]+(?:_[a-z]+)*$/);
  });

  it('wraps anything thrown as internal unless told otherwise, keeping it as the cause', () => {
    const thrown = new TypeError('x is not a function');
    const error = toDeviceLoginError(thrown);
    expect(error.code).toBe('internal');
    expect(error.cause).toBe(thrown);
    expect(LISTED.has(error.code)).toBe(true);
  });

  const ctx: NormaliseContext = { endpoint: 'https://auth.example.test/token', now: 0 };
  it.each([
    ['Microsoft Entra', 'authorization_declined', 'access_denied'],
    ['Microsoft Entra', 'bad_verification_code', 'expired_token'],
    ['GitHub', 'incorrect_device_code', 'expired_token'],
    ['GitHub', 'incorrect_client_credentials', 'invalid_client'],
    ['GitHub', 'device_flow_disabled', 'device_flow_disabled'],
    ['Auth0', 'invalid_grant', 'expired_token'],
  ])('turns %s’s %s during polling into the listed %s', (_provider, sent, code) => {
    const outcome = normalisePollResponse({ status: 400, headers: {}, body: JSON.stringify({ error: sent }) }, ctx);
    expect('error' in outcome && outcome.error.code).toBe(code);
    expect(LISTED.has(code)).toBe(true);
  });
});
