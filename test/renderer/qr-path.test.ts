import jsqrModule from 'jsqr';
import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { drawQrCode } from '../../renderer/src/logic/qr.ts';
import { matrixToPath, type ModuleMatrix } from '../../renderer/src/logic/qr-path.ts';

// jsqr is CommonJS with an `__esModule` default: Node hands over module.exports, the types say `.default`.
type JsQR = typeof jsqrModule.default;
const jsQR: JsQR = typeof (jsqrModule as unknown) === 'function' ? (jsqrModule as unknown as JsQR) : jsqrModule.default;

function matrixOf(rows: string[]): ModuleMatrix {
  return { size: rows.length, isDark: (row, column) => rows[row]?.[column] === '#' };
}

/** Paints a drawing's path (only the M x y h n v1 h-n z runs matrixToPath emits) into RGBA pixels. */
function rasterize(drawing: { viewBoxSize: number; path: string }, scale: number) {
  const side = drawing.viewBoxSize * scale;
  const pixels = new Uint8ClampedArray(side * side * 4).fill(255);
  const runs = [...drawing.path.matchAll(/M(\d+) (\d+)h(\d+)v1h-\3z/g)];
  for (const [, x, y, length] of runs) {
    for (let dy = 0; dy < scale; dy += 1) {
      for (let dx = 0; dx < Number(length) * scale; dx += 1) {
        const offset = ((Number(y) * scale + dy) * side + Number(x) * scale + dx) * 4;
        pixels[offset] = pixels[offset + 1] = pixels[offset + 2] = 0;
      }
    }
  }
  return { pixels, side, runs: runs.length };
}

describe('QR matrix to SVG path', () => {
  it('draws each horizontal run of dark modules as one rectangle, offset by the quiet zone', () => {
    const drawing = matrixToPath(matrixOf(['##.', '.#.', '###']), 4);
    expect(drawing.viewBoxSize).toBe(11);
    expect(drawing.path).toBe('M4 4h2v1h-2zM5 5h1v1h-1zM4 6h3v1h-3z');
  });

  it('draws nothing for an all-light matrix and honours a custom quiet zone', () => {
    expect(matrixToPath(matrixOf(['..', '..']), 2)).toEqual({ viewBoxSize: 6, path: '' });
  });

  it('covers exactly the dark modules of a real QR symbol', () => {
    const text = 'https://login.example.com/device?user_code=WDJB-MJHT';
    const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
    const drawing = drawQrCode(text);
    expect(drawing.viewBoxSize).toBe(modules.size + 8);
    const { pixels, side } = rasterize(drawing, 1);
    for (let row = 0; row < modules.size; row += 1) {
      for (let column = 0; column < modules.size; column += 1) {
        const dark = pixels[((row + 4) * side + column + 4) * 4] === 0;
        expect(dark, `module ${row},${column}`).toBe(Boolean(modules.get(row, column)));
      }
    }
  });

  it('keeps a 4-module light quiet zone on every side', () => {
    const { pixels, side } = rasterize(drawQrCode('http://127.0.0.1:3000/device'), 1);
    for (let i = 0; i < side; i += 1) {
      for (const [x, y] of [
        [i, 0],
        [i, 3],
        [0, i],
        [3, i],
        [i, side - 1],
        [i, side - 4],
        [side - 1, i],
        [side - 4, i],
      ] as const) {
        expect(pixels[(y * side + x) * 4]).toBe(255);
      }
    }
  });

  it.each([
    'https://login.example.com/device?user_code=WDJB-MJHT',
    'http://127.0.0.1:49152/device?user_code=KQPX-RVTN',
    'https://microsoft.com/devicelogin',
    'https://github.com/login/device',
  ])('decodes back to the same text with jsQR: %s', (text) => {
    const drawing = drawQrCode(text);
    const { pixels, side } = rasterize(drawing, 6);
    expect(jsQR(pixels, side, side)?.data).toBe(text);
  });

  it('uses error correction level M', () => {
    const text = 'https://login.example.com/device?user_code=WDJB-MJHT';
    const withM = QRCode.create(text, { errorCorrectionLevel: 'M' }).modules.size;
    const withH = QRCode.create(text, { errorCorrectionLevel: 'H' }).modules.size;
    expect(drawQrCode(text).viewBoxSize - 8).toBe(withM);
    expect(withH).toBeGreaterThan(withM);
  });
});
