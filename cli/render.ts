// Human output of the client commands. Pure string building: the commands decide where it goes.
import type { Profile, Snapshot } from '../core/types.ts';
import { renderTerminalQr } from './terminal-qr.ts';

/** Terminal capabilities the drawing depends on. */
export interface RenderStyle {
  /** ANSI colours and bold (a TTY without NO_COLOR). */
  color: boolean;
}

const bold = (s: string, style: RenderStyle) => (style.color ? `\x1b[1m${s}\x1b[22m` : s);
const dim = (s: string, style: RenderStyle) => (style.color ? `\x1b[2m${s}\x1b[22m` : s);

/**
 * The user code grouped for reading (RFC 8628 §6.1): a code that already has separators keeps them,
 * else it is cut into groups of four (WDJBMJHT -> WDJB-MJHT).
 */
export function groupUserCode(code: string): string {
  if (/[-\s]/.test(code)) return code.trim();
  if (code.length <= 5) return code;
  const size = code.length % 4 === 0 || code.length > 9 ? 4 : Math.ceil(code.length / 2);
  return code.match(new RegExp(`.{1,${size}}`, 'g'))!.join('-');
}

/** The user code, letter-spaced in a box: large enough to read from across a room, monospaced by nature. */
export function userCodeBox(code: string, style: RenderStyle): string {
  const spaced = [...groupUserCode(code)].join(' ');
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

/** The block shown once per code: where to go, the QR code (optional) and the code itself. */
export function awaitingBlock(
  snapshot: Snapshot,
  options: { displayName: string; qr: boolean; style: RenderStyle },
): string {
  const { style } = options;
  const uri = snapshot.verificationUri ?? '';
  const complete = snapshot.verificationUriComplete;
  const out: string[] = ['', `  Sign in to ${bold(options.displayName, style)} on another device.`, ''];
  if (options.qr) {
    out.push(`  Scan the QR code with your phone${complete ? '' : ', then enter the code below'}:`, '');
    const qr = renderTerminalQr(complete ?? uri, { color: style.color });
    out.push(...qr.trimEnd().split('\n').map((line) => `  ${line}`), '');
    out.push('  Or open this address in a browser:');
  } else {
    out.push('  Open this address in a browser:');
  }
  out.push('', `    ${bold(uri, style)}`, '', '  and enter the code:', '', userCodeBox(snapshot.userCode ?? '', style), '');
  if (snapshot.message) out.push(`  ${dim(snapshot.message, style)}`, '');
  return `${out.join('\n')}\n`;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** The one live line under the code: what is happening and how long the code stays valid. */
export function statusLine(snapshot: Snapshot, now: number, tick: number, style: RenderStyle): string {
  const left = snapshot.expiresAt !== undefined ? formatCountdown(snapshot.expiresAt - now) : '?';
  if (snapshot.network === 'retrying') {
    return `  ${style.color ? '\x1b[33m!\x1b[39m' : '!'} Cannot reach the server; reconnecting... (code valid for ${left})`;
  }
  const spin = style.color ? SPINNER[tick % SPINNER.length] : '*';
  return `  ${spin} Waiting for approval... (code valid for ${left}, Ctrl-C to stop)`;
}
