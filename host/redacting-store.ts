import type { TokenStore } from '../core/ports.ts';
import type { StoredSession } from '../core/types.ts';
import type { RedactingLogger } from './logger.ts';

/**
 * Wraps a TokenStore so that the logger learns every secret that passes through it: a token or a
 * device code that reaches a log line by accident is then masked. Every secret passes through the
 * store, so this is the one place to learn them.
 */
export function redactingStore(inner: TokenStore, logger: RedactingLogger): TokenStore {
  const learn = (value: StoredSession | undefined) => {
    logger.redact(value?.tokens?.accessToken);
    logger.redact(value?.tokens?.refreshToken);
    logger.redact(value?.tokens?.idToken);
    logger.redact(value?.pending?.deviceCode);
    logger.redact(value?.registration?.clientSecret);
  };
  return {
    async load(key) {
      const value = await inner.load(key);
      learn(value);
      return value;
    },
    save(key, value) {
      learn(value);
      return inner.save(key, value);
    },
    remove: (key) => inner.remove(key),
    ...(inner.exclusive ? { exclusive: inner.exclusive.bind(inner) } : {}),
  };
}
