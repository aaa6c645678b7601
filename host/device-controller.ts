import { z } from 'zod';
import { DeviceLoginError, toDeviceLoginError } from '../core/errors.ts';
import type { Ports } from '../core/ports.ts';
import { createProtocol } from '../core/protocol.ts';
import { createDeviceSession, storeKeyFor } from '../core/session.ts';
import { CLIENT_DEFAULTS } from '../core/defaults.ts';
import type { ClientSettings, DeviceSession, Endpoints, Snapshot } from '../core/types.ts';
import type { PreparedBrowserSignIn } from './browser-sign-in.ts';
import type { Catalog, CodeView, Language, NoticeCode, ViewState } from './contract.ts';
import { checkSignIn, sessionCheckHeaders, sessionCheckUrl } from './session-check.ts';

/**
 * What a DeviceController needs: where to sign in, as whom, and the ports to reach the world. The
 * server and client come decided (host/runtime.ts resolves the endpoints, the scope and the secret).
 */
export interface DeviceControllerOptions {
  /** The server's endpoints, resolved. */
  endpoints: Endpoints;
  /** The client as it asks (its scope decided). */
  client: ClientSettings;
  ports: Ports;
  /** The provider's name in Settings. */
  displayName: string;
  /** The server is the one that came with this app (the embedded server): the TV words its name. */
  embedded?: boolean;
  /** Base URL of the resource server that serves GET /api/catalog (the embedded server's issuer). */
  resourceServer?: string;
  /** The catalogue shown when there is no resource server (a real provider): the bundled demo. */
  localCatalog?: () => Promise<Catalog>;
  language?: Language;
  /**
   * The host's notice about where tokens are kept (Electron without a safe keyring), shown whenever
   * the session has no notice of its own.
   */
  storageNotice?: NoticeCode;
  maxAutoRenewals?: number;
  longPollSeconds?: number;
  requestTimeoutMs?: number;
  /**
   * Seconds between two checks, while signed in, that the server still accepts the sign-in (default
   * CLIENT_DEFAULTS.sessionCheckSeconds; 0: none, the TV learns it at its next call or refresh).
   */
  sessionCheckSeconds?: number;
  /**
   * The host can open a browser on the computer the TV is on (Electron outside kiosk mode, a browser
   * host on loopback): the TV offers "Sign in on this computer" when the provider has an
   * authorization endpoint too.
   */
  signInOnThisComputer?: boolean;
  /** One sign-in through a browser on the host's loopback redirect (host/runtime.ts supplies it). */
  prepareBrowserSignIn?: () => Promise<PreparedBrowserSignIn>;
}

/** The states from which a new sign-in may start (the reducer's rule for sign_in and browser_sign_in_started). */
const CAN_START = new Set(['idle', 'denied', 'expired', 'error']);

const assetSchema = z.object({
  id: z.string(),
  title: z.string(),
  year: z.number().optional(),
  description: z.string().optional(),
  poster: z.string(),
  duration: z.number().optional(),
  genre: z.string().optional(),
});
/** How long a catalogue fetched at sign-in may stand in for a fresh one. */
const PREFETCH_FRESH_MS = 30_000;

const catalogSchema = z.object({
  hero: assetSchema.optional(),
  rows: z.array(z.object({ id: z.string(), title: z.string(), assets: z.array(assetSchema) })),
});

/**
 * Owns one device session and projects it to the ViewState the TV renders. Shared by the Electron
 * main process and the browser host; tokens stay in here and never reach a ViewState.
 */
export class DeviceController {
  readonly endpoints: Endpoints;
  readonly providerName: string;
  readonly #session: DeviceSession;
  readonly #options: DeviceControllerOptions;
  readonly #listeners = new Set<(state: ViewState) => void>();
  #language: Language;
  /** The projection of the session; `hostNow` is added per message, at the moment it is sent. */
  #state: Omit<ViewState, 'hostNow'>;
  /**
   * The catalogue, asked for the moment the session is signed in, while the TV is still being told:
   * the TV's first getCatalog takes it instead of starting its own round trip.
   */
  #prefetched: { catalog: Promise<Catalog>; at: number } | undefined;
  readonly #unsubscribe: () => void;
  /** A browser sign-in being prepared (its listener starting): a second press waits for it. */
  #preparing: Promise<string | undefined> | undefined;
  /** Ends the session checks of the current sign-in (they run while signed in). */
  #checks: AbortController | undefined;

  private constructor(options: DeviceControllerOptions, endpoints: Endpoints, displayName: string) {
    this.#options = options;
    this.endpoints = endpoints;
    this.providerName = displayName;
    this.#language = options.language ?? 'en';
    const protocol = createProtocol({
      endpoints,
      client: options.client,
      ports: options.ports,
      ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
    });
    this.#session = createDeviceSession({
      protocol,
      ports: options.ports,
      storeKey: storeKeyFor(endpoints, options.client.clientId),
      ...(options.maxAutoRenewals === undefined ? {} : { maxAutoRenewals: options.maxAutoRenewals }),
      ...(options.longPollSeconds === undefined ? {} : { longPollSeconds: options.longPollSeconds }),
    });
    this.#state = this.#project(this.#session.snapshot());
    this.#unsubscribe = this.#session.subscribe((snapshot) => this.#publish(snapshot));
  }

  /** Creates the session on the resolved server and client (host/runtime.ts) and restores what the store holds. */
  static async create(options: DeviceControllerOptions): Promise<DeviceController> {
    const controller = new DeviceController(options, options.endpoints, options.displayName);
    await controller.#session.restore();
    return controller;
  }

  /** The current ViewState (no tokens), stamped with the host clock now: call it when sending. */
  getState(): ViewState {
    return { ...this.#state, hostNow: this.#options.ports.clock.now() };
  }

  /** Called on every change; returns an unsubscribe function. */
  onState(listener: (state: ViewState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Starts a sign-in (requests a device code) unless one is already under way or done. */
  signIn(): void {
    this.#session.signIn();
  }

  /**
   * Signs in through a browser on this computer: prepares the authorization code flow on a loopback
   * redirect and hands it to the session, which shows `awaiting_user` with method `browser` until the
   * browser comes back (tokens, a refusal, a time-out) or Cancel (which aborts it and closes the
   * listener). Resolves with the address for the host to open in a browser: a new one, or the one
   * already waited for (to open it again); undefined when another sign-in is under way or done.
   * Throws DeviceLoginError `configuration` when this device does not offer it.
   */
  async signInOnThisComputer(): Promise<string | undefined> {
    const prepare = this.#options.prepareBrowserSignIn;
    if (!this.#state.canSignInOnThisComputer || !prepare) {
      throw new DeviceLoginError('configuration', 'This device cannot sign in through a browser on this computer.');
    }
    const now = this.#session.snapshot();
    if (now.state === 'awaiting_user' && now.method === 'browser') return now.authorizationUrl;
    if (!CAN_START.has(now.state)) return undefined;
    this.#preparing ??= (async () => {
      const attempt = await prepare();
      // Someone may have pressed Sign in meanwhile: then the session ignores this attempt, which is closed.
      this.#session.signInWithBrowser(attempt);
      const after = this.#session.snapshot();
      if (after.method === 'browser' && after.authorizationUrl === attempt.authorizationUrl) return attempt.authorizationUrl;
      await attempt.close();
      return undefined;
    })().finally(() => {
      this.#preparing = undefined;
    });
    return this.#preparing;
  }

  /** Stops a sign-in under way (a device code's polling, or a browser sign-in and its listener). */
  cancel(): void {
    this.#session.cancel();
  }

  /** The user asked for a new code ("Get a new code", or OK on the Expired screen). */
  newCode(): void {
    this.#session.newCode();
  }

  /** The check number the phone shows, for the proximity check (ignored unless the session asks for it). */
  enterCheckNumber(checkNumber: string): void {
    this.#session.enterCheckNumber(checkNumber);
  }

  /**
   * Revokes when the provider can and forgets locally. When the grant may live on at the provider,
   * the session's notice says so (the TV words it) and the log gets the provider's answer.
   */
  async signOut(): Promise<void> {
    const result = await this.#session.signOut();
    if (result.notRevoked === 'failed' || result.notRevoked === 'unsupported') {
      this.#options.ports.logger.warn('Signed out on this device only.', {
        reason: result.notRevoked,
        provider: result.provider,
        ...(result.detail ? { detail: result.detail } : {}),
      });
    }
  }

  setLanguage(language: Language): void {
    this.#language = language;
    this.#publish(this.#session.snapshot());
  }

  /** The media catalogue: fetched with the access token, refreshing once when the server says 401. */
  async getCatalog(): Promise<Catalog> {
    const prefetched = this.#prefetched;
    this.#prefetched = undefined;
    // Taken once, and only while fresh; a failed prefetch is not the answer: it is asked again.
    if (prefetched && this.#options.ports.clock.now() - prefetched.at < PREFETCH_FRESH_MS) {
      return prefetched.catalog.catch(() => this.#fetchCatalog());
    }
    return this.#fetchCatalog();
  }

  async #fetchCatalog(): Promise<Catalog> {
    const base = this.#options.resourceServer;
    if (!base) {
      if (this.#options.localCatalog) return this.#options.localCatalog();
      return { rows: [] };
    }
    const url = new URL('/api/catalog', base).toString();
    let token = await this.#session.accessToken();
    let res = await this.#options.ports.http.request({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
    if (res.status === 401) {
      token = await this.#session.accessToken({ forceRefresh: true });
      res = await this.#options.ports.http.request({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
    }
    if (res.status !== 200) {
      throw new DeviceLoginError('catalog_unavailable', `The catalogue could not be loaded (HTTP ${res.status}).`, {
        status: res.status,
      });
    }
    try {
      return catalogSchema.parse(JSON.parse(res.body)) as Catalog;
    } catch (err) {
      throw new DeviceLoginError('invalid_response', 'The catalogue from the server is not in the expected shape.', {
        cause: toDeviceLoginError(err),
      });
    }
  }

  /** A valid access token, for host-side callers only (never sent to the renderer). */
  accessToken(): Promise<string> {
    return this.#session.accessToken();
  }

  /** Resolves once the session's pending token-store writes are done. */
  close(): Promise<void> {
    this.#stopChecks();
    this.#unsubscribe();
    this.#listeners.clear();
    return this.#session.close();
  }

  #publish(snapshot: Snapshot): void {
    const wasSignedIn = this.#state.state === 'signed_in';
    if (snapshot.state === 'signed_in' && !wasSignedIn) {
      const catalog = this.#fetchCatalog();
      catalog.catch(() => undefined); // handled when taken
      this.#prefetched = { catalog, at: this.#options.ports.clock.now() };
    } else if (snapshot.state !== 'signed_in') {
      this.#prefetched = undefined;
    }
    if (snapshot.state === 'signed_in') this.#startChecks();
    else this.#stopChecks();
    if (snapshot.state === 'error' && this.#state.state !== 'error' && snapshot.error) {
      // The TV says what happened in its own words, from the code; the details are for the log.
      this.#options.ports.logger.warn('The sign-in stopped with an error.', { code: snapshot.error.code, error: snapshot.error.message });
    }
    this.#state = this.#project(snapshot);
    // Listeners send at once (server-sent events, IPC), so this is the moment of sending.
    const view = this.getState();
    for (const listener of this.#listeners) {
      try {
        listener(view);
      } catch (err) {
        this.#options.ports.logger.warn('a state listener failed', { error: toDeviceLoginError(err).message });
      }
    }
  }

  /**
   * While signed in, asks the server every sessionCheckSeconds whether the sign-in still holds, so that
   * a TV signed out from the account page goes back to Welcome within that time even when nobody
   * presses a key. One check at a time (each waits for the last); a check that gets no answer keeps
   * the sign-in; a refused refresh ends it (the reducer), and leaving signed_in stops the checks.
   */
  #startChecks(): void {
    if (this.#checks) return;
    const seconds = this.#options.sessionCheckSeconds ?? CLIENT_DEFAULTS.sessionCheckSeconds;
    if (!(seconds > 0)) return;
    const checks = new AbortController();
    this.#checks = checks;
    const { clock, http, logger } = this.#options.ports;
    const url = sessionCheckUrl(this.endpoints, this.#options.resourceServer);
    void (async () => {
      while (!checks.signal.aborted) {
        try {
          await clock.sleep(seconds * 1000, checks.signal);
        } catch {
          return; // stopped
        }
        const result = await checkSignIn(this.#session, http, url, {
          signal: checks.signal,
          headers: sessionCheckHeaders(this.endpoints, this.#options.client),
          ...(this.#options.requestTimeoutMs === undefined ? {} : { timeoutMs: this.#options.requestTimeoutMs }),
        });
        if (checks.signal.aborted) return;
        if (result.outcome === 'unknown') {
          logger.debug('Could not check the sign-in with the server; keeping it.', { code: result.error.code });
        } else if (result.outcome === 'ended') {
          logger.info('The server no longer accepts the sign-in; back to the welcome screen.', { notice: this.#session.snapshot().notice });
        }
      }
    })();
  }

  #stopChecks(): void {
    this.#checks?.abort();
    this.#checks = undefined;
  }

  #project(snapshot: Snapshot): Omit<ViewState, 'hostNow'> {
    const view: Omit<ViewState, 'hostNow'> = {
      state: snapshot.state,
      provider: {
        name: this.providerName,
        ...(this.endpoints.issuer ? { issuer: this.endpoints.issuer } : {}),
        ...(this.#options.embedded ? { embedded: true } : {}),
      },
      language: this.#language,
    };
    if (snapshot.method) view.method = snapshot.method;
    if (this.#options.signInOnThisComputer && this.#options.prepareBrowserSignIn && this.endpoints.authorizationEndpoint) {
      view.canSignInOnThisComputer = true;
    }
    if (snapshot.state === 'awaiting_user' && snapshot.network) view.network = snapshot.network;
    const code = this.#codeView(snapshot);
    if (code) view.code = code;
    if (snapshot.profile) {
      const p = snapshot.profile;
      view.profile = {
        sub: p.sub,
        name: p.name ?? p.email ?? p.sub,
        ...(p.email ? { email: p.email } : {}),
        ...(p.picture ? { picture: p.picture } : {}),
      };
    }
    if (snapshot.error) view.error = { code: snapshot.error.code };
    if (snapshot.autoRenewalsLeft !== undefined) view.autoRenewalsLeft = snapshot.autoRenewalsLeft;
    const notice = snapshot.notice ?? this.#options.storageNotice;
    if (notice) view.notice = notice;
    return view;
  }

  #codeView(snapshot: Snapshot): CodeView | undefined {
    const { userCode, displayCode, verificationUri, expiresAt, interval } = snapshot;
    if (!userCode || !displayCode || !verificationUri || expiresAt === undefined) return undefined;
    return {
      userCode,
      displayCode,
      verificationUri,
      ...(snapshot.verificationUriComplete ? { verificationUriComplete: snapshot.verificationUriComplete } : {}),
      qrText: snapshot.verificationUriComplete ?? verificationUri,
      expiresAt,
      issuedAt: snapshot.issuedAt ?? expiresAt,
      interval: interval ?? CLIENT_DEFAULTS.intervalSeconds,
      ...(snapshot.message ? { message: snapshot.message } : {}),
      ...(snapshot.renewedAt !== undefined ? { renewedAt: snapshot.renewedAt } : {}),
      ...(snapshot.proximity ? { proximity: snapshot.proximity } : {}),
    };
  }
}
