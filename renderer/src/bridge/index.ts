// Which bridge the renderer talks to: the Electron preload's when it is there, else the browser
// host's HTTP bridge. There is no third: design previews are served by a device too (the real
// controller over a scripted sign-in service, scripts/preview.ts), so every screen the TV shows is
// one a device produced.
import type { DeviceBridge } from '../../../host/contract.ts';
import { createHttpBridge } from './http.ts';
import { signInRequested } from '../logic/sign-in-link.ts';

declare global {
  interface Window {
    /** Exposed by the Electron preload through contextBridge. */
    deviceLogin?: DeviceBridge;
  }
}

let bridge: DeviceBridge | undefined;

/** The device bridge for this page (one per page). */
export function getBridge(): DeviceBridge {
  bridge ??= window.deviceLogin ?? createHttpBridge({ signIn: signInRequested(new URLSearchParams(window.location.search)) });
  return bridge;
}
