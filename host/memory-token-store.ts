// Sessions held for the life of the process only: where tokens may not be written to disk (the TV app
// with no system keyring) and in tests where persistence is not the subject.
import type { TokenStore } from '../core/ports.ts';
import type { StoredSession } from '../core/types.ts';

/** A TokenStore in `sessions`; values are cloned both ways, as a file round trip would. */
export function createMemoryTokenStore(sessions = new Map<string, StoredSession>()): TokenStore {
  return {
    load: async (key) => structuredClone(sessions.get(key)),
    save: async (key, value) => void sessions.set(key, structuredClone(value)),
    remove: async (key) => void sessions.delete(key),
  };
}
