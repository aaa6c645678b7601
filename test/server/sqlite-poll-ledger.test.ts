// The slow_down ledger of the SQLite store: kept in the process's memory (server/adapters/poll-ledger.ts),
// so a pending poll writes nothing to the file, and a data directory made by an earlier version (with
// its device_poll table) keeps working.
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';

import { MemoryPollLedger } from '../../server/adapters/poll-ledger.ts';
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
      expect(await store.currentInterval('never-polled', 5)).toBe(5);
    } finally {
      await store.close();
      data.remove();
    }
  });

  it('writes nothing to the file on a pending poll', async () => {
    const data = tempDataDir();
    const file = join(data.dir, 'oidc.sqlite');
    const store = openSqliteStore(file);
    try {
      const changesBefore = Number((store.database.prepare('SELECT total_changes() AS n').get() as { n: number }).n);
      for (let i = 0; i < 50; i += 1) await store.recordPoll(poll(`code-${i}`, T0 + i));
      await store.recordPoll(poll('code-0', T0 + 100));
      const changesAfter = Number((store.database.prepare('SELECT total_changes() AS n').get() as { n: number }).n);
      expect(changesAfter).toBe(changesBefore);
    } finally {
      await store.close();
      data.remove();
    }
  });

  it('opens a file made by an earlier version, whose device_poll table it no longer uses, and sweeps its expired rows', async () => {
    const data = tempDataDir();
    const file = join(data.dir, 'oidc.sqlite');
    const old = new DatabaseSync(file);
    old.exec(`CREATE TABLE device_poll (id TEXT PRIMARY KEY, last_at INTEGER NOT NULL, interval INTEGER NOT NULL, expires_at INTEGER NOT NULL, slowed INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
      INSERT INTO device_poll VALUES ('old', ${T0}, 10, ${T0 + 600_000}, 0);`);
    old.close();
    const store = openSqliteStore(file);
    try {
      // The sweep runs on a write once a minute; the first write sweeps.
      await store.adapterFor('Session').upsert('s1', { uid: 'u1' }, 60);
      const left = Number((store.database.prepare('SELECT count(*) AS n FROM device_poll').get() as { n: number }).n);
      expect(left).toBe(0);
      expect(await store.recordPoll(poll('old', Date.now()))).toEqual({ slowDown: false, interval: 5 });
    } finally {
      await store.close();
      data.remove();
    }
  });
});

describe('the in-memory poll ledger', () => {
  it('forgets codes once they expire', () => {
    const ledger = new MemoryPollLedger();
    ledger.recordPoll({ ...poll('short', T0), expiresAt: T0 + 1_000 });
    ledger.recordPoll(poll('long', T0));
    expect(ledger.size).toBe(2);
    // The sweep runs at most once a minute, on a poll.
    ledger.recordPoll(poll('later', T0 + 61_000));
    expect(ledger.size).toBe(2);
    expect(ledger.currentInterval('short', 5)).toBe(5);
    expect(ledger.recordPoll(poll('long', T0 + 61_001))).toEqual({ slowDown: false, interval: 5 });
  });

  it('stays within its bound by forgetting the code that first polled longest ago', () => {
    const ledger = new MemoryPollLedger({ maxEntries: 3 });
    for (const id of ['a', 'b', 'c']) ledger.recordPoll(poll(id, T0));
    // b polls early: slowed to 10 s. A later poll does not move it to the back of the line.
    expect(ledger.recordPoll(poll('b', T0 + 1_000))).toEqual({ slowDown: true, interval: 10 });
    ledger.recordPoll(poll('d', T0 + 1_000));
    expect(ledger.size).toBe(3);
    expect(ledger.currentInterval('b', 5)).toBe(10);
    // a was forgotten: its next early poll counts as a first one.
    expect(ledger.recordPoll(poll('a', T0 + 1_500))).toEqual({ slowDown: false, interval: 5 });
    expect(ledger.size).toBe(3);
    // and made room by forgetting b, the next oldest.
    expect(ledger.currentInterval('b', 5)).toBe(5);
    expect(ledger.recordPoll(poll('d', T0 + 2_000))).toEqual({ slowDown: true, interval: 10 });
  });
});
