// The code screen fitted to the terminal: whatever the size, it fits whole (its QR code's top row must
// not scroll away) and a QR code that is drawn decodes, read off the rendered text as a phone would.
import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../../core/types.ts';
import { awaitingScreen, statusLine, type TerminalSize } from '../../cli/render.ts';
import { decodeScreen } from './screen-qr.ts';

const ISSUER = 'http://127.0.0.1:35485';
const snapshot: Snapshot = {
  state: 'awaiting_user',
  userCode: 'ZHJF-HSJB',
  verificationUri: `${ISSUER}/device`,
  verificationUriComplete: `${ISSUER}/device?user_code=ZHJF-HSJB`,
  expiresAt: 600_000,
  interval: 5,
};

// eslint-disable-next-line no-control-regex -- ANSI styles start with ESC
const visible = (line: string) => [...line.replace(/\x1b\[[0-9;]*m/g, '')].length;

function screen(size: TerminalSize, options: { color: boolean; snap?: Snapshot; qr?: boolean }) {
  const snap = options.snap ?? snapshot;
  const drawn = awaitingScreen(snap, { displayName: '127.0.0.1:35485', qr: options.qr ?? true, style: { color: options.color }, size });
  const status = statusLine(snap, 0, 0, { color: options.color }, size.columns);
  const lines = `${drawn.text}${status}`.split('\n');
  return { ...drawn, lines, all: `${drawn.text}${status}` };
}

/** The screen fits: no line wider than the terminal (the status line one less), no more lines than rows. */
function expectFits(lines: string[], size: TerminalSize): void {
  expect(lines.length).toBeLessThanOrEqual(size.rows);
  for (const line of lines) expect(visible(line)).toBeLessThanOrEqual(size.columns);
  expect(visible(lines.at(-1)!)).toBeLessThan(size.columns);
}

describe('the code screen in a terminal of a given size', () => {
  it('fits an 80×24 terminal whole, QR code beside the code, and the QR code decodes (with and without colour)', () => {
    const size = { columns: 80, rows: 24 };
    for (const color of [true, false]) {
      const s = screen(size, { color });
      expect(s.layout).toBe('qr-beside');
      expectFits(s.lines, size);
      expect(decodeScreen(s.all, { color })).toBe(snapshot.verificationUriComplete);
      expect(s.all).toContain('Z H J F - H S J B');
      expect(s.all).toContain(`${ISSUER}/device\n`.replace('\n', ''));
    }
  });

  it('keeps a scannable QR code at larger sizes and for a longer address', () => {
    const keycloak: Snapshot = {
      ...snapshot,
      verificationUri: 'https://sso.example.com/realms/myrealm/device',
      verificationUriComplete: 'https://sso.example.com/realms/myrealm/device?user_code=ZHJF-HSJB',
    };
    const cases: Array<[TerminalSize, Snapshot, string]> = [
      [{ columns: 120, rows: 40 }, snapshot, 'qr-beside'],
      [{ columns: 80, rows: 24 }, keycloak, 'qr-beside'],
      [{ columns: 50, rows: 50 }, snapshot, 'qr-above'],
    ];
    for (const [size, snap, layout] of cases) {
      for (const color of [true, false]) {
        const s = screen(size, { color, snap });
        expect(s.layout, `${size.columns}×${size.rows}`).toBe(layout);
        expectFits(s.lines, size);
        expect(decodeScreen(s.all, { color })).toBe(snap.verificationUriComplete);
      }
    }
  });

  it('without a complete URI, the QR code holds the address and the screen asks for the code', () => {
    const { verificationUriComplete: _, ...plain } = snapshot;
    const s = screen({ columns: 80, rows: 24 }, { color: true, snap: plain });
    expect(decodeScreen(s.all, { color: true })).toBe(`${ISSUER}/device`);
    expect(s.all).toContain('then enter the code:');
  });

  it('says the terminal is too small, and how large it must be, when no QR code fits; the address and code still show', () => {
    const size = { columns: 60, rows: 16 };
    const s = screen(size, { color: true });
    expect(s.layout).toBe('no-room');
    expectFits(s.lines, size);
    expect(s.all).not.toMatch(/[▀▄█]/);
    const need = /too small for the QR code: make\s+it at least (\d+)×(\d+)/.exec(s.all.replace(/\n\s*/g, ' '));
    expect(need).not.toBeNull();
    expect(s.all).toContain(`${ISSUER}/device`);
    expect(s.all).toContain('Z H J F - H S J B');
    // The size it asks for does show a QR code.
    const bigger = screen({ columns: Number(need![1]), rows: Number(need![2]) }, { color: true });
    expect(bigger.layout).toBe('qr-beside');
    expect(decodeScreen(bigger.all, { color: true })).toBe(snapshot.verificationUriComplete);
  });

  it('with --no-qr, fits the address and the code without a word about size', () => {
    const size = { columns: 60, rows: 16 };
    const s = screen(size, { color: false, qr: false });
    expect(s.layout).toBe('text');
    expectFits(s.lines, size);
    expect(s.all).not.toContain('too small');
  });

  it('shortens the live line to the width, so that it never wraps', () => {
    for (const columns of [80, 60, 40, 20]) {
      for (const network of ['online', 'retrying'] as const) {
        const line = statusLine({ ...snapshot, network }, 0, 0, { color: false }, columns);
        expect(visible(line)).toBeLessThan(columns);
        if (columns >= 40) expect(line).toContain('10:00');
      }
    }
  });
});
