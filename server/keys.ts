// The server's secrets: the token signing key (JWKS) and the cookie signing keys. Generated on
// first start and kept in the data directory (mode 0600) so tokens and sessions survive restarts.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';

import { DeviceLoginError } from '../core/errors.ts';

export interface ServerKeys {
  /** Private signing keys for oidc-provider's `jwks` option; the public halves are served at /jwks. */
  jwks: { keys: JWK[] };
  /** Keys that sign the phone's cookies; the first signs, all verify (rotation). */
  cookieKeys: string[];
}

export const KEYS_FILE = 'keys.json';

/** Reads the server's keys from `dataDir`, generating and saving them on first start. */
export async function loadOrCreateKeys(dataDir: string): Promise<ServerKeys> {
  const file = join(dataDir, KEYS_FILE);
  if (existsSync(file)) {
    try {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<ServerKeys>;
      if (Array.isArray(parsed.jwks?.keys) && parsed.jwks.keys.length > 0 && Array.isArray(parsed.cookieKeys)) {
        return { jwks: parsed.jwks, cookieKeys: parsed.cookieKeys };
      }
    } catch {
      // Fall through to the error below: a damaged key file must not be silently replaced,
      // because that would sign every user out without saying why.
    }
    throw new DeviceLoginError(
      'configuration',
      `The key file ${file} is damaged. Restore it from a backup, or delete it to generate new keys ` +
        '(every signed-in device will then have to sign in again).',
    );
  }

  const { privateKey } = await generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
  const jwk = await exportJWK(privateKey);
  const keys: ServerKeys = {
    jwks: { keys: [{ ...jwk, alg: 'RS256', use: 'sig', kid: await calculateJwkThumbprint(jwk) }] },
    cookieKeys: [randomBytes(32).toString('base64url'), randomBytes(32).toString('base64url')],
  };
  // Written under a temporary name first so a crash mid-write never leaves half a key file.
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, file);
  return keys;
}
