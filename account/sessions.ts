// The account website's sessions, in this process's memory only: the browser holds nothing but a
// random session id in an HttpOnly cookie; the tokens, the sign-in under way and the CSRF token stay
// here. Bounded in number and idle time, so that visitors who never sign in cannot fill the memory.
import { timingSafeEqual } from 'node:crypto';

import type { AuthorizationRequest } from '../core/authorization-code.ts';
import { randomToken } from '../core/authorization-code.ts';
import type { Profile, TokenSet } from '../core/types.ts';
import type { Flash } from './pages.ts';

/** One browser's visit to the site. Never logged: it holds tokens. */
export interface AccountSession {
  readonly id: string;
  /** Sent back with every form (a hidden field), compared in constant time. */
  readonly csrf: string;
  lastSeen: number;
  /** The sign-in under way: what its answer must match, and its code once the callback brought one. */
  pending?: { request: AuthorizationRequest; code?: string };
  tokens?: TokenSet;
  profile?: Profile;
  /** The names of the devices last listed, by id: for "{name} was signed out". */
  deviceNames?: Map<string, string>;
  /** A sentence for the next page, after a form's redirect. */
  flash?: Flash;
  /** One refresh at a time: refresh tokens rotate, and one used twice may end the grant. */
  refreshing?: Promise<TokenSet>;
}

/** Limits of the session table (the site's defaults; tests shorten them). */
export interface SessionLimits {
  /** Sessions kept at most; the least recently seen goes first. */
  max: number;
  /** Milliseconds a session lives without a request. */
  idleMs: number;
}

export const SESSION_LIMITS: SessionLimits = { max: 10_000, idleMs: 12 * 3600 * 1000 };

/** The session table: sessions by id, least recently seen first (a Map keeps insertion order). */
export class SessionTable {
  private readonly sessions = new Map<string, AccountSession>();
  private readonly now: () => number;
  private readonly limits: SessionLimits;

  constructor(now: () => number, limits: SessionLimits = SESSION_LIMITS) {
    this.now = now;
    this.limits = limits;
  }

  /** A new session with fresh random id and CSRF token. */
  create(): AccountSession {
    const session: AccountSession = { id: randomToken(32), csrf: randomToken(32), lastSeen: this.now() };
    this.sessions.set(session.id, session);
    while (this.sessions.size > this.limits.max) {
      const oldest = this.sessions.keys().next().value;
      if (oldest === undefined) break;
      this.sessions.delete(oldest);
    }
    return session;
  }

  /** The live session of `id`, marked as seen now; undefined when unknown or idle too long. */
  find(id: string | undefined): AccountSession | undefined {
    if (!id) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    this.sessions.delete(id);
    if (this.now() - session.lastSeen > this.limits.idleMs) return undefined;
    session.lastSeen = this.now();
    this.sessions.set(id, session);
    return session;
  }

  /**
   * The same visit under a new id (after signing in: an id an attacker planted before the sign-in
   * must not become a signed-in session). The old id is forgotten.
   */
  renew(session: AccountSession): AccountSession {
    this.sessions.delete(session.id);
    const renewed: AccountSession = { ...session, id: randomToken(32), csrf: randomToken(32), lastSeen: this.now() };
    delete renewed.refreshing;
    this.sessions.set(renewed.id, renewed);
    return renewed;
  }

  delete(session: AccountSession): void {
    this.sessions.delete(session.id);
  }

  get size(): number {
    return this.sessions.size;
  }
}

/** Whether `given` is the session's CSRF token (constant time). */
export function csrfMatches(session: AccountSession, given: string | undefined): boolean {
  if (!given) return false;
  const a = Buffer.from(session.csrf);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
