// Which bridge the renderer talks to: the Electron preload's when it is there, else the browser
// host's HTTP bridge. The design preview (`?preview=<state>`) is used only when neither exists:
// with the preview parameter we first ask the page's origin for a ViewState, and a device that
// answers wins, so a real TV can never be shown invented states.
import { BRIDGE_ROUTES, type DeviceBridge, type Language } from '../../../host/contract.ts';
import { createDeferredBridge } from './deferred.ts';
import { createHttpBridge } from './http.ts';
import { signInRequested } from '../logic/sign-in-link.ts';

declare global {
  interface Window {
    /** Exposed by the Electron preload through contextBridge. */
    deviceLogin?: DeviceBridge;
  }
}

let bridge: DeviceBridge | undefined;

/** True when the page's origin serves the browser host's bridge (a ViewState as JSON). */
async function browserHostAnswers(): Promise<boolean> {
  try {
    const response = await fetch(BRIDGE_ROUTES.state, { headers: { accept: 'application/json' } });
    if (!response.ok) return false;
    const body = (await response.json()) as { state?: unknown };
    return typeof body.state === 'string';
  } catch {
    return false;
  }
}

/** The device bridge for this page (one per page). */
export function getBridge(): DeviceBridge {
  if (bridge) return bridge;
  if (window.deviceLogin) {
    bridge = window.deviceLogin;
    return bridge;
  }
  const params = new URLSearchParams(window.location.search);
  const preview = params.get('preview');
  if (preview === null) {
    bridge = createHttpBridge({ signIn: signInRequested(params) });
    return bridge;
  }
  const language: Language = params.get('lang') === 'zh-TW' ? 'zh-TW' : 'en';
  bridge = createDeferredBridge(async () => {
    if (await browserHostAnswers()) {
      console.warn('device-login: ?preview ignored, a real device bridge answered on this origin.');
      return createHttpBridge();
    }
    // DESIGN PREVIEW ONLY: loaded on demand, so its invented catalogue is not in the TV's bundle.
    const { createPreviewBridge, isPreviewName } = await import('./preview.ts');
    return createPreviewBridge(isPreviewName(preview) ? preview : 'idle', language);
  });
  return bridge;
}
