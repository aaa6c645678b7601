// Encodes text as a QR symbol with the `qrcode` package and draws it (error correction M, as the
// design asks: enough redundancy for a TV seen at an angle, small enough to stay a low version).
import QRCode from 'qrcode';
import { matrixToPath, type QrDrawing } from './qr-path.ts';

/** The QR drawing of `text` (error correction M, 4-module quiet zone). */
export function drawQrCode(text: string): QrDrawing {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
  return matrixToPath({ size: modules.size, isDark: (row, column) => Boolean(modules.get(row, column)) });
}
