// oidc-provider persistence on Redis (ioredis), for several server instances sharing one state:
// one hash per model and row key with a TTL, secondary keys for grants, user codes and session uids,
// the sign-ins the account page lists (a hash per grant, a set per account; no token values),
// and a pub/sub channel so an approval on one instance wakes the held polls on every other. A row key
// is the hash of oidc-provider's id, never the id itself (the id is the token: store.ts RowIds).
//
// Upgrade from instances of an earlier version, which named keys by the id in clear
// (`dl:AccessToken:<token>`): keys now live under `dl:v2:`, and each start moves what it finds of
// the old layout there (rows re-keyed and sealed with their time to live; old index and poll keys
// dropped, the poll ledger being pacing advice: poll-ledger.ts). Sign-ins survive. Upgrade every
// instance at once: an older instance does not see the new keys, and what it writes meanwhile is
// moved only by the next start of an upgraded one.
import { Redis } from 'ioredis';
import type { Adapter, AdapterPayload } from 'oidc-provider';

import { DeviceLoginError } from '../../core/errors.ts';
import { DeviceCodeEvents, GRANTABLE, hashId, isDecided, RowIds, type OidcStore, type PollLedgerInput, type PollVerdict, type SignInRecord } from './store.ts';

/** Rows outlive their expiry by this long so a late poll hears `expired_token`, not "not found". */
const RETENTION_MS = 15 * 60 * 1000;
const CHANNEL = 'device-login:device-code';
/** The oidc-provider models whose rows an earlier version may have left under the bare prefix. */
const MODELS = new Set([
  'AccessToken',
  'AuthorizationCode',
  'BackchannelAuthenticationRequest',
  'Client',
  'ClientCredentials',
  'DeviceCode',
  'Grant',
  'InitialAccessToken',
  'Interaction',
  'PushedAuthorizationRequest',
  'RefreshToken',
  'RegistrationAccessToken',
  'ReplayDetection',
  'Session',
]);
/** Index and poll-ledger keys of earlier versions: rebuilt from the rows (indexes) or let go (the ledger). */
const LEGACY_INDEXES = new Set(['grant', 'userCode', 'uid', 'poll']);

// The consumed flag is a separate hash field so that "consume once" is one atomic HSETNX, and the
// JSON payload is never re-encoded inside Redis (Lua's cjson turns [] into {}).
const CONSUME_ONCE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
return redis.call('HSETNX', KEYS[1], 'consumed', ARGV[1])
`;

const EXTEND_TTL = `
local current = redis.call('PTTL', KEYS[1])
if current < tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return 1
`;

// The slow_down ledger stays in Redis, shared: a device whose polls a load balancer spreads over
// the instances must not be judged by each instance's share of them (compare the per-process
// ledger of the SQLite store, server/adapters/poll-ledger.ts).
const RECORD_POLL = `
local last = redis.call('HGET', KEYS[1], 'last')
local interval = tonumber(redis.call('HGET', KEYS[1], 'interval') or ARGV[2])
local slow = 0
if last and (tonumber(ARGV[1]) - tonumber(last)) < interval * 1000 - tonumber(ARGV[4]) then
  slow = 1
  interval = interval + tonumber(ARGV[3])
end
redis.call('HSET', KEYS[1], 'last', ARGV[1], 'interval', interval)
redis.call('PEXPIREAT', KEYS[1], ARGV[5])
return { slow, interval }
`;

// Sign-ins (server/devices.ts): one hash per grant (the record, lastUsedAt, signedOutAt) expiring
// with it, and a set of grant ids per account for the list. Written once, by the caller that wins.
const ADD_SIGN_IN = `
if redis.call('HSETNX', KEYS[1], 'record', ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'lastUsedAt', ARGV[2])
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
redis.call('SADD', KEYS[2], ARGV[4])
local ttl = tonumber(ARGV[3]) - tonumber(ARGV[5])
if redis.call('PTTL', KEYS[2]) < ttl then redis.call('PEXPIRE', KEYS[2], ttl) end
return 1
`;

const TOUCH_SIGN_IN = `
local last = redis.call('HGET', KEYS[1], 'lastUsedAt')
if not last or redis.call('HEXISTS', KEYS[1], 'signedOutAt') == 1 then return 0 end
if tonumber(last) >= tonumber(ARGV[1]) - tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'lastUsedAt', ARGV[1])
return 1
`;

const SIGN_OUT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HSETNX', KEYS[1], 'signedOutAt', ARGV[1]) == 0 then return 0 end
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
local ttl = tonumber(ARGV[2]) - tonumber(ARGV[1])
if redis.call('PTTL', KEYS[2]) < ttl then redis.call('PEXPIRE', KEYS[2], ttl) end
return 1
`;

/** The Lua scripts above, registered with defineCommand (on the client and on its pipelines). */
interface ScriptCommands {
  dlConsumeOnce(key: string, now: string): Promise<unknown>;
  dlExtendTtl(key: string, ttlMs: string): unknown;
  dlRecordPoll(key: string, now: string, base: string, step: string, toleranceMs: string, expiresAt: string): Promise<unknown>;
  dlAddSignIn(key: string, accountKey: string, record: string, lastUsedAt: string, expiresAt: string, grantId: string, now: string): Promise<unknown>;
  dlTouchSignIn(key: string, at: string, minGapMs: string): Promise<unknown>;
  dlSignOut(key: string, accountKey: string, at: string, expiresAt: string): Promise<unknown>;
}

export interface RedisStoreOptions {
  /** redis://[:password@]host:port[/db] */
  url: string;
  /** Key prefix, so several deployments can share one Redis. */
  prefix?: string;
}

/** Connects to Redis and returns the store; rejects with a readable error when Redis cannot be reached. */
export async function openRedisStore(options: RedisStoreOptions): Promise<OidcStore & { readonly client: Redis }> {
  const prefix = options.prefix ?? 'dl:';
  const connect = (): Redis =>
    new Redis(options.url, { lazyConnect: true, maxRetriesPerRequest: 3, enableOfflineQueue: true });
  const client = connect();
  const subscriber = connect();
  // ioredis reports connection errors as events; without listeners they would crash the process.
  const swallow = (): void => {};
  client.on('error', swallow);
  subscriber.on('error', swallow);
  try {
    await client.connect();
    await subscriber.connect();
  } catch (cause) {
    client.disconnect();
    subscriber.disconnect();
    throw new DeviceLoginError('configuration', `Cannot reach Redis at ${redactUrl(options.url)}.`, { cause });
  }

  // The scripts are sent once and then run by their SHA (EVALSHA); EVAL would ship and hash the
  // script text on every poll.
  const scripts = client as Redis & ScriptCommands;
  client.defineCommand('dlConsumeOnce', { numberOfKeys: 1, lua: CONSUME_ONCE });
  client.defineCommand('dlExtendTtl', { numberOfKeys: 1, lua: EXTEND_TTL });
  client.defineCommand('dlRecordPoll', { numberOfKeys: 1, lua: RECORD_POLL });
  client.defineCommand('dlAddSignIn', { numberOfKeys: 2, lua: ADD_SIGN_IN });
  client.defineCommand('dlTouchSignIn', { numberOfKeys: 1, lua: TOUCH_SIGN_IN });
  client.defineCommand('dlSignOut', { numberOfKeys: 2, lua: SIGN_OUT });

  const ids = new RowIds();
  const events = new DeviceCodeEvents();
  // Wake-ups name the row key (the hash of the device code), as the local map does; the channel is
  // the one earlier versions used, whose messages were the same hash.
  subscriber.on('message', (_channel: string, message: string) => events.emit(message));
  await subscriber.subscribe(prefix + CHANNEL);

  // Version 2 of the key layout: row keys are hashes. The namespace tells them from the clear keys
  // of earlier versions, which moveLegacyKeys() finds under the bare prefix.
  const ns = `${prefix}v2:`;
  const rowKey = (model: string, key: string): string => `${ns}${model}:${key}`;
  const grantKey = (grantId: string): string => `${ns}grant:${grantId}`;
  const userCodeKey = (userCode: string): string => `${ns}userCode:${userCode}`;
  const uidKey = (uid: string): string => `${ns}uid:${uid}`;
  const pollKey = (id: string): string => `${ns}poll:${ids.key(id)}`;
  const signInKey = (grantId: string): string => `${ns}signIn:${grantId}`;
  const accountSignInsKey = (accountId: string): string => `${ns}signIns:${accountId}`;

  /** A sign-in hash as the registry sees it; undefined when gone. */
  function signIn(stored: Record<string, string> | null | undefined): SignInRecord | undefined {
    if (!stored?.record) return undefined;
    const record = JSON.parse(stored.record) as SignInRecord;
    record.lastUsedAt = Number(stored.lastUsedAt ?? record.signedInAt);
    if (stored.signedOutAt) record.signedOutAt = Number(stored.signedOutAt);
    return record;
  }

  /** The row stored under `k`, for oidc-provider: `jti` is `id` as asked for, else a handle of the row. */
  async function load(model: string, key: string, id?: string): Promise<AdapterPayload | undefined> {
    const stored = await client.hgetall(rowKey(model, key));
    if (!stored.payload) return undefined;
    const payload = ids.open(model, JSON.parse(stored.payload) as AdapterPayload, id ?? ids.handle(key));
    if (stored.consumed) payload.consumed = Number(stored.consumed);
    return payload;
  }

  /** Writes one sealed row with its indexes; `ttlMs` undefined keeps it until deleted. */
  async function writeRow(model: string, key: string, sealed: AdapterPayload, ttlMs: number | undefined): Promise<void> {
    const k = rowKey(model, key);
    const multi = client.multi().del(k);
    const fields: Record<string, string> = { payload: JSON.stringify(sealed) };
    if (sealed.consumed) fields.consumed = String(sealed.consumed);
    multi.hset(k, fields);
    if (ttlMs !== undefined) multi.pexpire(k, ttlMs);
    if (GRANTABLE.has(model) && sealed.grantId) {
      const g = grantKey(sealed.grantId);
      multi.sadd(g, k);
      // The grant index must live as long as its longest member (PEXPIRE GT would never set a
      // TTL on the fresh, TTL-less set, so the comparison is done here).
      if (ttlMs !== undefined) (multi as typeof multi & ScriptCommands).dlExtendTtl(g, String(ttlMs));
      else multi.persist(g);
    }
    if (sealed.userCode) {
      if (ttlMs !== undefined) multi.set(userCodeKey(sealed.userCode), key, 'PX', ttlMs);
      else multi.set(userCodeKey(sealed.userCode), key);
    }
    if (model === 'Session' && sealed.uid) {
      if (ttlMs !== undefined) multi.set(uidKey(sealed.uid), key, 'PX', ttlMs);
      else multi.set(uidKey(sealed.uid), key);
    }
    await multi.exec();
  }

  /** Moves the rows of earlier versions (keyed by the token in clear) into the hashed layout; drops their index and poll keys. */
  async function moveLegacyKeys(): Promise<void> {
    let cursor = '0';
    do {
      const [next, found] = await client.scan(cursor, 'MATCH', `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`, 'COUNT', 1000);
      cursor = next;
      for (const k of found) {
        if (k.startsWith(ns)) continue;
        const rest = k.slice(prefix.length);
        const colon = rest.indexOf(':');
        if (colon <= 0) continue;
        const kind = rest.slice(0, colon);
        if (LEGACY_INDEXES.has(kind)) {
          await client.del(k);
          continue;
        }
        if (!MODELS.has(kind) || (await client.type(k)) !== 'hash') continue;
        const [stored, ttlMs] = await Promise.all([client.hgetall(k), client.pttl(k)]);
        if (stored.payload && ttlMs !== -2) {
          const payload = JSON.parse(stored.payload) as AdapterPayload;
          if (stored.consumed) payload.consumed = Number(stored.consumed);
          await writeRow(kind, hashId(rest.slice(colon + 1)), ids.seal(kind, payload), ttlMs >= 0 ? Math.max(ttlMs, 1) : undefined);
        }
        await client.del(k);
      }
    } while (cursor !== '0');
  }

  function notify(key: string): void {
    events.emit(key);
    client.publish(prefix + CHANNEL, key).catch(swallow);
  }

  function adapterFor(model: string): Adapter {
    return {
      async upsert(id, payload, expiresIn) {
        const key = ids.key(id);
        const ttlMs = typeof expiresIn === 'number' ? expiresIn * 1000 + RETENTION_MS : undefined;
        await writeRow(model, key, ids.seal(model, payload), ttlMs);
        if (isDecided(model, payload)) notify(key);
      },
      async find(id) {
        return load(model, ids.key(id), id);
      },
      async findByUserCode(userCode) {
        const key = await client.get(userCodeKey(userCode));
        return key ? load(model, key) : undefined;
      },
      async findByUid(uid) {
        const key = await client.get(uidKey(uid));
        return key ? load(model, key) : undefined;
      },
      async consume(id) {
        const key = ids.key(id);
        await scripts.dlConsumeOnce(rowKey(model, key), String(Math.floor(Date.now() / 1000)));
        if (model === 'DeviceCode') notify(key);
      },
      async destroy(id) {
        await client.del(rowKey(model, ids.key(id)));
      },
      async revokeByGrantId(grantId) {
        const g = grantKey(grantId);
        const members = await client.smembers(g);
        await client
          .multi()
          .del(...members, g)
          .exec();
      },
    };
  }

  try {
    await moveLegacyKeys();
  } catch (cause) {
    await Promise.allSettled([subscriber.quit(), client.quit()]);
    throw new DeviceLoginError('configuration', `Cannot move the keys of an earlier version in Redis at ${redactUrl(options.url)}.`, { cause });
  }

  let closed = false;
  return {
    client,
    adapterFor,
    async consumeOnce(model, id) {
      const won = await scripts.dlConsumeOnce(rowKey(model, ids.key(id)), String(Math.floor(Date.now() / 1000)));
      return Number(won) === 1;
    },
    async recordPoll(input: PollLedgerInput): Promise<PollVerdict> {
      const result = (await scripts.dlRecordPoll(
        pollKey(input.id),
        String(input.now),
        String(input.baseInterval),
        String(input.step),
        String(input.toleranceMs),
        String(input.expiresAt),
      )) as [number, number];
      return { slowDown: Number(result[0]) === 1, interval: Number(result[1]) };
    },
    async currentInterval(id, baseInterval) {
      const stored = await client.hget(pollKey(id), 'interval');
      return stored ? Number(stored) : baseInterval;
    },
    async addSignIn(record) {
      const { lastUsedAt, signedOutAt: _ignored, ...rest } = record;
      const won = await scripts.dlAddSignIn(
        signInKey(record.grantId),
        accountSignInsKey(record.accountId),
        JSON.stringify(rest),
        String(lastUsedAt),
        String(record.expiresAt),
        record.grantId,
        String(Date.now()),
      );
      return Number(won) === 1;
    },
    async findSignIn(grantId) {
      return signIn(await client.hgetall(signInKey(grantId)));
    },
    async listSignIns(accountId) {
      const setKey = accountSignInsKey(accountId);
      const grantIds = await client.smembers(setKey);
      if (grantIds.length === 0) return [];
      const pipeline = client.pipeline();
      for (const grantId of grantIds) pipeline.hgetall(signInKey(grantId));
      const results = (await pipeline.exec()) ?? [];
      const records: SignInRecord[] = [];
      const gone: string[] = [];
      results.forEach(([err, stored], index) => {
        const record = err ? undefined : signIn(stored as Record<string, string>);
        if (record) records.push(record);
        else if (!err) gone.push(grantIds[index]!);
      });
      // Members whose hash expired: the set forgets them as the list meets them.
      if (gone.length) await client.srem(setKey, ...gone);
      return records;
    },
    async touchSignIn(grantId, at, minGapMs) {
      await scripts.dlTouchSignIn(signInKey(grantId), String(at), String(minGapMs));
    },
    async markSignedOut(grantId, at, expiresAt) {
      const record = signIn(await client.hgetall(signInKey(grantId)));
      if (!record) return false;
      const won = await scripts.dlSignOut(signInKey(grantId), accountSignInsKey(record.accountId), String(at), String(expiresAt));
      return Number(won) === 1;
    },
    async dropSignIn(grantId) {
      const record = signIn(await client.hgetall(signInKey(grantId)));
      const multi = client.multi().del(signInKey(grantId));
      if (record) multi.srem(accountSignInsKey(record.accountId), grantId);
      await multi.exec();
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
      events.emitAll();
      await Promise.allSettled([subscriber.quit(), client.quit()]);
    },
  };
}

/** The URL without its password, for messages. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the given URL';
  }
}
