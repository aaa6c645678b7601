// "On each screen the primary action is focused on arrival": a screen names its primary focusable
// and gets focus there as soon as it mounts (children register before the parent's effect runs).
import { useEffect } from 'react';
import { focusKey } from './spatial.ts';

/** Focuses `key` when the calling screen mounts, and again whenever `key` changes. */
export function useFocusOnArrival(key: string | undefined): void {
  useEffect(() => {
    if (key !== undefined) focusKey(key);
  }, [key]);
}
