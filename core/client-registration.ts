// A public client registered at run time (AWS IAM Identity Center's /client/register) before it may
// ask for codes. The registration is kept in the TokenStore under its own key until the server stops
// accepting its secret, so that every sign-in, poll and refresh in between uses the same client (a
// refresh token only works for the client it was issued to).
import { DeviceLoginError } from './errors.ts';
import { errorFromResponse, originOf, parseBody, readOAuthError, oauthError, type NormaliseContext } from './normalise.ts';
import type { HttpRequest, HttpResponse, Ports } from './ports.ts';
import type { ClientRegistration } from './types.ts';

/** The name the client registers with: what the provider's admin pages show. */
export const REGISTERED_CLIENT_NAME = 'device-login';

/**
 * A registration this close to its expiry is replaced before a new code is asked for: a sign-in with
 * it must still be able to poll and exchange its code (codes live minutes; registrations months).
 */
export const REGISTRATION_MARGIN_MS = 60 * 60 * 1000;

/** The TokenStore key of the registration at one registration endpoint. */
export function registrationStoreKey(registrationEndpoint: string): string {
  return `${registrationEndpoint}#client-registration`;
}

/** Options of `createClientRegistrations`. */
export interface ClientRegistrationsOptions {
  registrationEndpoint: string;
  ports: Pick<Ports, 'store' | 'clock' | 'logger'>;
  /** Sends a request through the HttpClient port (the protocol's, with its timeouts and transport errors). */
  send: (request: HttpRequest) => Promise<HttpResponse>;
}

/** The registered client of one server: cached in memory and in the store. */
export interface ClientRegistrations {
  /**
   * A registration good for a new sign-in: the stored one unless it is about to expire (or `renew`,
   * after the server refused it), else a new one, stored before it is returned.
   */
  forNewSignIn(options?: { renew?: boolean; signal?: AbortSignal }): Promise<ClientRegistration>;
  /** The registration in use (memory, else the store) for polls and refreshes; undefined when none is kept. */
  current(): Promise<ClientRegistration | undefined>;
  /** Forgets the registration (the server refused it), so that the next sign-in registers again. */
  forget(): Promise<void>;
}

/** The registrations of one server over the TokenStore and the HttpClient port. */
export function createClientRegistrations(options: ClientRegistrationsOptions): ClientRegistrations {
  const { registrationEndpoint, ports, send } = options;
  const key = registrationStoreKey(registrationEndpoint);
  let cached: ClientRegistration | undefined;

  async function stored(): Promise<ClientRegistration | undefined> {
    if (cached) return cached;
    try {
      const value = await ports.store.load(key);
      cached = isRegistration(value?.registration) ? value.registration : undefined;
    } catch (err) {
      // Registering again costs one request; a store that cannot be read must not stop the sign-in.
      ports.logger.warn('Could not read the client registration from the token store; registering again.', {
        error: (err as Error).message,
      });
    }
    return cached;
  }

  async function register(signal: AbortSignal | undefined): Promise<ClientRegistration> {
    const res = await send({
      method: 'POST',
      url: registrationEndpoint,
      json: { clientName: REGISTERED_CLIENT_NAME, clientType: 'public' },
      ...(signal ? { signal } : {}),
    });
    const ctx: NormaliseContext = { endpoint: registrationEndpoint, now: ports.clock.now() };
    const registration = readRegistration(res, ctx);
    cached = registration;
    try {
      await ports.store.save(key, { version: 1, registration });
    } catch (err) {
      ports.logger.warn('Could not keep the client registration in the token store; the next sign-in registers again.', {
        error: (err as Error).message,
      });
    }
    ports.logger.info('Registered a public client for the device sign-in.', {
      expiresAt: registration.expiresAt,
    });
    return registration;
  }

  return {
    async forNewSignIn({ renew = false, signal } = {}) {
      const known = renew ? undefined : await stored();
      if (known && known.expiresAt - REGISTRATION_MARGIN_MS > ports.clock.now()) return known;
      return register(signal);
    },
    current: stored,
    async forget() {
      cached = undefined;
      await ports.store.remove(key).catch(() => undefined);
    },
  };
}

/** A registration answer (`clientId`, `clientSecret`, `clientSecretExpiresAt` in epoch seconds); throws DeviceLoginError. */
export function readRegistration(res: HttpResponse, ctx: NormaliseContext): ClientRegistration {
  const fields = parseBody(res.body);
  const oauth = readOAuthError(fields);
  if (oauth) throw oauthError(oauth, ctx, res.status);
  if (res.status < 200 || res.status >= 300) throw errorFromResponse(res, ctx, 'client registration request');
  const clientId = typeof fields?.client_id === 'string' ? fields.client_id.trim() : '';
  const clientSecret = typeof fields?.client_secret === 'string' ? fields.client_secret : '';
  const expiresAtSeconds = Number(fields?.client_secret_expires_at);
  if (!clientId || !clientSecret || !Number.isFinite(expiresAtSeconds) || expiresAtSeconds < 0) {
    throw new DeviceLoginError(
      'invalid_response',
      `${originOf(ctx.endpoint)} sent an unusable client registration: clientId, clientSecret or clientSecretExpiresAt missing.`,
      { status: res.status },
    );
  }
  // RFC 7591 §3.2.1: 0 means the secret does not expire.
  return { clientId, clientSecret, expiresAt: expiresAtSeconds === 0 ? Number.MAX_SAFE_INTEGER : expiresAtSeconds * 1000 };
}

function isRegistration(value: unknown): value is ClientRegistration {
  if (!value || typeof value !== 'object') return false;
  const r = value as Record<string, unknown>;
  return typeof r.clientId === 'string' && typeof r.clientSecret === 'string' && typeof r.expiresAt === 'number';
}
