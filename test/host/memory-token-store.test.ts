// The in-memory TokenStore (host/memory-token-store.ts): what the TV keeps when it may not write tokens.
import { describe, expect, it } from 'vitest';
import type { StoredSession } from '../../core/types.ts';
import { createMemoryTokenStore } from '../../host/memory-token-store.ts';

const session = (accessToken: string): StoredSession => ({ version: 1, tokens: { accessToken, tokenType: 'Bearer' } });

describe('the memory TokenStore', () => {
  it('keeps sessions per key until removed', async () => {
    const store = createMemoryTokenStore();
    await store.save('a', session('at-a'));
    await store.save('b', session('at-b'));
    await store.remove('a');
    expect(await store.load('a')).toBeUndefined();
    expect(await store.load('b')).toEqual(session('at-b'));
  });

  it('holds copies, as a file would: changing a saved or loaded session changes nothing stored', async () => {
    const store = createMemoryTokenStore();
    const saved = session('at-1');
    await store.save('k', saved);
    saved.profile = { sub: 'changed after save' };
    const loaded = await store.load('k');
    if (loaded) loaded.profile = { sub: 'changed after load' };
    expect(await store.load('k')).toEqual(session('at-1'));
  });
});
