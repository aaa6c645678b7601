// Which bridge the renderer talks to: the Electron preload's when it is there, else the browser
// host's HTTP bridge; the design preview only when asked for by URL and no preload exists.
import type { DeviceBridge, Language } from '../../../host/contract.ts';
import { createHttpBridge } from './http.ts';
import { createPreviewBridge, isPreviewName } from './preview.ts';

declare global {
  interface Window {
    /** Exposed by the Electron preload through contextBridge. */
    deviceLogin?: DeviceBridge;
  }
}

let bridge: DeviceBridge | undefined;

/** The device bridge for this page (one per page). */
export function getBridge(): DeviceBridge {
  if (bridge) return bridge;
  if (window.deviceLogin) {
    bridge = window.deviceLogin;
    return bridge;
  }
  const params = new URLSearchParams(window.location.search);
  const preview = params.get('preview');
  if (isPreviewName(preview)) {
    const language: Language = params.get('lang') === 'zh-TW' ? 'zh-TW' : 'en';
    bridge = createPreviewBridge(preview, language);
    return bridge;
  }
  bridge = createHttpBridge();
  return bridge;
}
