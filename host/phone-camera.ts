// The emulated phone's camera: while the TV shows a code, it takes pictures of the TV screen, decodes
// the QR code in them and opens what it reads on the phone, as a real phone would. When nothing can be
// decoded for a while, it falls back to the URL the QR code is meant to hold, and says so in the log,
// so that a rendering bug in the QR code is noticed rather than hidden. The host supplies the picture
// (Electron's capturePage) and the phone (a window's loadURL).
import type jsqrModule from 'jsqr';
import type { Logger } from '../core/ports.ts';
import type { ViewState } from './contract.ts';

type JsQR = typeof jsqrModule.default;

let decoder: Promise<JsQR | undefined> | undefined;

/**
 * jsQR, loaded on first use: the emulated phone is a development feature and jsqr a development
 * dependency, kept out of the production bundle. A packaged app has no devDependencies: it gets
 * undefined here, not a failed start.
 */
function loadDecoder(): Promise<JsQR | undefined> {
  decoder ??= import('jsqr').then(
    // CommonJS with an `__esModule` default: Node's loader hands over module.exports (the function,
    // which also carries itself as `default`), a bundler would hand over the default.
    (module) => {
      const exported: unknown = module.default;
      return typeof exported === 'function' ? (exported as JsQR) : module.default.default;
    },
    () => undefined,
  );
  return decoder;
}

/** A captured picture: 4 bytes per pixel, in the byte order of the source. */
export interface Bitmap {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
  /** Electron's NativeImage.toBitmap() is BGRA on the usual little-endian machines; PNG decoders give RGBA. */
  order: 'rgba' | 'bgra';
}

/** Decodes the first QR code found in the picture, or undefined (also where jsqr is not installed). */
export async function decodeQr(bitmap: Bitmap): Promise<string | undefined> {
  const jsQR = await loadDecoder();
  return jsQR && readQr(jsQR, bitmap);
}

function readQr(jsQR: JsQR, bitmap: Bitmap): string | undefined {
  const { width, height } = bitmap;
  if (width <= 0 || height <= 0 || bitmap.data.length < width * height * 4) return undefined;
  const rgba = new Uint8ClampedArray(width * height * 4);
  if (bitmap.order === 'rgba') {
    rgba.set(bitmap.data.subarray(0, rgba.length));
  } else {
    const src = bitmap.data;
    for (let i = 0; i < rgba.length; i += 4) {
      rgba[i] = src[i + 2] ?? 0;
      rgba[i + 1] = src[i + 1] ?? 0;
      rgba[i + 2] = src[i] ?? 0;
      rgba[i + 3] = src[i + 3] ?? 255;
    }
  }
  // The TV draws dark modules on a light card, so the inverted pass would only cost time.
  const found = jsQR(rgba, width, height, { inversionAttempts: 'dontInvert' });
  return found?.data ? found.data : undefined;
}

/** What the scanner needs from the host. */
export interface PhoneScannerOptions {
  /** A picture of the TV window now; undefined when it cannot be taken (window hidden, closing). */
  capture(): Promise<Bitmap | undefined>;
  /** Opens a URL in the phone window. `how` says whether it came from the picture or the fallback. */
  open(url: string, how: 'scanned' | 'fallback'): void;
  /** The navigation allow-list: a decoded URL elsewhere is refused, like any other navigation. */
  allowed(url: string, view: ViewState): boolean;
  logger: Pick<Logger, 'info' | 'warn'>;
  /** Between two captures. Default 750 ms. */
  intervalMs?: number;
  /** Fall back to the code's qrText after this long without a decode. Default 8 s. */
  fallbackAfterMs?: number;
  now?: () => number;
}

/** The running scanner: fed every ViewState, it scans while a code is on screen. */
export interface PhoneScanner {
  update(view: ViewState): void;
  stop(): void;
}

/** Scans the TV for the QR code of each new code and opens it on the phone once per code. */
export function createPhoneScanner(options: PhoneScannerOptions): PhoneScanner {
  const intervalMs = options.intervalMs ?? 750;
  const fallbackAfterMs = options.fallbackAfterMs ?? 8000;
  const now = options.now ?? Date.now;
  const { logger } = options;
  // Loaded once a phone exists to point it at the TV, never in a TV alone (kiosk mode).
  const loaded = loadDecoder();
  void loaded.then((found) => {
    if (!found) {
      logger.warn(
        'the emulated phone has no QR decoder (jsqr, a development dependency, is not installed): it opens each code\'s verification URL without scanning the TV',
      );
    }
  });

  let target: { view: ViewState; userCode: string; since: number; done: boolean } | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight = false;
  let stopped = false;

  function schedule(delay: number): void {
    if (timer || stopped) return;
    timer = setTimeout(() => {
      timer = undefined;
      void tick();
    }, delay);
  }

  async function tick(): Promise<void> {
    const current = target;
    if (!current || current.done || inFlight || stopped) return;
    inFlight = true;
    let text: string | undefined;
    let decode: JsQR | undefined;
    try {
      decode = await loaded;
      const bitmap = decode ? await options.capture() : undefined;
      text = decode && bitmap ? readQr(decode, bitmap) : undefined;
    } catch (err) {
      logger.warn('capturing the TV window failed', { error: (err as Error).message });
    } finally {
      inFlight = false;
    }
    // The code may have changed while the picture was taken: act only for the code it belongs to.
    if (target !== current || current.done || stopped) return schedule(0);
    const code = current.view.code;
    if (text !== undefined) {
      if (options.allowed(text, current.view)) {
        current.done = true;
        if (code && text !== code.qrText) {
          logger.warn('the QR code on the TV differs from the code the host issued', { scanned: originOf(text) });
        }
        logger.info('phone scanned the QR code on the TV', { origin: originOf(text), ms: now() - current.since });
        options.open(text, 'scanned');
        return;
      }
      logger.warn('the QR code on the TV points outside the verification origin; the phone does not open it', {
        origin: originOf(text),
      });
    }
    if ((!decode || now() - current.since >= fallbackAfterMs) && code) {
      current.done = true;
      if (decode) {
        logger.warn(
          `the QR code on the TV could not be decoded for ${Math.round(fallbackAfterMs / 1000)} s; the phone opens the verification URL directly`,
        );
      }
      if (options.allowed(code.qrText, current.view)) options.open(code.qrText, 'fallback');
      return;
    }
    schedule(intervalMs);
  }

  return {
    update(view) {
      if (stopped) return;
      const userCode = view.state === 'awaiting_user' ? view.code?.userCode : undefined;
      if (!userCode) {
        target = undefined;
        if (timer) clearTimeout(timer);
        timer = undefined;
        return;
      }
      if (target?.userCode === userCode) {
        target.view = view;
        return;
      }
      target = { view, userCode, since: now(), done: false };
      // Give the renderer a frame or two to draw the new code before the first picture.
      if (timer) clearTimeout(timer);
      timer = undefined;
      schedule(Math.min(250, intervalMs));
    },
    stop() {
      stopped = true;
      target = undefined;
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'not a URL';
  }
}
