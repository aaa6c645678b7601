// How a user code is shown and spoken. RFC 8628 §6.1: codes are easier to read and type in short
// groups (WDJB-MJHT); a screen reader must read them one character at a time, not as a word.

/** Splits a length into group sizes of 4 (or 3 when that divides evenly and 4 does not). */
function groupSizes(length: number): number[] {
  if (length <= 5) return [length];
  const size = length % 4 === 0 ? 4 : length % 3 === 0 ? 3 : 4;
  const sizes: number[] = [];
  for (let left = length; left > 0; left -= size) sizes.push(Math.min(size, left));
  return sizes;
}

/** The code's groups: the provider's own separators when it sent any, else groups of 4 (or 3). */
export function userCodeGroups(userCode: string): string[] {
  const code = userCode.trim();
  if (/[\s-]/.test(code)) return code.split(/[\s-]+/).filter((group) => group.length > 0);
  const groups: string[] = [];
  let start = 0;
  for (const size of groupSizes(code.length)) {
    groups.push(code.slice(start, start + size));
    start += size;
  }
  return groups;
}

/** The code as shown on screen: WDJBMJHT -> WDJB-MJHT. */
export function groupUserCode(userCode: string): string {
  return userCodeGroups(userCode).join('-');
}

/** The code for a screen reader's aria-label: one character at a time, a pause between groups. */
export function spokenUserCode(userCode: string): string {
  return userCodeGroups(userCode)
    .map((group) => [...group].join(' '))
    .join(', ');
}

/**
 * The code for speech synthesis: commas between characters make every engine read letters, not
 * words ("W, D, J, B").
 */
export function speechTextForUserCode(userCode: string): string {
  return userCodeGroups(userCode)
    .map((group) => [...group].join(', '))
    .join('. ');
}
