// The slow_down ledger in SQLite: one statement per poll decides and records, and a data directory
// made by an earlier version (device_poll without its `slowed` column) keeps working.
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';

import { openSqliteStore } from '../../server/adapters/sqlite.ts';
import { tempDataDir } from './device-helpers.ts';

const T0 = 1_700_000_000_000;
const poll = (id: string, now: number) => ({ id, now, baseInterval: 5, step: 5, toleranceMs: 250, expiresAt: T0 + 600_000 });

describe('the SQLite poll ledger', () => {
  it('answers slow_down to a poll sooner than the interval, grows the interval, and keeps it for later polls', async () => {
    const data = tempDataDir();
    const store = openSqliteStore(join(data.dir, 'oidc.sqlite'));
    try {
      expect(await store.recordPoll(poll('a', T0))).toEqual({ slowDown: false, interval: 5 });
      expect(await store.recordPoll(poll('a', T0 + 5_000))).toEqual({ slowDown: false, interval: 5 });
      expect(await store.recordPoll(poll('a', T0 + 6_000))).toEqual({ slowDown: true, interval: 10 });
      // Ten seconds now, counted from the early poll.
      expect(await store.recordPoll(poll('a', T0 + 14_000))).toEqual({ slowDown: true, interval: 15 });
      expect(await store.recordPoll(poll('a', T0 + 29_000))).toEqual({ slowDown: false, interval: 15 });
      // Within the tolerance is not early.
      expect(await store.recordPoll(poll('a', T0 + 43_800))).toEqual({ slowDown: false, interval: 15 });
      expect(await store.currentInterval('a', 5)).toBe(15);
      // Codes do not share a ledger.
      expect(await store.recordPoll(poll('b', T0 + 43_900))).toEqual({ slowDown: false, interval: 5 });
    } finally {
      await store.close();
      data.remove();
    }
  });

  it('adds the slowed column to a file made before it existed, keeping the rows', async () => {
    const data = tempDataDir();
    const file = join(data.dir, 'oidc.sqlite');
    const old = new DatabaseSync(file);
    old.exec(`CREATE TABLE device_poll (id TEXT PRIMARY KEY, last_at INTEGER NOT NULL, interval INTEGER NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID;
      INSERT INTO device_poll VALUES ('old', ${T0}, 10, ${T0 + 600_000});`);
    old.close();
    const store = openSqliteStore(file);
    try {
      expect(await store.currentInterval('old', 5)).toBe(10);
      expect(await store.recordPoll(poll('old', T0 + 3_000))).toEqual({ slowDown: true, interval: 15 });
    } finally {
      await store.close();
      data.remove();
    }
  });
});
