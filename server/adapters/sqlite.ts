// oidc-provider persistence on the built-in node:sqlite (no native build): one table for every
// model, indexed by grant, user code and session uid. WAL mode lets two processes share the file.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { Adapter, AdapterPayload } from 'oidc-provider';

import { MemoryPollLedger } from './poll-ledger.ts';
import { DeviceCodeEvents, GRANTABLE, isDecided, type OidcStore, type PollLedgerInput, type PollVerdict } from './store.ts';

/**
 * Rows outlive their expiry by this long so that a late poll learns `expired_token` rather than
 * "not found"; oidc-provider checks expiry itself, so an expired row is never served as valid.
 */
const RETENTION_MS = 15 * 60 * 1000;
/** Expired rows are swept at most this often, on a write, instead of by a background timer. */
const PURGE_EVERY_MS = 60 * 1000;
/**
 * How often a process with held polls looks for decisions written by other processes sharing the
 * file. One indexed query per tick per process, whatever the number of held polls.
 */
const WAKE_SCAN_MS = 250;
/** Wake events older than this are of no use to anyone. */
const WAKE_EVENT_TTL_MS = 60 * 1000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS oidc (
  model TEXT NOT NULL,
  id TEXT NOT NULL,
  payload TEXT NOT NULL,
  expires_at INTEGER,
  grant_id TEXT,
  user_code TEXT,
  uid TEXT,
  PRIMARY KEY (model, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS oidc_grant ON oidc (grant_id) WHERE grant_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS oidc_user_code ON oidc (model, user_code) WHERE user_code IS NOT NULL;
CREATE INDEX IF NOT EXISTS oidc_uid ON oidc (model, uid) WHERE uid IS NOT NULL;
CREATE INDEX IF NOT EXISTS oidc_expires ON oidc (expires_at) WHERE expires_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS device_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL,
  at INTEGER NOT NULL
);
`;

interface Row {
  payload: string;
  expires_at: number | null;
}

/** Opens (creating if needed) the SQLite store at `file`. */
export function openSqliteStore(file: string): OidcStore & { readonly database: DatabaseSync } {
  mkdirSync(dirname(file), { recursive: true });
  const db = new DatabaseSync(file);
  // Checkpoints every 10,000 pages (about 40 MB of WAL) instead of SQLite's 1,000: frequent
  // checkpoints were a large share of the cost of a write.
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000; PRAGMA wal_autocheckpoint = 10000;');
  db.exec(SCHEMA);
  // Files written by earlier versions also hold a device_poll table (the slow_down ledger, now kept
  // in memory: server/adapters/poll-ledger.ts). Nothing reads it; it is not dropped, so that an older
  // process still draining on the same file keeps working, and its rows are swept as they expire.
  const legacyPollTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'device_poll'").get() !== undefined;

  const statements = {
    upsert: db.prepare(
      `INSERT INTO oidc (model, id, payload, expires_at, grant_id, user_code, uid) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (model, id) DO UPDATE SET payload = excluded.payload, expires_at = excluded.expires_at,
         grant_id = excluded.grant_id, user_code = excluded.user_code, uid = excluded.uid`,
    ),
    find: db.prepare('SELECT payload, expires_at FROM oidc WHERE model = ? AND id = ?'),
    findByUserCode: db.prepare(
      'SELECT payload, expires_at FROM oidc WHERE model = ? AND user_code = ? ORDER BY expires_at DESC LIMIT 1',
    ),
    findByUid: db.prepare('SELECT payload, expires_at FROM oidc WHERE model = ? AND uid = ? LIMIT 1'),
    consume: db.prepare(
      `UPDATE oidc SET payload = json_set(payload, '$.consumed', ?) WHERE model = ? AND id = ?
         AND json_extract(payload, '$.consumed') IS NULL`,
    ),
    destroy: db.prepare('DELETE FROM oidc WHERE model = ? AND id = ?'),
    revokeByGrantId: db.prepare('DELETE FROM oidc WHERE model = ? AND grant_id = ?'),
    purge: db.prepare('DELETE FROM oidc WHERE expires_at IS NOT NULL AND expires_at < ?'),
    eventInsert: db.prepare('INSERT INTO device_events (id, at) VALUES (?, ?)'),
    eventsSince: db.prepare('SELECT seq, id FROM device_events WHERE seq > ? ORDER BY seq LIMIT 10000'),
    eventsMax: db.prepare('SELECT coalesce(max(seq), 0) AS seq FROM device_events'),
    eventsPurge: db.prepare('DELETE FROM device_events WHERE at < ?'),
    legacyPollPurge: legacyPollTable ? db.prepare('DELETE FROM device_poll WHERE expires_at < ?') : undefined,
  } satisfies Record<string, StatementSync | undefined>;

  const events = new DeviceCodeEvents();
  const ledger = new MemoryPollLedger();
  let lastPurge = 0;
  let closed = false;

  // Decisions made by another process sharing this file reach our held polls through the
  // device_events table; within this process they are delivered at once.
  let lastSeq = Number((statements.eventsMax.get() as { seq: number }).seq);
  const scanner = setInterval(() => {
    if (events.size === 0 || closed) return;
    for (const row of statements.eventsSince.all(lastSeq) as Array<{ seq: number; id: string }>) {
      lastSeq = row.seq;
      events.emit(row.id);
    }
  }, WAKE_SCAN_MS);
  scanner.unref();

  function notify(id: string): void {
    events.emit(id);
    statements.eventInsert.run(id, Date.now());
  }

  function purgeIfDue(now: number): void {
    if (now - lastPurge < PURGE_EVERY_MS) return;
    lastPurge = now;
    statements.purge.run(now - RETENTION_MS);
    statements.eventsPurge.run(now - WAKE_EVENT_TTL_MS);
    statements.legacyPollPurge?.run(now);
  }

  function parse(row: unknown): AdapterPayload | undefined {
    const found = row as Row | undefined;
    if (!found) return undefined;
    if (found.expires_at !== null && found.expires_at + RETENTION_MS < Date.now()) return undefined;
    return JSON.parse(found.payload) as AdapterPayload;
  }

  function adapterFor(model: string): Adapter {
    return {
      async upsert(id, payload, expiresIn) {
        const now = Date.now();
        purgeIfDue(now);
        const expiresAt = typeof expiresIn === 'number' ? now + expiresIn * 1000 : null;
        statements.upsert.run(
          model,
          id,
          JSON.stringify(payload),
          expiresAt,
          GRANTABLE.has(model) ? (payload.grantId ?? null) : null,
          payload.userCode ?? null,
          model === 'Session' ? (payload.uid ?? null) : null,
        );
        if (isDecided(model, payload)) notify(id);
      },
      async find(id) {
        return parse(statements.find.get(model, id));
      },
      async findByUserCode(userCode) {
        return parse(statements.findByUserCode.get(model, userCode));
      },
      async findByUid(uid) {
        return parse(statements.findByUid.get(model, uid));
      },
      async consume(id) {
        statements.consume.run(Math.floor(Date.now() / 1000), model, id);
        if (model === 'DeviceCode') notify(id);
      },
      async destroy(id) {
        statements.destroy.run(model, id);
      },
      async revokeByGrantId(grantId) {
        statements.revokeByGrantId.run(model, grantId);
      },
    };
  }

  return {
    database: db,
    adapterFor,
    async consumeOnce(model, id) {
      const result = statements.consume.run(Math.floor(Date.now() / 1000), model, id);
      return Number(result.changes) === 1;
    },
    async recordPoll(input: PollLedgerInput): Promise<PollVerdict> {
      return ledger.recordPoll(input);
    },
    async currentInterval(id, baseInterval) {
      return ledger.currentInterval(id, baseInterval);
    },
    notifyDeviceCode(id) {
      notify(id);
    },
    onDeviceCode(id, listener) {
      return events.on(id, listener);
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(scanner);
      events.emitAll();
      db.close();
    },
  };
}
