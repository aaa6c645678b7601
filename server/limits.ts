// Limits that slow clients down without shutting them out: which addresses count as one client (an
// IPv6 /64 is one home or one phone, like one IPv4 address behind NAT), token buckets for requests
// that cost the server something (device authorizations), and the limit on issuing device codes.
// The counters live in process memory: with N instances a client gets at most N times the rate.
import { isIP } from 'node:net';

import { errors } from 'oidc-provider';

/**
 * The group an address is counted in: an IPv4 address itself (an IPv4-mapped IPv6 address as its
 * IPv4 address), an IPv6 address as its /64, which a single home or phone is handed whole.
 */
export function addressGroup(ip: string): string {
  const bare = ip.replace(/%.*$/, '');
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(bare);
  if (mapped?.[1]) return mapped[1];
  if (isIP(bare) !== 6) return bare;
  return `${expandIpv6(bare).slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address, lower-case and without leading zeros. */
function expandIpv6(address: string): string[] {
  let text = address.toLowerCase();
  // An embedded IPv4 tail (::ffff:1.2.3.4, 64:ff9b::1.2.3.4) counts as two groups.
  const v4 = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : new Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((group) => parseInt(group, 16).toString(16));
}

/** True for an address of this machine (127.0.0.0/8, ::1, and ::ffff:127.x.y.z). */
export function isLoopbackAddress(ip: string): boolean {
  const bare = ip.replace(/%.*$/, '');
  const group = addressGroup(bare);
  if (isIP(group) === 4) return group.startsWith('127.');
  return isIP(bare) === 6 && expandIpv6(bare).join(':') === '0:0:0:0:0:0:0:1';
}

/** A steady rate with a burst: `burst` requests at once, then `perMinute` a minute. */
export interface RateLimit {
  burst: number;
  perMinute: number;
}

export interface TokenBucketsOptions extends RateLimit {
  now?: () => number;
  /** Most keys tracked; the least recently used are forgotten first (a full bucket is the default anyway). */
  maxKeys?: number;
}

/** Token buckets by key; `take` spends one token or says how long until one is back. */
export interface TokenBuckets {
  /** Spends a token of `key`: 0 when taken, else the milliseconds until one is there (nothing spent). */
  take(key: string): number;
}

/** Creates token buckets that start full. */
export function createTokenBuckets(options: TokenBucketsOptions): TokenBuckets {
  const now = options.now ?? Date.now;
  const perMs = options.perMinute / 60_000;
  const maxKeys = options.maxKeys ?? 50_000;
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(key) {
      const t = now();
      const previous = buckets.get(key);
      const tokens = previous ? Math.min(options.burst, previous.tokens + (t - previous.at) * perMs) : options.burst;
      buckets.delete(key);
      if (tokens >= 1) {
        buckets.set(key, { tokens: tokens - 1, at: t });
        while (buckets.size > maxKeys) buckets.delete(buckets.keys().next().value as string);
        return 0;
      }
      buckets.set(key, { tokens, at: t });
      return perMs > 0 ? Math.ceil((1 - tokens) / perMs) : Number.POSITIVE_INFINITY;
    },
  };
}

/** Limits on issuing device codes: per client whatever the address, and per address group. */
export interface CodeIssueLimits {
  perClient: RateLimit;
  perAddress: RateLimit;
}

/**
 * RFC 8628 §3.2 answers errors of the device authorization endpoint as the token endpoint does
 * (RFC 6749 §5.2). A rate limit is HTTP 429 with Retry-After (RFC 6585 §4); the body says
 * `temporarily_unavailable` ("try again later"), which clients treat as transient. Not `slow_down`:
 * RFC 8628 §3.5 defines it for polling a pending authorization, meaning "add 5 seconds to this
 * device code's interval", and there is no device code yet; a client applying it here would have
 * nothing to slow down.
 */
export class TooManyCodeRequests extends errors.OIDCProviderError {
  /** Seconds until a code can be issued again. */
  readonly retryAfter: number;

  constructor(retryAfter: number) {
    super(429, 'temporarily_unavailable');
    this.retryAfter = retryAfter;
    this.error_description = `too many device authorization requests; try again in ${retryAfter} seconds`;
  }
}

/** The check made before each device code is issued. */
export interface CodeIssueLimiter {
  /** Seconds to wait before `clientId` may get a code for a device at `ip`; 0 when it may now (and it is counted). */
  check(clientId: string, ip: string): number;
}

/**
 * Creates the limiter of device authorizations. Addresses of this machine are not limited per
 * address: they are the TV-and-phone demo, a CLI on this host, or a reverse proxy that hides every
 * client behind its own address (then --trust-proxy gives the real ones); the per-client limit still
 * counts them.
 */
export function createCodeIssueLimiter(limits: CodeIssueLimits, now: () => number = Date.now): CodeIssueLimiter {
  const clients = createTokenBuckets({ ...limits.perClient, now });
  const addresses = createTokenBuckets({ ...limits.perAddress, now });
  return {
    check(clientId, ip) {
      // The address first: a flood from one address must not spend the client's budget for everyone.
      if (!isLoopbackAddress(ip)) {
        const wait = addresses.take(addressGroup(ip));
        if (wait > 0) return Math.ceil(wait / 1000);
      }
      return Math.ceil(clients.take(clientId) / 1000);
    },
  };
}
