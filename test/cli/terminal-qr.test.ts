import jsqrModule from 'jsqr';
import { describe, expect, it } from 'vitest';
import { parseTerminalQr, qrMatrix, QUIET_ZONE, renderTerminalQr } from '../../cli/terminal-qr.ts';

// jsqr is CommonJS with an `__esModule` default: Node hands over module.exports, the types say `.default`.
type JsQR = typeof jsqrModule.default;
const jsQR: JsQR = typeof (jsqrModule as unknown) === 'function' ? (jsqrModule as unknown as JsQR) : jsqrModule.default;

/** Paints modules as RGBA pixels (4 px each) and decodes them with a real QR decoder. */
function decode(modules: boolean[][]): string | undefined {
  const scale = 4;
  const size = modules[0]!.length * scale;
  const height = modules.length * scale;
  const data = new Uint8ClampedArray(size * height * 4);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < size; x += 1) {
      const dark = modules[Math.floor(y / scale)]![Math.floor(x / scale)];
      const i = (y * size + x) * 4;
      data[i] = data[i + 1] = data[i + 2] = dark ? 0 : 255;
      data[i + 3] = 255;
    }
  }
  return jsQR(data, size, height)?.data;
}

const URL_COMPLETE = 'http://127.0.0.1:4000/device?user_code=WDJB-MJHT';

describe('terminal QR code', () => {
  it('surrounds the symbol with a four-module quiet zone', () => {
    const m = qrMatrix(URL_COMPLETE);
    expect(m[0]!.every((dark) => !dark)).toBe(true);
    expect(m[QUIET_ZONE - 1]!.every((dark) => !dark)).toBe(true);
    // The finder pattern's corner starts right after the quiet zone.
    expect(m[QUIET_ZONE]![QUIET_ZONE]).toBe(true);
  });

  it('draws two module rows per line and decodes back to the same text, with and without colour', () => {
    for (const color of [true, false]) {
      const drawing = renderTerminalQr(URL_COMPLETE, { color });
      const m = qrMatrix(URL_COMPLETE);
      expect(drawing.trimEnd().split('\n')).toHaveLength(Math.ceil(m.length / 2));
      const parsed = parseTerminalQr(drawing, { color }).slice(0, m.length);
      expect(parsed).toEqual(m);
      expect(decode(parsed)).toBe(URL_COMPLETE);
    }
  });
});
