// The bridge between the TV renderer and the device side (Electron preload or the browser host).
// Types and the bridge's few constants only: the renderer imports this file and nothing else outside
// renderer/. No token ever crosses this bridge.
import type { FlowState, NetworkStatus, ProximityCheck, SessionNotice } from '../core/types.ts';

export type { FlowState, NetworkStatus, ProximityCheck, SessionNotice };
/** How many digits a check number has (DeviceBridge enterCheckNumber): core's, for the TV's entry. */
export { CHECK_NUMBER_DIGITS } from '../core/check-number.ts';

export type Language = 'en' | 'zh-TW';

/** The code on screen, while `awaiting_user` (and kept on `expired` for the "new code" screen). */
export interface CodeView {
  /** As issued. */
  userCode: string;
  /**
   * The code as every screen shows it, grouped for reading (WDJB-MJHT, ABC-DEF-GHI): the string people
   * compare between the TV and the phone (RFC 8628 §5.4). Made by core/user-code.ts alone; the
   * renderer shows it as it is and never groups a code itself.
   */
  displayCode: string;
  verificationUri: string;
  verificationUriComplete?: string;
  /** What the QR code encodes: verificationUriComplete when present, else verificationUri. */
  qrText: string;
  /** Epoch ms (host clock). */
  expiresAt: number;
  /** Epoch ms (host clock) at which the code was issued, for the countdown ring. */
  issuedAt: number;
  /** Polling interval in seconds. */
  interval: number;
  /** A sentence the provider wants shown (Microsoft Entra). */
  message?: string;
  /**
   * Epoch ms (host clock) at which this code replaced one that expired, without anyone asking
   * (automatic renewal); absent for a code the viewer asked for. Someone half-way through on the
   * phone is told there, so the TV says it too.
   */
  renewedAt?: number;
  /**
   * The proximity check (RFC 10027): the code was approved on a phone on another network, so the
   * sign-in waits for the two-digit number that phone shows, entered on the TV (DeviceBridge
   * enterCheckNumber). `needed`: enter it; `checking`: sent, no answer yet; `wrong`: it was not the
   * number, `attemptsLeft` more may be tried before the sign-in is refused.
   */
  proximity?: ProximityCheck;
}

export interface ProfileView {
  sub: string;
  name: string;
  email?: string;
  picture?: string;
}

/**
 * Why the flow stopped, as a machine code the renderer words in the TV's language: one of core's
 * ERROR_CODES (core/errors.ts), or a provider's own code, which gets the general words. The
 * technical message stays on the device side, in its log.
 */
export interface ViewError {
  code: string;
}

/**
 * Something the viewer should know that no flow state says, as a code the renderer words. The
 * session's own (core's SessionNotice):
 * `session_ended`: the provider no longer accepts the sign-in (refresh refused, or the access token
 * expired with nothing to renew it): back to the welcome screen, sign in again;
 * `signed_out_from_account`: the same, because someone signed this device out on the account website;
 * `profile_unavailable`: signed in, but who is signed in could not be read;
 * `revocation_failed`: signed out here, but the provider could not be told (the grant may live on);
 * `revocation_unsupported`: signed out here, and the provider cannot end the grant from the TV.
 * The host's, about where tokens are kept:
 * `tokens_memory_only`: no safe place for tokens, so the sign-in lasts until the app closes;
 * `tokens_unencrypted`: tokens are kept without the system keyring's protection.
 */
export type NoticeCode = SessionNotice | 'tokens_memory_only' | 'tokens_unencrypted';

/** Everything the TV screen needs, projected from the device session. */
export interface ViewState {
  state: FlowState;
  /**
   * Only while `awaiting_user`: a code to enter or scan (`device`), or a sign-in in a browser on this
   * computer (`browser`: no code; the screen says to finish in the browser, with Cancel).
   */
  method?: 'device' | 'browser';
  /**
   * This device can sign in through a browser on the same computer (DeviceBridge signInOnThisComputer):
   * the provider has an authorization endpoint and the host can open a browser where the TV is. False
   * (absent) in kiosk mode, and for a browser host listening beyond loopback (its TV could be on
   * another machine, whose browser cannot reach this machine's loopback redirect).
   */
  canSignInOnThisComputer?: boolean;
  network?: NetworkStatus;
  code?: CodeView;
  profile?: ProfileView;
  error?: ViewError;
  /**
   * The provider the TV signs in with, for Welcome and Settings. `embedded`: the sign-in server that
   * came with this app, which the renderer names in the TV's language instead of `name`.
   */
  provider: { name: string; issuer?: string; embedded?: boolean };
  language: Language;
  /** How many more expired codes are renewed without asking. */
  autoRenewalsLeft?: number;
  /** The session's notice (sign-out, ended sign-in, profile) or, when it has none, the host's about token storage. */
  notice?: NoticeCode;
  /**
   * The host's clock (epoch ms) at the moment this message was sent: stamped on every answer and
   * every push, never when the state was built (a state built minutes before a reload or a
   * reconnect would otherwise set the renderer's clock back by those minutes). The renderer measures
   * its offset to the host clock from it, and counts down to `code.expiresAt` on that clock.
   */
  hostNow: number;
}

/** One title of the media catalogue (GET /api/catalog on the embedded server). */
export interface Asset {
  id: string;
  title: string;
  year?: number;
  description?: string;
  /** Absolute URL of the poster image. */
  poster: string;
  /** Minutes. */
  duration?: number;
  genre?: string;
}

export interface ContentRow {
  id: string;
  title: string;
  assets: Asset[];
}

export interface Catalog {
  hero?: Asset;
  rows: ContentRow[];
}

/** The API both bridges (Electron preload, browser host) implement for the renderer. */
export interface DeviceBridge {
  getState(): Promise<ViewState>;
  /** Called on every change; returns an unsubscribe function. */
  onState(listener: (state: ViewState) => void): () => void;
  signIn(): Promise<void>;
  /**
   * Signs in through a browser on this computer (authorization code + PKCE on the host's loopback
   * redirect) while `canSignInOnThisComputer`: the TV shows `awaiting_user` with method `browser` until
   * the browser comes back. The bridge opens the browser (Electron: the system browser from main;
   * the browser host: a new tab from the page). Called again while waiting, it opens the same
   * sign-in again (a tab closed by mistake).
   */
  signInOnThisComputer(): Promise<void>;
  cancel(): Promise<void>;
  newCode(): Promise<void>;
  /** The check number the phone shows (exactly two digits, "07"), while `code.proximity` asks for it. */
  enterCheckNumber(checkNumber: string): Promise<void>;
  signOut(): Promise<void>;
  /** The catalogue, fetched by the host with the access token (refreshing once on 401). */
  getCatalog(): Promise<Catalog>;
  setLanguage(language: Language): Promise<void>;
  /**
   * Whether the device side is still there, for a bridge that can lose it (the browser host is a
   * separate process; Electron's preload lives and dies with the window and has none of this).
   * Returns an unsubscribe function.
   */
  onConnection?(listener: (connection: HostConnection) => void): () => void;
}

/** `lost`: the device side stopped answering (its process died or hangs); the bridge keeps trying. */
export type HostConnection = 'connected' | 'lost';

/**
 * How often the browser host sends a `heartbeat` event on the state stream. The renderer declares the
 * host lost when about two beats in a row do not come (or the stream fails), so that a TV whose host
 * died says so within seconds instead of counting down a code nobody polls.
 */
export const BRIDGE_HEARTBEAT_MS = 2_000;

/**
 * The browser host's HTTP form of the bridge (same origin as /tv). State changes arrive as
 * server-sent events named `state` whose data is a ViewState; actions are POSTs with JSON bodies.
 */
export const BRIDGE_ROUTES = {
  state: '/bridge/state', // GET -> ViewState
  events: '/bridge/events', // GET -> text/event-stream, `event: state`, `event: heartbeat` (BRIDGE_HEARTBEAT_MS)
  signIn: '/bridge/sign-in', // POST
  // POST -> {"authorizationUrl": "…"} for the page to open in a new tab; 409 when not offered here.
  signInOnThisComputer: '/bridge/sign-in-on-this-computer',
  cancel: '/bridge/cancel', // POST
  newCode: '/bridge/new-code', // POST
  checkNumber: '/bridge/check-number', // POST {"checkNumber": "47"} (two digits, else 400)
  signOut: '/bridge/sign-out', // POST
  language: '/bridge/language', // POST {"language": "en" | "zh-TW"}
  catalog: '/bridge/catalog', // GET -> Catalog
} as const;
