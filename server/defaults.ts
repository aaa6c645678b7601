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
  /** Lifetime in seconds of a refresh token (rotated on every use). How long a TV stays signed in unused. */
  refreshTokenTtl: 30 * 24 * 3600,
  /** Lifetime in seconds of a phone's sign-in session at the server. */
  sessionTtl: 14 * 24 * 3600,
  /** Lifetime in seconds of a grant (what the user allowed a device). At least as long as refresh tokens. */
  grantTtl: 30 * 24 * 3600,
  /** Lifetime in seconds of a half-finished sign-in on the phone. */
  interactionTtl: 3600,
  /** Upper bound in seconds of `Prefer: wait=N` long polls (RFC 7240). Keep below proxies' idle timeouts. */
  longPollCapSeconds: 30,
  /** Seed a demo account and print its password. Turn off (--no-demo-user) anywhere beyond your own machine. */
  demoUser: true,
  /** The pre-registered public client of the TV app, the CLI and the browser host. */
  clientId: 'tv-demo',
  /** The name the phone shows on the "does this code match your TV?" page. */
  clientName: 'device-login TV',
} as const;

/** True when `host` only accepts connections from this machine. */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

/**
 * The production-unsafe defaults still in force, as sentences for a start-up warning. Listening
 * beyond loopback with the demo account on lets anyone on the network sign in as the demo user.
 */
export function unsafeDefaults(options: { host: string; publicUrl: string; demoUser: boolean }): string[] {
  const warnings: string[] = [];
  const exposed = !isLoopbackHost(options.host);
  if (options.demoUser && exposed) {
    warnings.push(
      `!!! The demo account is ON while listening on ${options.host}: anyone who can reach this machine ` +
        'can sign in with the printed password. Use --no-demo-user beyond your own machine. !!!',
    );
  }
  if (exposed && new URL(options.publicUrl).protocol === 'http:') {
    warnings.push(
      'The public URL is plain http while listening beyond loopback: tokens and passwords cross the ' +
        'network unencrypted. Put the server behind https and pass --public-url https://...',
    );
  }
  return warnings;
}
