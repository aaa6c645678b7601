// Screen-reader announcements: one polite region for state changes, one assertive for failures.
// The text is cleared first so that the same sentence twice is still announced twice.
import { useEffect, useState } from 'react';

export interface Announcement {
  text: string;
  urgent?: boolean;
  /** Changes on every announcement, even of the same text. */
  id: number;
}

/** The aria-live regions; render once near the root. */
export function LiveRegion({ announcement }: { announcement: Announcement | undefined }) {
  const [polite, setPolite] = useState('');
  const [assertive, setAssertive] = useState('');
  useEffect(() => {
    if (!announcement) return undefined;
    const set = announcement.urgent ? setAssertive : setPolite;
    set('');
    const timer = setTimeout(() => set(announcement.text), 100);
    return () => clearTimeout(timer);
  }, [announcement]);
  return (
    <>
      <div className="visually-hidden" role="status" aria-live="polite" aria-atomic="true" data-testid="live-polite">
        {polite}
      </div>
      <div className="visually-hidden" role="alert" aria-live="assertive" aria-atomic="true">
        {assertive}
      </div>
    </>
  );
}
