// A bridge whose real implementation is decided asynchronously (the design preview first checks
// that no device answers). Calls made before then wait for it; subscriptions attach when it is known.
import type { DeviceBridge, ViewState } from '../../../host/contract.ts';

/** A DeviceBridge that forwards to the bridge `load` resolves to. */
export function createDeferredBridge(load: () => Promise<DeviceBridge>): DeviceBridge {
  const ready = load();
  return {
    getState: () => ready.then((bridge) => bridge.getState()),
    onState(listener: (state: ViewState) => void) {
      let unsubscribe: (() => void) | undefined;
      let cancelled = false;
      void ready.then((bridge) => {
        if (!cancelled) unsubscribe = bridge.onState(listener);
      });
      return () => {
        cancelled = true;
        unsubscribe?.();
      };
    },
    signIn: () => ready.then((bridge) => bridge.signIn()),
    cancel: () => ready.then((bridge) => bridge.cancel()),
    newCode: () => ready.then((bridge) => bridge.newCode()),
    signOut: () => ready.then((bridge) => bridge.signOut()),
    getCatalog: () => ready.then((bridge) => bridge.getCatalog()),
    setLanguage: (language) => ready.then((bridge) => bridge.setLanguage(language)),
    onConnection(listener) {
      let unsubscribe: (() => void) | undefined;
      let cancelled = false;
      void ready.then((bridge) => {
        if (!cancelled) unsubscribe = bridge.onConnection?.(listener);
      });
      return () => {
        cancelled = true;
        unsubscribe?.();
      };
    },
  };
}
