// How the code on screen is spoken. The TV shows `displayCode` exactly as core grouped it (the string
// people compare with the phone, RFC 8628 §5.4); a screen reader or speech engine must read it one
// character at a time, not as a word, with a pause where the screen has a dash.

/** The groups of a display code, as the screen separates them ('ABC-DEF-GHI' -> ABC, DEF, GHI). */
export function displayGroups(displayCode: string): string[] {
  return displayCode.split('-');
}

/** The code for a screen reader's aria-label: one character at a time, a pause between groups. */
export function spokenUserCode(displayCode: string): string {
  return displayGroups(displayCode)
    .map((group) => [...group].join(' '))
    .join(', ');
}

/**
 * The code for speech synthesis: commas between characters make every engine read letters, not
 * words ("W, D, J, B").
 */
export function speechTextForUserCode(displayCode: string): string {
  return displayGroups(displayCode)
    .map((group) => [...group].join(', '))
    .join('. ');
}
