// One sign-in through the system browser for a device-login client (the CLI's `login --browser`; a
// desktop DeviceController can drive the same object): the loopback redirect listener, the
// authorization URL, and the wait for the callback that belongs to it, ending in tokens or an error.
// It implements core's BrowserSignIn, so a session drives it and stores the tokens as any sign-in's.
import { authorizationCodeGrant, buildAuthorizationUrl, validateAuthResponse, type AuthorizationRequest } from '../core/authorization-code.ts';
import { DeviceLoginError, toDeviceLoginError } from '../core/errors.ts';
import type { Ports } from '../core/ports.ts';
import type { BrowserSignIn, ClientSettings, Endpoints, TokenSet } from '../core/types.ts';
import { listenForRedirect } from './loopback-redirect.ts';
import type { RedirectReturn } from './redirect-page.ts';

/** What prepareBrowserSignIn needs. */
export interface BrowserSignInOptions {
  endpoints: Endpoints;
  client: ClientSettings;
  ports: Ports;
  /** The loopback port; a free one when absent. */
  redirectPort?: number;
  /** After this long without a finished sign-in, it ends as expired (CLIENT_DEFAULTS.browserSignInTimeoutSeconds). */
  timeoutMs: number;
  /** Where the landing page sends the person back to: the terminal (default) or the TV app. */
  returnTo?: RedirectReturn;
}

/** A prepared sign-in: listening, its address built, waiting to be driven by a session. */
export interface PreparedBrowserSignIn extends BrowserSignIn {
  readonly redirectUri: string;
  /** Stops listening (also done when tokens() ends). */
  close(): Promise<void>;
}

/**
 * Starts the loopback listener and builds the authorization URL. A callback with another state is
 * answered with an error page and the wait goes on; the one with ours ends it, whatever it says.
 */
export async function prepareBrowserSignIn(options: BrowserSignInOptions): Promise<PreparedBrowserSignIn> {
  const { endpoints, client, ports } = options;
  const listener = await listenForRedirect({
    ...(options.redirectPort !== undefined ? { port: options.redirectPort } : {}),
    ...(options.returnTo ? { returnTo: options.returnTo } : {}),
  });
  let url: string;
  let request: AuthorizationRequest;
  try {
    ({ url, request } = await buildAuthorizationUrl(endpoints, client, listener.redirectUri));
  } catch (err) {
    await listener.close();
    throw err;
  }

  async function waitForTokens(signal: AbortSignal): Promise<TokenSet> {
    for (;;) {
      const callback = await listener.next(signal);
      let code: string;
      try {
        const response = validateAuthResponse(callback.params, request, endpoints);
        if (response.kind === 'wrong_state') {
          ports.logger.warn('A browser answered the sign-in with a state that is not ours; ignored it.');
          callback.answer('wrong_state');
          continue;
        }
        code = response.code;
      } catch (err) {
        const error = toDeviceLoginError(err);
        callback.answer(error.code === 'access_denied' ? 'denied' : 'failed', error.message);
        throw error;
      }
      try {
        const tokens = await authorizationCodeGrant({ endpoints, client, ports, signal }, request, code);
        callback.answer('signed_in');
        return tokens;
      } catch (err) {
        const error = toDeviceLoginError(err);
        callback.answer('failed', error.message);
        throw error;
      }
    }
  }

  return {
    authorizationUrl: url,
    redirectUri: listener.redirectUri,
    async tokens(signal) {
      const minutes = Math.round(options.timeoutMs / 60_000);
      const timeout = new AbortController();
      const timer = setTimeout(() => timeout.abort(), options.timeoutMs);
      try {
        return await waitForTokens(AbortSignal.any([signal, timeout.signal]));
      } catch (err) {
        if (timeout.signal.aborted && !signal.aborted) {
          const span = minutes >= 1 ? `${minutes} minute${minutes === 1 ? '' : 's'}` : `${Math.round(options.timeoutMs / 1000)} seconds`;
          throw new DeviceLoginError('expired_token', `Nobody finished signing in in the browser within ${span}. Run device-login login --browser to try again.`, { cause: err });
        }
        throw err;
      } finally {
        clearTimeout(timer);
        await listener.close();
      }
    },
    close: () => listener.close(),
  };
}
