// Human output of the client commands. Pure string building: the commands decide where it goes.
// The code screen is fitted to the terminal it is drawn in: a QR code whose top rows have scrolled
// away cannot be scanned, so the screen either fits whole (QR code beside the text, else above it,
// else a smaller drawing) or shows no QR code and says why.
import type { Profile, Snapshot } from '../core/types.ts';
import { displayUserCode } from '../core/user-code.ts';
import { renderTerminalQr, type QrShape } from './terminal-qr.ts';

/** Terminal capabilities the drawing depends on. */
export interface RenderStyle {
  /** ANSI colours and bold (a TTY without NO_COLOR). */
  color: boolean;
}

const bold = (s: string, style: RenderStyle) => (style.color ? `\x1b[1m${s}\x1b[22m` : s);
const dim = (s: string, style: RenderStyle) => (style.color ? `\x1b[2m${s}\x1b[22m` : s);

/**
 * The user code (as core/user-code.ts groups it for every screen), letter-spaced in a box: large
 * enough to read from across a room, monospaced by nature.
 */
export function userCodeBox(code: string, style: RenderStyle): string {
  const spaced = [...displayUserCode(code)].join(' ');
  const inner = `   ${spaced}   `;
  const width = [...inner].length;
  return [
    `  ┌${'─'.repeat(width)}┐`,
    `  │${' '.repeat(width)}│`,
    `  │${bold(inner, style)}│`,
    `  │${' '.repeat(width)}│`,
    `  └${'─'.repeat(width)}┘`,
  ].join('\n');
}

/** `4:05` for minutes, `1:02:03` past an hour; never negative. */
export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** `in 59 min`, `in 2 h 5 min`, `3 min ago`: for token expiry. */
export function formatRelative(ms: number): string {
  const minutes = Math.round(Math.abs(ms) / 60_000);
  const text = minutes < 1 ? 'less than a minute' : minutes < 120 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
  return ms >= 0 ? `in ${text}` : `${text} ago`;
}

/** "Ada Lovelace <ada@example.com>", falling back to the subject. */
export function describeProfile(profile: Profile | undefined): string {
  if (!profile) return 'an unknown user';
  if (profile.name && profile.email) return `${profile.name} <${profile.email}>`;
  return profile.name ?? profile.email ?? profile.sub;
}

/** The terminal a screen is drawn for, in character cells. */
export interface TerminalSize {
  columns: number;
  rows: number;
}

/**
 * How the code screen is arranged: the QR code beside the text or above it, whichever fits; `no-room`
 * when no QR code fits (the screen says so, and shows the address and the code); `text` when no QR code
 * was asked for (--no-qr, or stderr is not a terminal).
 */
export type ScreenLayout = 'qr-beside' | 'qr-above' | 'no-room' | 'text';

/** The code screen and how it was laid out. */
export interface AwaitingScreen {
  /** Whole lines, each ending in a newline; the live status line goes under them. */
  text: string;
  layout: ScreenLayout;
}

/** What the code screen is drawn with. */
export interface AwaitingOptions {
  displayName: string;
  /** Draw a QR code where one fits. */
  qr: boolean;
  style: RenderStyle;
  /** The terminal to fit (stderr's size); without it nothing is fitted (a log or a pipe has no height). */
  size?: TerminalSize;
}

/**
 * The QR drawings tried, best first. Error correction M and the full quiet zone as the specification
 * asks; then L (a screen has no smudges to repair), then a quiet zone of two modules (drawn in explicit
 * white, it still parts the symbol from the text beside it). With less quiet zone phones start to
 * miss the code, so below that the screen shows the address and the code instead.
 */
const QR_SHAPES: ReadonlyArray<QrShape> = [
  { errorCorrectionLevel: 'M', quietZone: 4 },
  { errorCorrectionLevel: 'L', quietZone: 4 },
  { errorCorrectionLevel: 'L', quietZone: 2 },
];

/** Narrowest text column beside a QR code: narrower, every sentence breaks after a word or two. */
const MIN_COLUMN = 30;
/** Sentences beside a QR code break at this width, however wide the terminal: short lines read as one block. */
const SENTENCE_WIDTH = 34;
const INDENT = '  ';
const GAP = '   ';

/** A line of the screen, or a blank line that may go (highest `blank` first) when rows are short. */
type Row = string | { blank: number };

/** The blank lines, in the order they go when rows are short (the highest first). */
const BLANK = {
  /** Between the screen and the live status line: the last to go. */
  underScreen: { blank: 0 },
  /** Between one step and the next (open the address / enter the code). */
  betweenSteps: { blank: 1 },
  /** Above and under the heading. */
  aroundHeading: { blank: 2 },
  /** Between a step and its detail (the address, the code box). */
  beforeDetail: { blank: 3 },
} as const;

// eslint-disable-next-line no-control-regex -- ANSI styles start with ESC
const ANSI = /\x1b\[[0-9;]*m/g;

/** Cells a line takes: ANSI styles take none, every other character here (box drawing, blocks) one. */
function widthOf(line: string): number {
  return [...line.replace(ANSI, '')].length;
}

/**
 * Breaks `words` into lines of at most `width` cells. Each word is styled on its own, so that no
 * style runs on into the next line (where a QR code may start).
 */
function wrap(words: ReadonlyArray<{ text: string; style?: (s: string) => string }>, width: number): string[] {
  const lines: string[] = [];
  let line: string[] = [];
  let used = 0;
  for (const word of words.flatMap((w) => w.text.split(' ').filter(Boolean).map((text) => ({ text, style: w.style })))) {
    const length = [...word.text].length;
    if (line.length > 0 && used + 1 + length > width) {
      lines.push(line.join(' '));
      line = [];
      used = 0;
    }
    line.push(word.style ? word.style(word.text) : word.text);
    used += (line.length > 1 ? 1 : 0) + length;
  }
  if (line.length > 0) lines.push(line.join(' '));
  return lines;
}

const plainWords = (text: string) => [{ text }];

/** Drops optional blank lines, the most dispensable first, until at most `max` rows remain (or none is left to drop). */
function fitRows(rows: readonly Row[], max: number): string[] {
  const levels = [...new Set(rows.flatMap((r) => (typeof r === 'string' ? [] : [r.blank])))].sort((a, b) => b - a);
  let kept = rows;
  for (const level of levels) {
    if (kept.length <= max) break;
    kept = kept.filter((r) => typeof r === 'string' || r.blank !== level);
  }
  return kept.map((r) => (typeof r === 'string' ? r : ''));
}

/** The user code box without its indent. */
function codeBoxLines(code: string, style: RenderStyle): string[] {
  return userCodeBox(code, style)
    .split('\n')
    .map((line) => line.slice(INDENT.length));
}

/**
 * Where to go and what to enter, in a column of `width` cells; `intro` says how (scan, or open). The
 * address is left out when it is shown elsewhere (under a QR code, when the column is too narrow for it).
 */
function instructions(
  snapshot: Snapshot,
  style: RenderStyle,
  width: number,
  say: { intro: string; enter: string; address?: boolean },
): Row[] {
  const { intro, enter } = say;
  const rows: Row[] = [
    ...wrap(plainWords(intro), width),
    ...(say.address === false ? [] : [BLANK.beforeDetail, `${INDENT}${bold(snapshot.verificationUri ?? '', style)}`]),
    BLANK.betweenSteps,
    enter,
    BLANK.beforeDetail,
    ...codeBoxLines(snapshot.userCode ?? '', style),
  ];
  if (snapshot.message) rows.push(BLANK.aroundHeading, ...wrap(plainWords(snapshot.message), width).map((l) => dim(l, style)));
  return rows;
}

function header(options: AwaitingOptions, width: number): string[] {
  const name = options.displayName;
  return wrap([{ text: 'Sign in to' }, { text: name, style: (s) => bold(s, options.style) }, { text: 'on another device.' }], width);
}

/** What to say beside a QR code: scanning it pre-fills the code when the server gave a complete URI. */
function qrIntro(snapshot: Snapshot, addressBelow: boolean): { intro: string; enter: string; address: boolean } {
  const where = addressBelow ? 'the address below' : 'this address';
  return snapshot.verificationUriComplete
    ? { intro: `Scan the QR code with your phone, or open ${where} in a browser`, enter: 'and enter the code:', address: !addressBelow }
    : { intro: `Scan the QR code with your phone or open ${where} in a browser,`, enter: 'then enter the code:', address: !addressBelow };
}

function qrLines(snapshot: Snapshot, shape: QrShape, style: RenderStyle): string[] {
  const text = snapshot.verificationUriComplete ?? snapshot.verificationUri ?? '';
  return renderTerminalQr(text, { ...shape, color: style.color }).trimEnd().split('\n');
}

/**
 * The QR code on the left, the text column beside it (vertically centred); the address under both
 * when the column is too narrow for it (a long address is never broken: it must be typed as shown).
 */
function besideRows(snapshot: Snapshot, options: AwaitingOptions, qr: string[], columnWidth: number): Row[] {
  const addressBelow = INDENT.length + widthOf(snapshot.verificationUri ?? '') > columnWidth;
  const width = Math.min(columnWidth, SENTENCE_WIDTH);
  const column = fitRows(
    [...header(options, width), BLANK.aroundHeading, ...instructions(snapshot, options.style, width, qrIntro(snapshot, addressBelow))],
    qr.length,
  );
  const height = Math.max(qr.length, column.length);
  const top = Math.max(0, Math.floor((qr.length - column.length) / 2));
  const qrWidth = widthOf(qr[0] ?? '');
  const rows: Row[] = [BLANK.aroundHeading];
  for (let i = 0; i < height; i += 1) {
    const left = qr[i] ?? ' '.repeat(qrWidth);
    const right = column[i - top] ?? '';
    rows.push(`${INDENT}${left}${right ? `${GAP}${right}` : ''}`);
  }
  if (addressBelow) rows.push(BLANK.betweenSteps, `${INDENT}${INDENT}${bold(snapshot.verificationUri ?? '', options.style)}`);
  rows.push(BLANK.underScreen);
  return rows;
}

/** The QR code above the text: for tall, narrow terminals (and for output that is not fitted). */
function aboveRows(snapshot: Snapshot, options: AwaitingOptions, qr: string[], width: number): Row[] {
  const complete = snapshot.verificationUriComplete;
  const indent = (rows: Row[]) => rows.map((r) => (typeof r === 'string' && r !== '' ? `${INDENT}${r}` : r));
  return [
    BLANK.aroundHeading,
    ...indent(header(options, width)),
    BLANK.aroundHeading,
    ...indent(wrap(plainWords(`Scan the QR code with your phone${complete ? '' : ', then enter the code below'}:`), width)),
    BLANK.beforeDetail,
    ...qr.map((line) => `${INDENT}${line}`),
    BLANK.betweenSteps,
    ...indent(instructions(snapshot, options.style, width, { intro: 'Or open this address in a browser:', enter: 'and enter the code:' })),
    BLANK.underScreen,
  ];
}

/** No QR code: the address and the code, with the reason first when a QR code was wanted but does not fit. */
function textRows(snapshot: Snapshot, options: AwaitingOptions, width: number, reason?: string): Row[] {
  const indent = (rows: Row[]) => rows.map((r) => (typeof r === 'string' && r !== '' ? `${INDENT}${r}` : r));
  return [
    BLANK.aroundHeading,
    ...indent(header(options, width)),
    BLANK.aroundHeading,
    ...(reason ? indent([...wrap(plainWords(reason), width), BLANK.betweenSteps]) : []),
    ...indent(instructions(snapshot, options.style, width, { intro: 'Open this address in a browser:', enter: 'and enter the code:' })),
    BLANK.underScreen,
  ];
}

/** Every line within the width, and room left for the status line under them. */
function fits(lines: readonly string[], size: TerminalSize): boolean {
  return lines.length + 1 <= size.rows && lines.every((line) => widthOf(line) <= size.columns);
}

/** The narrowest text column beside a QR code: the address and the code box must fit in it unbroken. */
function narrowestColumn(snapshot: Snapshot, style: RenderStyle, withAddress: boolean): number {
  const box = widthOf(codeBoxLines(snapshot.userCode ?? '', style)[0] ?? '');
  return Math.max(MIN_COLUMN, withAddress ? INDENT.length + widthOf(snapshot.verificationUri ?? '') : 0, box);
}

/** The text column beside `qr` in `columns`: what is left of the width, when the code box fits in it. */
function besideColumn(snapshot: Snapshot, qr: string[], columns: number, style: RenderStyle): number | undefined {
  const width = columns - INDENT.length - widthOf(qr[0] ?? '') - GAP.length;
  return width >= narrowestColumn(snapshot, style, false) ? width : undefined;
}

/** The smallest terminal that shows `qr` beside the text (for the sentence that asks for a larger one). */
function smallestBeside(snapshot: Snapshot, options: AwaitingOptions, qr: string[]): TerminalSize {
  const lines = fitRows(besideRows(snapshot, options, qr, narrowestColumn(snapshot, options.style, true)), 0);
  return { columns: Math.max(...lines.map(widthOf)), rows: lines.length + 1 };
}

/**
 * The screen shown once per code: where to go, the QR code and the code. Fitted to `size` (the whole
 * screen and the status line under it, so that the QR code's top row never scrolls away): the QR code
 * beside the text, else above it, each with the largest QR drawing that fits; else the address and the
 * code with a sentence saying how large the terminal must be for a QR code.
 */
export function awaitingScreen(snapshot: Snapshot, options: AwaitingOptions): AwaitingScreen {
  const { size, style } = options;
  const done = (layout: ScreenLayout, lines: string[]): AwaitingScreen => ({ layout, text: `${lines.join('\n')}\n` });
  const textWidth = (columns: number) => Math.max(MIN_COLUMN, columns - INDENT.length * 2);
  if (!size) {
    if (!options.qr) return done('text', fitRows(textRows(snapshot, options, 76), Infinity));
    return done('qr-above', fitRows(aboveRows(snapshot, options, qrLines(snapshot, QR_SHAPES[0]!, style), 76), Infinity));
  }
  const maxRows = size.rows - 1;
  if (options.qr) {
    for (const shape of QR_SHAPES) {
      const qr = qrLines(snapshot, shape, style);
      const column = besideColumn(snapshot, qr, size.columns, style);
      if (column !== undefined) {
        const lines = fitRows(besideRows(snapshot, options, qr, column), maxRows);
        if (fits(lines, size)) return done('qr-beside', lines);
      }
      const above = fitRows(aboveRows(snapshot, options, qr, textWidth(size.columns)), maxRows);
      if (fits(above, size)) return done('qr-above', above);
    }
    const need = smallestBeside(snapshot, options, qrLines(snapshot, QR_SHAPES.at(-1)!, style));
    const reason = `This terminal (${size.columns}×${size.rows}) is too small for the QR code: make it at least ${need.columns}×${need.rows} to scan one.`;
    return done('no-room', fitRows(textRows(snapshot, options, textWidth(size.columns), reason), maxRows));
  }
  return done('text', fitRows(textRows(snapshot, options, textWidth(size.columns)), maxRows));
}

/** The block shown once per code (awaitingScreen's text). */
export function awaitingBlock(snapshot: Snapshot, options: AwaitingOptions): string {
  return awaitingScreen(snapshot, options).text;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/**
 * The one live line under the code: what is happening and how long the code stays valid. Within
 * `columns` (less one), shorter wordings first, cut as a last resort: a live line that wraps can no
 * longer be redrawn in place.
 */
export function statusLine(snapshot: Snapshot, now: number, tick: number, style: RenderStyle, columns?: number): string {
  const left = snapshot.expiresAt !== undefined ? formatCountdown(snapshot.expiresAt - now) : '?';
  const [mark, wordings] =
    snapshot.network === 'retrying'
      ? [
          style.color ? '\x1b[33m!\x1b[39m' : '!',
          [`Cannot reach the server; reconnecting... (code valid for ${left})`, `Reconnecting... (${left} left)`],
        ]
      : [
          style.color ? SPINNER[tick % SPINNER.length]! : '*',
          [`Waiting for approval... (code valid for ${left}, Ctrl-C to stop)`, `Waiting for approval... (${left} left)`, `Waiting... ${left}`],
        ];
  const room = columns === undefined ? Infinity : columns - 1 - INDENT.length - 2;
  const text = wordings.find((w) => w.length <= room) ?? wordings.at(-1)!.slice(0, Math.max(0, room));
  return `${INDENT}${mark} ${text}`;
}
