// IPC channel names between the TV window's preload and the main process. No imports: the sandboxed
// preload bundles this file, and main validates every payload against electron/ipc.ts.

/** Channels the renderer invokes (ipcRenderer.invoke -> ipcMain.handle), one per DeviceBridge call. */
export const INVOKE_CHANNELS = {
  getState: 'device-login:get-state',
  signIn: 'device-login:sign-in',
  signInOnThisComputer: 'device-login:sign-in-on-this-computer',
  cancel: 'device-login:cancel',
  newCode: 'device-login:new-code',
  enterCheckNumber: 'device-login:enter-check-number',
  signOut: 'device-login:sign-out',
  getCatalog: 'device-login:get-catalog',
  setLanguage: 'device-login:set-language',
} as const;

/** The one channel main sends on: every ViewState change. */
export const STATE_CHANNEL = 'device-login:state';

export type InvokeName = keyof typeof INVOKE_CHANNELS;
