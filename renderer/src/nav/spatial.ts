// The remote-control engine (Norigin Spatial Navigation) behind one small module: screens import
// these helpers, not the engine, so swapping or tuning it touches one file.
import { init, setFocus, getCurrentFocusKey, doesFocusableExist } from '@noriginmedia/norigin-spatial-navigation';

let started = false;

/** Starts arrow-key / OK navigation with real DOM focus (screen readers follow it). */
export function startSpatialNavigation(): void {
  if (started) return;
  started = true;
  init({ shouldFocusDOMNode: true, domNodeFocusOptions: { preventScroll: true }, distanceCalculationMethod: 'center' });
}

/** Moves focus to a focusable by key, when it is on screen. */
export function focusKey(key: string): void {
  if (doesFocusableExist(key)) void setFocus(key);
}

/** The key of the focused item. */
export function currentFocusKey(): string {
  return getCurrentFocusKey();
}

/** True when the viewer asked the system for less motion. */
export function prefersReducedMotion(): boolean {
  return typeof window.matchMedia === 'function' && window.matchMedia('(prefers-reduced-motion: reduce)').matches;
}
