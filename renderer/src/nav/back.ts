// The remote's Back key. TVs send it under many names: Escape and Backspace on keyboards,
// BrowserBack on media keyboards and Android TV, GoBack, webOS keyCode 461, Tizen keyCode 10009.
// The most recently registered handler wins, so a detail view can sit above Home.
import { useEffect, useRef } from 'react';

const BACK_KEYS = new Set(['Escape', 'Backspace', 'BrowserBack', 'GoBack']);
const BACK_KEY_CODES = new Set([461, 10009]);

const handlers: { current: () => void }[] = [];

/** True for any key a remote uses as Back. */
export function isBackKey(event: Pick<KeyboardEvent, 'key' | 'keyCode'>): boolean {
  return BACK_KEYS.has(event.key) || BACK_KEY_CODES.has(event.keyCode);
}

/** Listens for Back on the whole page (call once). */
export function startBackKey(): void {
  window.addEventListener('keydown', (event) => {
    if (!isBackKey(event)) return;
    const top = handlers.at(-1);
    if (!top) return;
    event.preventDefault();
    top.current();
  });
}

/** Runs `onBack` when Back is pressed while this component is the topmost that listens. */
export function useBack(onBack: (() => void) | undefined): void {
  const ref = useRef<() => void>(() => undefined);
  useEffect(() => {
    ref.current = onBack ?? (() => undefined);
  });
  const active = onBack !== undefined;
  useEffect(() => {
    if (!active) return undefined;
    const entry = { current: () => ref.current() };
    handlers.push(entry);
    return () => {
      const index = handlers.indexOf(entry);
      if (index >= 0) handlers.splice(index, 1);
    };
  }, [active]);
}
