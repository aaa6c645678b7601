import { DeviceLoginError } from '../core/errors.ts';
import type { Clock } from '../core/ports.ts';

/** The Clock port over the real time and timers. `sleep` rejects as soon as its signal aborts. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep(ms, signal) {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(new DeviceLoginError('aborted', 'Cancelled.'));
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, Math.max(0, ms));
      const onAbort = () => {
        clearTimeout(timer);
        reject(new DeviceLoginError('aborted', 'Cancelled.'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  },
};
