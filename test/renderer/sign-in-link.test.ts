import { describe, expect, it } from 'vitest';
import { signInRequested } from '../../renderer/src/logic/sign-in-link.ts';

describe('the /tv/?signin deep link', () => {
  it('asks for a code on load when ?signin is present, with or without a value', () => {
    expect(signInRequested(new URLSearchParams('signin'))).toBe(true);
    expect(signInRequested(new URLSearchParams('signin=1'))).toBe(true);
    expect(signInRequested(new URLSearchParams('lang=en&signin='))).toBe(true);
  });

  it('leaves the TV on Welcome without it, or when it is switched off', () => {
    expect(signInRequested(new URLSearchParams(''))).toBe(false);
    expect(signInRequested(new URLSearchParams('lang=en'))).toBe(false);
    expect(signInRequested(new URLSearchParams('signin=0'))).toBe(false);
    expect(signInRequested(new URLSearchParams('signin=false'))).toBe(false);
  });
});
