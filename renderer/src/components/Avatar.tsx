// The signed-in person's picture, or their initials on a colour made from their name.
import { useState } from 'react';
import type { ProfileView } from '../../../host/contract.ts';

function initials(name: string): string {
  const letters = name
    .split(/\s+/)
    .filter(Boolean)
    .map((part) => [...part][0] ?? '');
  return (letters.length > 1 ? `${letters[0]}${letters.at(-1)}` : (letters[0] ?? '?')).toUpperCase();
}

function hueOf(text: string): number {
  let hash = 0;
  for (const char of text) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) % 360;
  return hash;
}

/** A round avatar, decorative (the name is always written next to it). */
export function Avatar({ profile, size }: { profile: ProfileView; size: number }) {
  const [failed, setFailed] = useState(false);
  if (profile.picture && !failed) {
    return <img className="avatar" src={profile.picture} alt="" width={size} height={size} onError={() => setFailed(true)} />;
  }
  return (
    <span className="avatar avatar--initials" aria-hidden="true" style={{ width: size, height: size, fontSize: size * 0.4, background: `hsl(${hueOf(profile.sub)} 55% 38%)` }}>
      {initials(profile.name)}
    </span>
  );
}
