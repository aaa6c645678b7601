import QRCode from 'qrcode';

/** Modules of light around the symbol: the QR specification asks for four so that scanners find the edges. */
export const QUIET_ZONE = 4;

/**
 * The size of a drawing: error correction and quiet zone. The login screen trades them for room in a
 * small terminal (cli/render.ts): a screen has no smudges for correction to repair, and a narrower
 * quiet zone drawn in explicit white still separates the symbol from what is beside it.
 */
export interface QrShape {
  /** Default M, as the TV draws it. */
  errorCorrectionLevel?: 'L' | 'M' | 'Q' | 'H';
  /** Default QUIET_ZONE. */
  quietZone?: number;
}

/** The QR symbol of `text` (error correction M unless asked) as rows of dark (true) / light modules, quiet zone included. */
export function qrMatrix(text: string, shape: QrShape = {}): boolean[][] {
  const quiet = shape.quietZone ?? QUIET_ZONE;
  const { modules } = QRCode.create(text, { errorCorrectionLevel: shape.errorCorrectionLevel ?? 'M' });
  const size = modules.size + quiet * 2;
  return Array.from({ length: size }, (_, y) =>
    Array.from({ length: size }, (_, x) => {
      const mx = x - quiet;
      const my = y - quiet;
      return mx >= 0 && my >= 0 && mx < modules.size && my < modules.size && Boolean(modules.get(my, mx));
    }),
  );
}

/**
 * Draws a QR code with half-block characters, two module rows per text line, so that it is square in
 * a normal terminal font and half the height of the naive drawing. With `color` the colours are set
 * explicitly (black on white, after a reset so that no bold or dim drawn before greys the black), which
 * scans on dark and light terminal themes alike; without colour (NO_COLOR, or not a terminal) the
 * glyphs assume light text on a dark background, the common default.
 */
export function renderTerminalQr(text: string, options: { color?: boolean } & QrShape = {}): string {
  const matrix = qrMatrix(text, options);
  const color = options.color ?? true;
  const lines: string[] = [];
  for (let y = 0; y < matrix.length; y += 2) {
    const top = matrix[y] ?? [];
    const bottom = matrix[y + 1];
    let line = '';
    for (let x = 0; x < top.length; x += 1) {
      // The "ink" of a glyph: dark modules with colour on, light modules without it.
      const upper = color ? Boolean(top[x]) : !top[x];
      const lower = bottom === undefined ? !color : color ? Boolean(bottom[x]) : !bottom[x];
      line += upper && lower ? '█' : upper ? '▀' : lower ? '▄' : ' ';
    }
    lines.push(color ? `\x1b[0;30;107m${line}\x1b[0m` : line);
  }
  return `${lines.join('\n')}\n`;
}

/** Reads a drawing of renderTerminalQr back into modules (for tests: a drawing must decode to the same symbol). */
export function parseTerminalQr(drawing: string, options: { color?: boolean } = {}): boolean[][] {
  const color = options.color ?? true;
  const rows: boolean[][] = [];
  // eslint-disable-next-line no-control-regex -- ANSI colour sequences start with ESC
  for (const raw of drawing.replace(/\x1b\[[0-9;]*m/g, '').split('\n')) {
    if (raw === '') continue;
    const glyphs = [...raw];
    const upper = glyphs.map((g) => g === '█' || g === '▀');
    const lower = glyphs.map((g) => g === '█' || g === '▄');
    rows.push(upper.map((ink) => (color ? ink : !ink)), lower.map((ink) => (color ? ink : !ink)));
  }
  return rows;
}
