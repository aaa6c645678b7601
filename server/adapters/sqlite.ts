// oidc-provider persistence on the built-in node:sqlite (no native build): one table for every
// model, indexed by grant, user code and session uid, and the sign-ins the account page lists
// (sign_ins, one row per grant, no token values). WAL mode lets two processes share the file.
// Rows are keyed by the hash of their id, never the id itself (the id is the token: store.ts RowIds),
// and the file, its -wal and -shm are private to their owner (server/data-dir.ts).
//
// Upgrade from files written before ids were hashed: the first open by this version seals every
// row in one transaction (re-keyed by hashId(id), `jti` dropped, references hashed, marked
// sealed = 1), empties the device_events wake-up table (a minute of hints, which named device codes
// in clear), then VACUUMs and truncates the WAL so that no old copy of a row stays in the file.
// Sign-ins survive: a refresh token issued before the upgrade still refreshes after it. Stop the
// older version before starting this one: rows an older process still writes afterwards arrive with
// sealed = 0 and are sealed by the next sweep (within a minute), and until then this version does
// not find them.
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { Adapter, AdapterPayload } from 'oidc-provider';

import { openPrivateDatabase } from '../data-dir.ts';
import { MemoryPollLedger } from './poll-ledger.ts';
import { DeviceCodeEvents, GRANTABLE, hashId, isDecided, RowIds, type OidcStore, type PollLedgerInput, type PollVerdict, type SignInRecord } from './store.ts';

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

// `id` is hashId(oidc-provider's id) on sealed rows. `sealed` defaults to 0 so that a row an older
// version inserts (it does not name the column) is known for what it is and sealed by the sweep.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS oidc (
  model TEXT NOT NULL,
  id TEXT NOT NULL,
  payload TEXT NOT NULL,
  expires_at INTEGER,
  grant_id TEXT,
  user_code TEXT,
  uid TEXT,
  sealed INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (model, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS oidc_grant ON oidc (grant_id) WHERE grant_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS oidc_user_code ON oidc (model, user_code) WHERE user_code IS NOT NULL;
CREATE INDEX IF NOT EXISTS oidc_uid ON oidc (model, uid) WHERE uid IS NOT NULL;
CREATE INDEX IF NOT EXISTS oidc_expires ON oidc (expires_at) WHERE expires_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS sign_ins (
  grant_id TEXT NOT NULL PRIMARY KEY,
  account_id TEXT NOT NULL,
  record TEXT NOT NULL,
  last_used_at INTEGER NOT NULL,
  signed_out_at INTEGER,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS sign_ins_account ON sign_ins (account_id);
CREATE INDEX IF NOT EXISTS sign_ins_expires ON sign_ins (expires_at);
CREATE TABLE IF NOT EXISTS device_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL,
  at INTEGER NOT NULL
);
`;

const UNSEALED_INDEX = 'CREATE INDEX IF NOT EXISTS oidc_unsealed ON oidc (model) WHERE sealed = 0;';

interface Row {
  id: string;
  payload: string;
  expires_at: number | null;
}

interface LegacyRow {
  model: string;
  id: string;
  payload: string;
  expires_at: number | null;
  grant_id: string | null;
  user_code: string | null;
  uid: string | null;
}

/** Creates the tables, or adds the `sealed` column to a file of an earlier version; true when rows may need sealing. */
function migrateSchema(db: DatabaseSync): boolean {
  // IMMEDIATE: two processes opening one old file at once must not both add the column.
  db.exec('BEGIN IMMEDIATE');
  try {
    const existed = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'oidc'").get() !== undefined;
    db.exec(SCHEMA);
    const columns = db.prepare('PRAGMA table_info(oidc)').all() as Array<{ name: string }>;
    const legacy = !columns.some((column) => column.name === 'sealed');
    if (legacy) db.exec('ALTER TABLE oidc ADD COLUMN sealed INTEGER NOT NULL DEFAULT 0');
    db.exec(UNSEALED_INDEX);
    db.exec('COMMIT');
    return existed && legacy;
  } catch (err) {
    db.exec('ROLLBACK');
    throw err;
  }
}

/** Opens (creating if needed) the SQLite store at `file`. */
export function openSqliteStore(file: string): OidcStore & { readonly database: DatabaseSync } {
  const db = openPrivateDatabase(file);
  // Checkpoints every 10,000 pages (about 40 MB of WAL) instead of SQLite's 1,000: frequent
  // checkpoints were a large share of the cost of a write.
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000; PRAGMA wal_autocheckpoint = 10000;');
  const upgrading = migrateSchema(db);
  // Files written by earlier versions also hold a device_poll table (the slow_down ledger, now kept
  // in memory: server/adapters/poll-ledger.ts). Nothing reads it; it is not dropped, so that an older
  // process still draining on the same file keeps working, and its rows are swept as they expire.
  const legacyPollTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'device_poll'").get() !== undefined;

  const statements = {
    upsert: db.prepare(
      `INSERT INTO oidc (model, id, payload, expires_at, grant_id, user_code, uid, sealed) VALUES (?, ?, ?, ?, ?, ?, ?, 1)
       ON CONFLICT (model, id) DO UPDATE SET payload = excluded.payload, expires_at = excluded.expires_at,
         grant_id = excluded.grant_id, user_code = excluded.user_code, uid = excluded.uid, sealed = 1`,
    ),
    // A sealed row already written under the same key (by this version) is newer than the legacy one.
    sealInsert: db.prepare(
      `INSERT INTO oidc (model, id, payload, expires_at, grant_id, user_code, uid, sealed) VALUES (?, ?, ?, ?, ?, ?, ?, 1)
       ON CONFLICT (model, id) DO NOTHING`,
    ),
    unsealed: db.prepare('SELECT model, id, payload, expires_at, grant_id, user_code, uid FROM oidc WHERE sealed = 0'),
    unsealedDelete: db.prepare('DELETE FROM oidc WHERE model = ? AND id = ? AND sealed = 0'),
    find: db.prepare('SELECT id, payload, expires_at FROM oidc WHERE model = ? AND id = ? AND sealed = 1'),
    findByUserCode: db.prepare(
      'SELECT id, payload, expires_at FROM oidc WHERE model = ? AND user_code = ? AND sealed = 1 ORDER BY expires_at DESC LIMIT 1',
    ),
    findByUid: db.prepare('SELECT id, payload, expires_at FROM oidc WHERE model = ? AND uid = ? AND sealed = 1 LIMIT 1'),
    consume: db.prepare(
      `UPDATE oidc SET payload = json_set(payload, '$.consumed', ?) WHERE model = ? AND id = ?
         AND json_extract(payload, '$.consumed') IS NULL`,
    ),
    destroy: db.prepare('DELETE FROM oidc WHERE model = ? AND id = ?'),
    eventsClear: db.prepare('DELETE FROM device_events'),
    revokeByGrantId: db.prepare('DELETE FROM oidc WHERE model = ? AND grant_id = ?'),
    purge: db.prepare('DELETE FROM oidc WHERE expires_at IS NOT NULL AND expires_at < ?'),
    eventInsert: db.prepare('INSERT INTO device_events (id, at) VALUES (?, ?)'),
    eventsSince: db.prepare('SELECT seq, id FROM device_events WHERE seq > ? ORDER BY seq LIMIT 10000'),
    eventsMax: db.prepare('SELECT coalesce(max(seq), 0) AS seq FROM device_events'),
    eventsPurge: db.prepare('DELETE FROM device_events WHERE at < ?'),
    signInInsert: db.prepare(
      `INSERT INTO sign_ins (grant_id, account_id, record, last_used_at, expires_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (grant_id) DO NOTHING`,
    ),
    signInFind: db.prepare('SELECT record, last_used_at, signed_out_at FROM sign_ins WHERE grant_id = ? AND expires_at >= ?'),
    signInList: db.prepare('SELECT record, last_used_at, signed_out_at FROM sign_ins WHERE account_id = ? AND expires_at >= ?'),
    signInTouch: db.prepare('UPDATE sign_ins SET last_used_at = ? WHERE grant_id = ? AND last_used_at < ? AND signed_out_at IS NULL'),
    signInSignOut: db.prepare('UPDATE sign_ins SET signed_out_at = ?, expires_at = ? WHERE grant_id = ? AND signed_out_at IS NULL'),
    signInDelete: db.prepare('DELETE FROM sign_ins WHERE grant_id = ?'),
    signInPurge: db.prepare('DELETE FROM sign_ins WHERE expires_at < ?'),
    legacyPollPurge: legacyPollTable ? db.prepare('DELETE FROM device_poll WHERE expires_at < ?') : undefined,
  } satisfies Record<string, StatementSync | undefined>;

  const ids = new RowIds();
  const events = new DeviceCodeEvents();
  const ledger = new MemoryPollLedger();
  let lastPurge = 0;
  let closed = false;

  /**
   * Seals rows written in clear (by an earlier version, or by an older process still running on the
   * file); the number sealed. secure_delete zeroes the clear rows' bytes as they are deleted.
   */
  function sealUnsealedRows(): number {
    const rows = statements.unsealed.all() as unknown as LegacyRow[];
    if (rows.length === 0) return 0;
    db.exec('PRAGMA secure_delete = ON; BEGIN IMMEDIATE');
    try {
      for (const row of rows) {
        const payload = ids.seal(row.model, JSON.parse(row.payload) as AdapterPayload);
        statements.sealInsert.run(row.model, hashId(row.id), JSON.stringify(payload), row.expires_at, row.grant_id, row.user_code, row.uid);
        statements.unsealedDelete.run(row.model, row.id);
      }
      db.exec('COMMIT');
    } catch (err) {
      db.exec('ROLLBACK');
      throw err;
    } finally {
      db.exec('PRAGMA secure_delete = OFF');
    }
    return rows.length;
  }

  /**
   * Rewrites the file and empties the WAL: pages freed before the upgrade, and the WAL, still hold
   * copies of the clear rows (an updated row leaves its old version behind). True when done; another
   * process holding the file can make it fail, and then the sweep tries again.
   */
  function vacuum(): boolean {
    try {
      db.exec('VACUUM');
      db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
      return true;
    } catch {
      return false;
    }
  }

  let vacuumPending = false;
  if (upgrading) {
    sealUnsealedRows();
    // Wake-up hints of the earlier version named device codes in clear; they matter for a minute.
    statements.eventsClear.run();
    vacuumPending = !vacuum();
  }

  // Decisions made by another process sharing this file reach our held polls through the
  // device_events table (by row key, never the device code); within this process they are delivered at once.
  let lastSeq = Number((statements.eventsMax.get() as { seq: number }).seq);
  const scanner = setInterval(() => {
    if (events.size === 0 || closed) return;
    for (const row of statements.eventsSince.all(lastSeq) as Array<{ seq: number; id: string }>) {
      lastSeq = row.seq;
      events.emit(row.id);
    }
  }, WAKE_SCAN_MS);
  scanner.unref();

  function notify(key: string): void {
    events.emit(key);
    statements.eventInsert.run(key, Date.now());
  }

  function purgeIfDue(now: number): void {
    if (now - lastPurge < PURGE_EVERY_MS) return;
    lastPurge = now;
    statements.purge.run(now - RETENTION_MS);
    statements.eventsPurge.run(now - WAKE_EVENT_TTL_MS);
    statements.signInPurge.run(now);
    statements.legacyPollPurge?.run(now);
    sealUnsealedRows();
    if (vacuumPending) vacuumPending = !vacuum();
  }

  /** The payload of a found row for oidc-provider; `id` is what it was asked for, else a handle of the row. */
  function parse(model: string, row: unknown, id?: string): AdapterPayload | undefined {
    const found = row as Row | undefined;
    if (!found) return undefined;
    if (found.expires_at !== null && found.expires_at + RETENTION_MS < Date.now()) return undefined;
    return ids.open(model, JSON.parse(found.payload) as AdapterPayload, id ?? ids.handle(found.id));
  }

  function adapterFor(model: string): Adapter {
    return {
      async upsert(id, payload, expiresIn) {
        const now = Date.now();
        purgeIfDue(now);
        const key = ids.key(id);
        const expiresAt = typeof expiresIn === 'number' ? now + expiresIn * 1000 : null;
        statements.upsert.run(
          model,
          key,
          JSON.stringify(ids.seal(model, payload)),
          expiresAt,
          GRANTABLE.has(model) ? (payload.grantId ?? null) : null,
          payload.userCode ?? null,
          model === 'Session' ? (payload.uid ?? null) : null,
        );
        if (isDecided(model, payload)) notify(key);
      },
      async find(id) {
        return parse(model, statements.find.get(model, ids.key(id)), id);
      },
      async findByUserCode(userCode) {
        return parse(model, statements.findByUserCode.get(model, userCode));
      },
      async findByUid(uid) {
        return parse(model, statements.findByUid.get(model, uid));
      },
      async consume(id) {
        const key = ids.key(id);
        statements.consume.run(Math.floor(Date.now() / 1000), model, key);
        if (model === 'DeviceCode') notify(key);
      },
      async destroy(id) {
        statements.destroy.run(model, ids.key(id));
      },
      async revokeByGrantId(grantId) {
        statements.revokeByGrantId.run(model, grantId);
      },
    };
  }

  /** A sign-in row as the registry sees it: the JSON record with the two columns that change after it is written. */
  function signIn(row: unknown): SignInRecord | undefined {
    const found = row as { record: string; last_used_at: number; signed_out_at: number | null } | undefined;
    if (!found) return undefined;
    const record = JSON.parse(found.record) as SignInRecord;
    record.lastUsedAt = Number(found.last_used_at);
    if (found.signed_out_at !== null) record.signedOutAt = Number(found.signed_out_at);
    return record;
  }

  return {
    database: db,
    adapterFor,
    async addSignIn(record) {
      purgeIfDue(Date.now());
      const { lastUsedAt, signedOutAt: _ignored, ...rest } = record;
      const result = statements.signInInsert.run(record.grantId, record.accountId, JSON.stringify(rest), lastUsedAt, record.expiresAt);
      return Number(result.changes) === 1;
    },
    async findSignIn(grantId) {
      return signIn(statements.signInFind.get(grantId, Date.now()));
    },
    async listSignIns(accountId) {
      return statements.signInList.all(accountId, Date.now()).flatMap((row) => signIn(row) ?? []);
    },
    async touchSignIn(grantId, at, minGapMs) {
      statements.signInTouch.run(at, grantId, at - minGapMs);
    },
    async markSignedOut(grantId, at, expiresAt) {
      return Number(statements.signInSignOut.run(at, expiresAt, grantId).changes) === 1;
    },
    async dropSignIn(grantId) {
      statements.signInDelete.run(grantId);
    },
    async consumeOnce(model, id) {
      const result = statements.consume.run(Math.floor(Date.now() / 1000), model, ids.key(id));
      return Number(result.changes) === 1;
    },
    async recordPoll(input: PollLedgerInput): Promise<PollVerdict> {
      return ledger.recordPoll({ ...input, id: ids.key(input.id) });
    },
    async currentInterval(id, baseInterval) {
      return ledger.currentInterval(ids.key(id), baseInterval);
    },
    notifyDeviceCode(id) {
      notify(ids.key(id));
    },
    onDeviceCode(id, listener) {
      return events.on(ids.key(id), listener);
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
