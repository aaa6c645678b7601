// The remote-control engine (Norigin Spatial Navigation) behind one small module: screens import
// these helpers, not the engine, so swapping or tuning it touches one file.
import { init, setFocus, getCurrentFocusKey } from '@noriginmedia/norigin-spatial-navigation';

let started = false;

/** Starts arrow-key / OK navigation with real DOM focus (screen readers follow it). */
export function startSpatialNavigation(): void {
  if (started) return;
  started = true;
  init({ shouldFocusDOMNode: true, domNodeFocusOptions: { preventScroll: true }, distanceCalculationMethod: 'center' });
}

/**
 * Moves focus to a focusable by key. No existence check here: while a key press is being handled
 * the engine queues registrations, and `setFocus` is queued behind them, so a screen mounted by
 * that key press is registered by the time this runs.
 */
export function focusKey(key: string): void {
  void setFocus(key);
}

/** The key of the focused item. */
export function currentFocusKey(): string {
  return getCurrentFocusKey();
}

/** True when the viewer asked the system for less motion. */
export function prefersReducedMotion(): boolean {
  return typeof window.matchMedia === 'function' && window.matchMedia('(prefers-reduced-motion: reduce)').matches;
}
