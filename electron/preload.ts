// The TV window's preload: exposes exactly the DeviceBridge of host/contract.ts as window.deviceLogin,
// one named function per call. Raw ipcRenderer never reaches the page.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { Catalog, DeviceBridge, Language, ViewState } from '../host/contract.ts';
import { INVOKE_CHANNELS, STATE_CHANNEL } from './channels.ts';

const api = {
  getState: () => ipcRenderer.invoke(INVOKE_CHANNELS.getState) as Promise<ViewState>,
  onState(listener: (state: ViewState) => void): () => void {
    // Only the state is passed on: the event object would give the page the sender and ports.
    const handler = (_event: IpcRendererEvent, state: ViewState) => listener(state);
    ipcRenderer.on(STATE_CHANNEL, handler);
    return () => {
      ipcRenderer.removeListener(STATE_CHANNEL, handler);
    };
  },
  signIn: () => ipcRenderer.invoke(INVOKE_CHANNELS.signIn) as Promise<void>,
  // Main opens the system browser itself: no address reaches this page.
  signInOnThisComputer: () => ipcRenderer.invoke(INVOKE_CHANNELS.signInOnThisComputer) as Promise<void>,
  cancel: () => ipcRenderer.invoke(INVOKE_CHANNELS.cancel) as Promise<void>,
  newCode: () => ipcRenderer.invoke(INVOKE_CHANNELS.newCode) as Promise<void>,
  enterCheckNumber: (checkNumber: string) => ipcRenderer.invoke(INVOKE_CHANNELS.enterCheckNumber, checkNumber) as Promise<void>,
  signOut: () => ipcRenderer.invoke(INVOKE_CHANNELS.signOut) as Promise<void>,
  getCatalog: () => ipcRenderer.invoke(INVOKE_CHANNELS.getCatalog) as Promise<Catalog>,
  setLanguage: (language: Language) => ipcRenderer.invoke(INVOKE_CHANNELS.setLanguage, language) as Promise<void>,
} satisfies DeviceBridge;

contextBridge.exposeInMainWorld('deviceLogin', api);
