// A ring that empties as the code's lifetime runs out, with the time left in words beside it.
import { useEffect, useState } from 'react';
import type { CodeView } from '../../../host/contract.ts';
import { clockFace, relativeExpiry } from '../i18n/format.ts';
import { useI18n } from '../i18n/context.tsx';
import { readCountdown } from '../logic/countdown.ts';

const RADIUS = 52;
const CIRCUMFERENCE = 2 * Math.PI * RADIUS;

/** The ticking local clock, once a second. */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

/** Countdown to `code.expiresAt` on the host's clock (`offsetMs` = host minus local). */
export function CountdownRing({ code, offsetMs }: { code: CodeView; offsetMs: number }) {
  const { language, t } = useI18n();
  const now = useNow();
  // One reading for the face, the words and the arc: they show the same time.
  const { seconds, fraction } = readCountdown(code, now, offsetMs);
  const tone = fraction > 0.25 ? 'ok' : fraction > 0.1 ? 'low' : 'last';
  return (
    <div className={`countdown countdown--${tone}`}>
      <svg className="countdown__ring" viewBox="0 0 120 120" width="112" height="112" aria-hidden="true">
        <circle className="countdown__track" cx="60" cy="60" r={RADIUS} />
        <circle
          className="countdown__value"
          cx="60"
          cy="60"
          r={RADIUS}
          strokeDasharray={CIRCUMFERENCE}
          strokeDashoffset={CIRCUMFERENCE * (1 - fraction)}
          transform="rotate(-90 60 60)"
        />
        <text x="60" y="60" className="countdown__face" data-testid="countdown-face" textAnchor="middle" dominantBaseline="central">
          {clockFace(seconds, language)}
        </text>
      </svg>
      <p className="countdown__words" data-testid="countdown-words">
        {t.code.expiresIn(relativeExpiry(seconds, language))}
      </p>
    </div>
  );
}
