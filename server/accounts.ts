// User accounts of the embedded server: a SQLite users table (node:sqlite, no native build) with
// scrypt password hashes. Every statement is parameterised; nothing here ever logs a password.
import { randomBytes, randomUUID, scrypt, timingSafeEqual, createHash } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { DeviceLoginError } from '../core/errors.ts';
import { openPrivateDatabase } from './data-dir.ts';

/** The claims an account can release, by scope (OIDC Core §5.4). */
export interface AccountClaims {
  sub: string;
  name?: string;
  picture?: string;
  email?: string;
  email_verified?: boolean;
}

/** What oidc-provider's `findAccount` must return. */
export interface OidcAccount {
  accountId: string;
  claims(use: string, scope: string): Promise<AccountClaims>;
}

/** One row of the users table, without the hash. */
export interface UserRecord {
  sub: string;
  username?: string;
  email: string;
  name: string;
  createdAt: string;
}

export interface NewUser {
  email: string;
  name: string;
  password: string;
  username?: string;
}

export interface Accounts {
  /** oidc-provider's findAccount(ctx, sub). */
  findAccount(ctx: unknown, sub: string): Promise<OidcAccount | undefined>;
  /** The sub of the user with this email and password, or undefined; same work whichever was wrong. */
  verify(email: string, password: string): Promise<string | undefined>;
  /** Adds a user; throws DeviceLoginError `invalid_user` with a readable message on bad input. */
  add(user: NewUser): Promise<UserRecord>;
  /** Looks a user up by sub. */
  get(sub: string): UserRecord | undefined;
  list(): UserRecord[];
  /** Seeds the demo account on first start; returns its credentials (stable across restarts). */
  ensureDemoUser(): Promise<{ email: string; password: string } | undefined>;
  close(): void;
}

export const DEMO_EMAIL = 'demo@device-login.local';

// scrypt cost: N=2^15, r=8 (OWASP's minimum recommendation); ~30-60 ms per hash on a laptop core.
const SCRYPT = { N: 1 << 15, r: 8, p: 1, keylen: 32 };
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function scryptAsync(password: string, salt: Buffer, params: { N: number; r: number; p: number; keylen: number }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, params.keylen, { N: params.N, r: params.r, p: params.p, maxmem: 128 * params.N * params.r * 2 }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/** Hashes a password as `scrypt$N$r$p$salt$hash` (base64url), so parameters can change later. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, SCRYPT);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Checks a password against a stored hash in constant time. */
export async function checkPassword(password: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, hash] = stored.split('$');
  if (kind !== 'scrypt' || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await scryptAsync(password, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p), keylen: expected.length });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** Why a password is too weak, in words for the person choosing it, or undefined if it is fine. */
export function passwordProblem(password: string, email?: string): string | undefined {
  if (password.length === 0) return 'The password is empty.';
  if (password.length < 8) return 'The password is too short: use at least 8 characters.';
  if (password.length > 1024) return 'The password is too long: use at most 1024 characters.';
  if (new Set(password).size < 4) return 'The password is too simple: use more different characters.';
  if (email && password.toLowerCase() === email.toLowerCase()) return 'The password must not be the email address.';
  if (/^(password|12345678|123456789|qwertyui|11111111)/i.test(password)) return 'The password is too common.';
  return undefined;
}

interface UserRow {
  sub: string;
  username: string | null;
  email: string;
  name: string;
  password_hash: string;
  created_at: string;
}

function toRecord(row: UserRow): UserRecord {
  const record: UserRecord = { sub: row.sub, email: row.email, name: row.name, createdAt: row.created_at };
  if (row.username) record.username = row.username;
  return record;
}

/** The account's picture: one of the avatar SVGs in assets/, chosen from the sub. */
export function avatarPath(sub: string): string {
  return `/assets/avatars/${(createHash('sha256').update(sub).digest()[0] ?? 0) % 6}.svg`;
}

function pictureFor(ctx: unknown, sub: string): string | undefined {
  const issuer = (ctx as { oidc?: { provider?: { issuer?: string } } } | undefined)?.oidc?.provider?.issuer;
  return issuer ? new URL(avatarPath(sub), issuer).href : undefined;
}

/** Opens (creating if needed) the users database at dbPath, private to its owner with its -wal and -shm. */
export function openAccounts(dbPath: string): Accounts {
  const db = openPrivateDatabase(dbPath);
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA busy_timeout = 5000');
  db.exec(`CREATE TABLE IF NOT EXISTS users (
    sub TEXT PRIMARY KEY,
    username TEXT UNIQUE,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
  )`);

  const byEmail = db.prepare('SELECT * FROM users WHERE email = ?');
  const bySub = db.prepare('SELECT * FROM users WHERE sub = ?');
  const byUsername = db.prepare('SELECT * FROM users WHERE username = ?');
  const insert = db.prepare('INSERT INTO users (sub, username, email, name, password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)');
  const setHash = db.prepare('UPDATE users SET password_hash = ? WHERE sub = ?');
  const all = db.prepare('SELECT * FROM users ORDER BY created_at, email');
  // A wrong email costs the same scrypt work as a wrong password, so timing does not reveal which.
  const dummyHash = hashPassword(randomBytes(16).toString('hex'));
  const demoFile = dbPath === ':memory:' ? undefined : join(dirname(dbPath), 'demo-user.json');
  let demoInMemory: { email: string; password: string } | undefined;

  const accounts: Accounts = {
    async findAccount(ctx, sub) {
      const row = bySub.get(sub) as UserRow | undefined;
      if (!row) return undefined;
      const user = toRecord(row);
      return {
        accountId: user.sub,
        async claims() {
          // oidc-provider filters these by the granted scopes and claims.
          const claims: AccountClaims = { sub: user.sub, name: user.name, email: user.email, email_verified: true };
          const picture = pictureFor(ctx, user.sub);
          if (picture) claims.picture = picture;
          return claims;
        },
      };
    },

    async verify(email, password) {
      const row = byEmail.get(String(email).trim().toLowerCase()) as UserRow | undefined;
      const ok = await checkPassword(String(password), row ? row.password_hash : await dummyHash);
      return row && ok ? row.sub : undefined;
    },

    async add(user) {
      const email = String(user.email ?? '').trim().toLowerCase();
      const name = String(user.name ?? '').trim();
      const username = user.username?.trim() || undefined;
      if (!EMAIL_RE.test(email)) throw new DeviceLoginError('invalid_user', `"${user.email}" is not an email address.`);
      if (!name) throw new DeviceLoginError('invalid_user', 'The name is empty: pass --name "Your Name".');
      const problem = passwordProblem(user.password, email);
      if (problem) throw new DeviceLoginError('invalid_user', problem);
      if (byEmail.get(email)) throw new DeviceLoginError('invalid_user', `A user with the email ${email} already exists.`);
      if (username && byUsername.get(username)) throw new DeviceLoginError('invalid_user', `The username ${username} is taken.`);
      const hash = await hashPassword(user.password);
      const row: UserRow = { sub: randomUUID(), username: username ?? null, email, name, password_hash: hash, created_at: new Date().toISOString() };
      try {
        insert.run(row.sub, row.username, row.email, row.name, row.password_hash, row.created_at);
      } catch (cause) {
        // Another process added the same email between our check and the insert.
        throw new DeviceLoginError('invalid_user', `A user with the email ${email} already exists.`, { cause });
      }
      return toRecord(row);
    },

    get(sub) {
      const row = bySub.get(sub) as UserRow | undefined;
      return row ? toRecord(row) : undefined;
    },

    list() {
      return (all.all() as unknown as UserRow[]).map(toRecord);
    },

    async ensureDemoUser() {
      // The demo password lives beside the database (mode 0600), never in it, so the database holds
      // no plaintext password while the ready line can still print the same credentials every start.
      let saved: { email: string; password: string } | undefined = demoInMemory;
      if (demoFile) {
        try {
          const parsed = JSON.parse(readFileSync(demoFile, 'utf8')) as { email?: unknown; password?: unknown };
          if (typeof parsed.email === 'string' && typeof parsed.password === 'string') saved = { email: parsed.email, password: parsed.password };
        } catch {
          saved = undefined;
        }
      }
      const row = byEmail.get(DEMO_EMAIL) as UserRow | undefined;
      if (row && saved && saved.email === DEMO_EMAIL && (await checkPassword(saved.password, row.password_hash))) return saved;

      const password = randomBytes(9).toString('base64url');
      if (row) setHash.run(await hashPassword(password), row.sub);
      else await accounts.add({ email: DEMO_EMAIL, name: 'Demo Viewer', password, username: 'demo' });
      const creds = { email: DEMO_EMAIL, password };
      if (demoFile) {
        writeFileSync(demoFile, `${JSON.stringify(creds)}\n`, { mode: 0o600 });
        chmodSync(demoFile, 0o600);
      } else {
        demoInMemory = creds;
      }
      return creds;
    },

    close() {
      if (db.isOpen) db.close();
    },
  };
  return accounts;
}
