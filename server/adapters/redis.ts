// oidc-provider persistence on Redis (ioredis), for several server instances sharing one state:
// one hash per model:id with a TTL, secondary keys for grants, user codes and session uids, and a
// pub/sub channel so an approval on one instance wakes the held polls on every other.
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Adapter, AdapterPayload } from 'oidc-provider';

import { DeviceLoginError } from '../../core/errors.ts';
import { DeviceCodeEvents, GRANTABLE, isDecided, type OidcStore, type PollLedgerInput, type PollVerdict } from './store.ts';

/** Rows outlive their expiry by this long so a late poll hears `expired_token`, not "not found". */
const RETENTION_MS = 15 * 60 * 1000;
const CHANNEL = 'device-login:device-code';

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

/** The Lua scripts above, registered with defineCommand (on the client and on its pipelines). */
interface ScriptCommands {
  dlConsumeOnce(key: string, now: string): Promise<unknown>;
  dlExtendTtl(key: string, ttlMs: string): unknown;
  dlRecordPoll(key: string, now: string, base: string, step: string, toleranceMs: string, expiresAt: string): Promise<unknown>;
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

  const events = new DeviceCodeEvents();
  // Device code ids are bearer secrets: the channel and the local map carry only their hash.
  const eventKey = (id: string): string => createHash('sha256').update(id).digest('base64url');
  subscriber.on('message', (_channel: string, message: string) => events.emit(message));
  await subscriber.subscribe(prefix + CHANNEL);

  const key = (model: string, id: string): string => `${prefix}${model}:${id}`;
  const grantKey = (grantId: string): string => `${prefix}grant:${grantId}`;
  const userCodeKey = (userCode: string): string => `${prefix}userCode:${userCode}`;
  const uidKey = (uid: string): string => `${prefix}uid:${uid}`;

  async function load(k: string | null): Promise<AdapterPayload | undefined> {
    if (!k) return undefined;
    const stored = await client.hgetall(k);
    if (!stored.payload) return undefined;
    const payload = JSON.parse(stored.payload) as AdapterPayload;
    if (stored.consumed) payload.consumed = Number(stored.consumed);
    return payload;
  }

  function notify(id: string): void {
    const hashed = eventKey(id);
    events.emit(hashed);
    client.publish(prefix + CHANNEL, hashed).catch(swallow);
  }

  function adapterFor(model: string): Adapter {
    return {
      async upsert(id, payload, expiresIn) {
        const k = key(model, id);
        const ttlMs = typeof expiresIn === 'number' ? expiresIn * 1000 + RETENTION_MS : undefined;
        const multi = client.multi().del(k);
        const fields: Record<string, string> = { payload: JSON.stringify(payload) };
        if (payload.consumed) fields.consumed = String(payload.consumed);
        multi.hset(k, fields);
        if (ttlMs !== undefined) multi.pexpire(k, ttlMs);
        if (GRANTABLE.has(model) && payload.grantId) {
          const g = grantKey(payload.grantId);
          multi.sadd(g, k);
          // The grant index must live as long as its longest member (PEXPIRE GT would never set a
          // TTL on the fresh, TTL-less set, so the comparison is done here).
          if (ttlMs !== undefined) (multi as typeof multi & ScriptCommands).dlExtendTtl(g, String(ttlMs));
          else multi.persist(g);
        }
        if (payload.userCode) {
          if (ttlMs !== undefined) multi.set(userCodeKey(payload.userCode), id, 'PX', ttlMs);
          else multi.set(userCodeKey(payload.userCode), id);
        }
        if (model === 'Session' && payload.uid) {
          if (ttlMs !== undefined) multi.set(uidKey(payload.uid), id, 'PX', ttlMs);
          else multi.set(uidKey(payload.uid), id);
        }
        await multi.exec();
        if (isDecided(model, payload)) notify(id);
      },
      async find(id) {
        return load(key(model, id));
      },
      async findByUserCode(userCode) {
        const id = await client.get(userCodeKey(userCode));
        return id ? load(key(model, id)) : undefined;
      },
      async findByUid(uid) {
        const id = await client.get(uidKey(uid));
        return id ? load(key(model, id)) : undefined;
      },
      async consume(id) {
        await scripts.dlConsumeOnce(key(model, id), String(Math.floor(Date.now() / 1000)));
        if (model === 'DeviceCode') notify(id);
      },
      async destroy(id) {
        await client.del(key(model, id));
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

  let closed = false;
  return {
    client,
    adapterFor,
    async consumeOnce(model, id) {
      const won = await scripts.dlConsumeOnce(key(model, id), String(Math.floor(Date.now() / 1000)));
      return Number(won) === 1;
    },
    async recordPoll(input: PollLedgerInput): Promise<PollVerdict> {
      const result = (await scripts.dlRecordPoll(
        `${prefix}poll:${input.id}`,
        String(input.now),
        String(input.baseInterval),
        String(input.step),
        String(input.toleranceMs),
        String(input.expiresAt),
      )) as [number, number];
      return { slowDown: Number(result[0]) === 1, interval: Number(result[1]) };
    },
    async currentInterval(id, baseInterval) {
      const stored = await client.hget(`${prefix}poll:${id}`, 'interval');
      return stored ? Number(stored) : baseInterval;
    },
    notifyDeviceCode(id) {
      notify(id);
    },
    onDeviceCode(id, listener) {
      return events.on(eventKey(id), listener);
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
