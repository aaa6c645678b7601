// Clients besides `tv-demo`, from a JSON file (`device-login serve --clients FILE`): your own TV app,
// a confidential client with a secret, a native app with a loopback redirect, the account website
// (post_logout_redirect_uris, and `devices` in its scope). The file holds an array
// of objects in OAuth's own words (RFC 7591 client metadata, snake_case). Only what a device or a
// native app needs is accepted, so that a typo is an error at start-up, not a silent default; every
// error names the entry and the field, never the secret.
import { readFileSync, statSync } from 'node:fs';
import type { ClientMetadata } from 'oidc-provider';
import { z } from 'zod';

import { DeviceLoginError } from '../core/errors.ts';
import { SERVER_DEFAULTS } from './defaults.ts';
import { DEVICE_CODE_GRANT, SCOPES } from './provider.ts';

const GRANTS = { device_code: DEVICE_CODE_GRANT, refresh_token: 'refresh_token', authorization_code: 'authorization_code' } as const;

const httpUrl = z.string().refine((value) => {
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}, 'must be an http(s) URL');

const clientSchema = z
  .object({
    client_id: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(200, 'must be at most 200 characters')
      .refine((id) => id !== SERVER_DEFAULTS.clientId, `is taken by the built-in client "${SERVER_DEFAULTS.clientId}"`),
    client_name: z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters').optional(),
    client_secret: z.string().min(16, 'must be at least 16 characters').optional(),
    token_endpoint_auth_method: z.enum(['none', 'client_secret_post', 'client_secret_basic']).optional(),
    grant_types: z
      .array(z.enum(Object.values(GRANTS) as [string, ...string[]], { error: `must each be one of ${Object.values(GRANTS).join(', ')}` }), {
        error: 'must be an array of grant type names',
      })
      .min(1, 'must name at least one grant')
      .optional(),
    redirect_uris: z.array(httpUrl).optional(),
    post_logout_redirect_uris: z.array(httpUrl).optional(),
    // The scopes the client may ask for, space-separated; left out, every scope but `devices`.
    scope: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .refine(
        (value) => value.split(/\s+/).every((scope) => (SCOPES as readonly string[]).includes(scope)),
        `must be scopes from ${SCOPES.join(', ')}, separated by spaces`,
      )
      .optional(),
    // The kill switch (RFC 10027: a grant that is not needed, or is being abused, can be turned off
    // per client): false takes the device grant out of grant_types, leaving the rest of the entry as
    // it was, so that turning it back on is deleting one line.
    device_grant: z.boolean({ error: 'must be true or false' }).optional(),
  })
  .strict()
  .superRefine((client, ctx) => {
    const method = client.token_endpoint_auth_method;
    if (method && method !== 'none' && !client.client_secret) {
      ctx.addIssue({ code: 'custom', path: ['client_secret'], message: `is required with token_endpoint_auth_method ${method}` });
    }
    if (method === 'none' && client.client_secret) {
      ctx.addIssue({ code: 'custom', path: ['client_secret'], message: 'makes no sense with token_endpoint_auth_method none' });
    }
    if (client.device_grant === false && client.grant_types?.includes(GRANTS.device_code)) {
      ctx.addIssue({ code: 'custom', path: ['device_grant'], message: `is false, but grant_types names ${GRANTS.device_code}: leave it out of grant_types` });
    }
    if (client.grant_types?.includes(GRANTS.authorization_code) && !client.redirect_uris?.length) {
      ctx.addIssue({ code: 'custom', path: ['redirect_uris'], message: 'must list at least one URL for the authorization_code grant' });
    }
  });

type ClientEntry = z.infer<typeof clientSchema>;

/** oidc-provider metadata for one validated entry, with the defaults a TV client wants. */
function toMetadata(entry: ClientEntry): ClientMetadata {
  const grants = (entry.grant_types ?? [GRANTS.device_code, GRANTS.refresh_token]).filter(
    // Devices already signed in through it are refused their next refresh (server/provider.ts).
    (grant) => entry.device_grant !== false || grant !== GRANTS.device_code,
  );
  const method = entry.token_endpoint_auth_method ?? (entry.client_secret ? 'client_secret_post' : 'none');
  return {
    client_id: entry.client_id,
    ...(entry.client_name ? { client_name: entry.client_name } : {}),
    ...(entry.client_secret ? { client_secret: entry.client_secret } : {}),
    token_endpoint_auth_method: method,
    grant_types: grants,
    response_types: grants.includes(GRANTS.authorization_code) ? ['code'] : [],
    redirect_uris: entry.redirect_uris ?? [],
    ...(entry.post_logout_redirect_uris ? { post_logout_redirect_uris: entry.post_logout_redirect_uris } : {}),
    ...(entry.scope ? { scope: entry.scope.split(/\s+/).join(' ') } : {}),
    ...(method === 'none' ? { application_type: 'native' as const } : {}),
  };
}

function fail(path: string, message: string, cause?: unknown): never {
  throw new DeviceLoginError('configuration', `--clients ${path}: ${message}`, cause === undefined ? undefined : { cause });
}

/** Validates parsed JSON as a clients file; throws DeviceLoginError `configuration` naming the entry and field. */
export function parseClients(json: unknown, path = 'file'): ClientMetadata[] {
  if (!Array.isArray(json)) fail(path, 'must hold a JSON array of clients, e.g. [{"client_id": "my-tv", "client_name": "My TV"}].');
  const seen = new Set<string>();
  return json.map((raw, index) => {
    const result = clientSchema.safeParse(raw);
    if (!result.success) {
      const issue = result.error.issues[0]!;
      const field = issue.path.map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i ? '.' : ''}${String(key)}`)).join('');
      const where = `client ${index + 1}${field ? ` (${field})` : ''}`;
      const message = issue.code === 'unrecognized_keys' ? `has unknown field(s) ${issue.keys.join(', ')}` : issue.message;
      fail(path, `${where} ${message}.`);
    }
    if (seen.has(result.data.client_id)) fail(path, `client ${index + 1} repeats client_id "${result.data.client_id}".`);
    seen.add(result.data.client_id);
    return toMetadata(result.data);
  });
}

/** Reads and validates a clients file; warns (via `warn`) when a file with secrets is readable by others. */
export function loadClientsFile(path: string, warn: (message: string) => void = () => {}): ClientMetadata[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    fail(path, code === 'ENOENT' ? 'no such file.' : `cannot be read (${code ?? String(err)}).`, err);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    fail(path, `is not valid JSON (${(err as Error).message.replace(/\s+/g, ' ')}).`, err);
  }
  const clients = parseClients(json, path);
  if (process.platform !== 'win32' && clients.some((c) => c.client_secret) && (statSync(path).mode & 0o077) !== 0) {
    warn(`${path} holds client secrets and can be read by other users of this machine: chmod 600 it.`);
  }
  return clients;
}
