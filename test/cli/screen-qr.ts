// Reads a QR code off a terminal screen the way a phone does: every cell of the text is painted as two
// square pixels (upper and lower half), the half-block glyphs as ink and everything else (letters, box
// drawing, blanks) as background, and the picture is handed to a real decoder (jsqr). Used on strings
// the CLI renders and on what tmux shows in a real terminal.
import jsqrModule from 'jsqr';

// jsqr is CommonJS with an `__esModule` default: Node hands over module.exports, the types say `.default`.
type JsQR = typeof jsqrModule.default;
const jsQR: JsQR = typeof (jsqrModule as unknown) === 'function' ? (jsqrModule as unknown as JsQR) : jsqrModule.default;

/**
 * The text a QR code drawn somewhere on `screen` decodes to, or undefined. `color`: the drawing sets
 * black on white (ink is dark); without it the ink is the terminal's light text on a dark background.
 */
export function decodeScreen(screen: string, options: { color: boolean }): string | undefined {
  // eslint-disable-next-line no-control-regex -- ANSI styles start with ESC
  const lines = screen.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').replace(/\r/g, '').split('\n');
  const width = Math.max(...lines.map((l) => [...l].length));
  const rows: boolean[][] = [];
  for (const line of lines) {
    const cells = [...line.padEnd(width, ' ')];
    const upper = cells.map((g) => g === '█' || g === '▀');
    const lower = cells.map((g) => g === '█' || g === '▄');
    rows.push(upper.map((ink) => (options.color ? ink : !ink)), lower.map((ink) => (options.color ? ink : !ink)));
  }
  // A margin of background all round, as the rest of a real screen would be.
  const margin = 4;
  const scale = 4;
  const w = (width + margin * 2) * scale;
  const h = (rows.length + margin * 2) * scale;
  const data = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y += 1) {
    for (let x = 0; x < w; x += 1) {
      const row = rows[Math.floor(y / scale) - margin];
      const dark = row?.[Math.floor(x / scale) - margin] ?? !options.color;
      const i = (y * w + x) * 4;
      data[i] = data[i + 1] = data[i + 2] = dark ? 0 : 255;
      data[i + 3] = 255;
    }
  }
  return jsQR(data, w, h)?.data;
}
