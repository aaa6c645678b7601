// How a user code is shown: the one formatter every screen uses (TV, terminal, phone page). People
// compare this string between the device and the phone to catch a code that is not theirs
// (RFC 8628 §5.4), so it must be grouped the same everywhere; RFC 8628 §6.1 groups it for reading.

/** The sizes of the groups of an unseparated code: fours, or threes when three divides it and four does not. */
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

/** The code as every screen shows it: WDJBMJHT -> WDJB-MJHT, ABCDEFGHI -> ABC-DEF-GHI. */
export function displayUserCode(userCode: string): string {
  return userCodeGroups(userCode).join('-');
}
