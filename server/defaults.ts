// The embedded server's defaults, in one place. Every option says what it does and when to change
// it; `unsafeDefaults` names the ones that must not survive into production.
import { isIP } from 'node:net';

export const SERVER_DEFAULTS = {
  /** TCP port. 8787 so the TV app and the CLI find the server without configuration; 0 picks a free port (tests). */
  port: 8787,
  /** Interface to listen on. Loopback only: change to 0.0.0.0 (or use --lan) so a real phone can reach the pages. */
  host: '127.0.0.1',
  /**
   * Where the server's state lives: keys, the OAuth store and the users table. Relative to the
   * working directory so a checkout is self-contained; point it at a persistent volume in production.
   */
  dataDir: './.data',
  /** Seconds a device must wait between polls (RFC 8628 §3.2). Raise it to shed load from many TVs. */
  interval: 5,
  /** Seconds added to a code's interval each time it polls too early (RFC 8628 §3.5). */
  slowDownStep: 5,
  /**
   * Milliseconds of grace before a poll counts as early: timers and networks are not exact, and a
   * device that waited `interval` must not be punished for arriving a few milliseconds soon.
   */
  pollToleranceMs: 250,
  /** Lifetime in seconds of a device code and its user code. Shorter is safer; longer is kinder to slow users. */
  codeTtl: 600,
  /** Lifetime in seconds of an access token. Short, because a refresh token renews it. */
  accessTokenTtl: 3600,
  /**
   * Idle lifetime in seconds of a refresh token: each use gives a new one (rotation) with this long
   * to live. How long a TV may stay unused and still signed in; device grants also end at deviceRefreshMaxAge.
   */
  refreshTokenTtl: 30 * 24 * 3600,
  /**
   * Absolute lifetime in seconds of the refresh tokens of a device grant, counted from the sign-in on
   * the phone; rotation never extends it, so a code phished from someone (RFC 10027) is worth this
   * long at most, and every device signs in again this often. Shorten it for devices in public places.
   */
  deviceRefreshMaxAge: 30 * 24 * 3600,
  /** Lifetime in seconds of a phone's sign-in session at the server. */
  sessionTtl: 14 * 24 * 3600,
  /**
   * Lifetime in seconds of a grant (what the user allowed a device). At least as long as refresh tokens:
   * a device grant is saved once, at consent, so its end also ends every token issued under it.
   */
  grantTtl: 30 * 24 * 3600,
  /** Lifetime in seconds of a half-finished sign-in on the phone. */
  interactionTtl: 3600,
  /** Upper bound in seconds of `Prefer: wait=N` long polls (RFC 7240). Keep below proxies' idle timeouts. */
  longPollCapSeconds: 30,
  /**
   * When the demo account (seeded, its password printed) may sign in: 'loopback' while the server is
   * reachable from this machine alone, that is while both the listening address and the public URL
   * are loopback. --demo-user forces it on anywhere (with a loud warning); --no-demo-user turns it off.
   */
  demoUser: 'loopback',
  /**
   * Largest request body in bytes on every route, by its Content-Length; a larger one gets 413. The
   * phone's forms and the OAuth requests need well under 2 KiB; this is also the pages' form limit.
   */
  maxBodyBytes: 8 * 1024,
  /** Seconds browsers stay on https once they saw the server over it (HSTS); sent only when the public URL is https. */
  hstsMaxAge: 365 * 24 * 3600,
  /**
   * Take the client's address from X-Forwarded-For (the one entry the proxy in front adds) instead of
   * the socket (--trust-proxy). Only behind a proxy that sets it, with the server reachable through it alone.
   */
  trustProxy: false,
  /** How much `serve` logs on stderr (--log-level): debug, info, warn, error or silent. */
  logLevel: 'info',
  /**
   * New device codes per client address (an IPv6 /64 counts as one): a burst, then a steady rate a
   * minute; beyond it 429 with Retry-After. A TV asks for one every ten minutes at most, a household
   * a few. Addresses of this machine are exempt (the demo, a CLI here, a proxy without --trust-proxy).
   */
  codeIssuePerAddress: { burst: 20, perMinute: 10 },
  /**
   * New device codes per client, whatever the address: caps the codes alive at once (storage, and the
   * codes a guess could hit). Raise it for a fleet of devices that start together, and for load tests.
   */
  codeIssuePerClient: { burst: 600, perMinute: 600 },
  /**
   * Wrong codes typed on the phone (server/pages/guess-limits.ts has the arithmetic): a browser waits
   * firstDelaySeconds after its browserDelayFrom-th wrong code in the window, an address (shared by a
   * household, or the demo on 127.0.0.1) after its addressDelayFrom-th, twice as long after each
   * further one, at most maxDelaySeconds; a browser, an address and the whole server may get
   * perBrowser, perAddress and overall wrong codes within windowSeconds. Raise `overall` with the
   * number of people who type codes; links from the TV's QR code and decisions on a shown code pass.
   */
  codeEntry: {
    windowSeconds: 3600,
    perBrowser: 10,
    perAddress: 30,
    overall: 300,
    browserDelayFrom: 2,
    addressDelayFrom: 5,
    firstDelaySeconds: 2,
    maxDelaySeconds: 60,
  },
  /**
   * Seconds a code stays reserved for the browser that pressed Continue while it makes no progress.
   * Past that, another phone may take the code over (the first browser's sign-in is then dropped), so
   * that a TV never waits for a code someone walked away from. Long enough to type a password.
   */
  codeHoldSeconds: 120,
  /**
   * Seconds after the password was last typed on a phone within which it may approve a device without
   * typing it again (RFC 10027: re-authenticate for cross-device grants). Five minutes lets someone sign
   * in and set up a TV and a console in one sitting; a session left signed in for days must show the
   * password before a code sent by someone else could be approved with two taps.
   */
  deviceReauthAfter: 300,
  /** The pre-registered public client of the TV app, the CLI and the browser host. */
  clientId: 'tv-demo',
  /** The name the phone shows on the "does this code match your TV?" page. */
  clientName: 'device-login TV',
  /**
   * The scopes a client may ask for when its registration names none: everything but `devices`, which
   * only a client registered with it may get (a phished device code must never yield device management).
   */
  clientScope: 'openid profile email offline_access',
  /** The account website's confidential client, registered by `device-login web` once its origin is known. */
  accountClientId: 'account-site',
  /** The account website's name on the sign-in and consent pages and in the devices list. */
  accountClientName: 'device-login account',
  /**
   * Seconds between two writes of a device's "last used" time (on refresh and on resource-server calls):
   * the account page needs minutes, not milliseconds, and every write costs the store. Lower it in tests.
   */
  deviceLastUsedEverySeconds: 60,
} as const;

/** True when `host` (an address, a name, or a URL's hostname with IPv6 brackets) only reaches this machine. */
export function isLoopbackHost(host: string): boolean {
  if (host.startsWith('[') && host.endsWith(']')) return isLoopbackHost(host.slice(1, -1));
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

/**
 * True when other machines can reach the server: it listens beyond loopback, or its public URL is not
 * loopback (then a proxy or tunnel forwards to it, whatever address it listens on).
 */
export function reachableBeyondLoopback(host: string, publicUrl: string): boolean {
  return !isLoopbackHost(host) || !isLoopbackHost(new URL(publicUrl).hostname);
}

/**
 * The production-unsafe settings in force, as sentences for a start-up warning. Exposure is judged by
 * the listening address and the public URL both: a server on 127.0.0.1 behind a proxy is as exposed
 * as one on 0.0.0.0.
 */
export function unsafeDefaults(options: { host: string; publicUrl: string; demoUser: boolean; trustProxy?: boolean }): string[] {
  const warnings: string[] = [];
  const listensBeyond = !isLoopbackHost(options.host);
  const exposed = reachableBeyondLoopback(options.host, options.publicUrl);
  const where = listensBeyond ? `listening on ${options.host}` : `reachable at ${options.publicUrl}`;
  if (options.demoUser && exposed) {
    warnings.push(
      `!!! The demo account is ON while ${where}: anyone who can reach this server ` +
        'can sign in with the printed password. Leave out --demo-user beyond your own machine. !!!',
    );
  }
  if (exposed && new URL(options.publicUrl).protocol === 'http:') {
    warnings.push(
      `The public URL is plain http while ${where}: tokens and passwords cross the ` +
        'network unencrypted. Put the server behind https and pass --public-url https://...',
    );
  }
  if (exposed && !listensBeyond) {
    // Behind a proxy every connection comes from the proxy: without its header, the pages would name
    // the proxy as the device's address and the limits on code entry would count everyone as one.
    warnings.push(
      `The public URL ${options.publicUrl} is not this machine's, but the server listens on ${options.host} only: ` +
        'it is exposed through whatever forwards that address here (a reverse proxy or a tunnel).' +
        (options.trustProxy
          ? ''
          : ' Every request then seems to come from that proxy: pass --trust-proxy if it sets X-Forwarded-For.'),
    );
  }
  if (options.trustProxy && listensBeyond) {
    warnings.push(
      `--trust-proxy while listening on ${options.host}: a client that reaches the server directly, not ` +
        'through the proxy, can claim any address in X-Forwarded-For. Listen on loopback behind the proxy.',
    );
  }
  return warnings;
}
