// The QR code, drawn as one SVG path on a light card (dark modules on light, as scanners expect).
import { useMemo } from 'react';
import { drawQrCode } from '../logic/qr.ts';

/** A scannable QR code of `text`; `label` is its accessible name (contains "QR"). */
export function QrCode({ text, label, size }: { text: string; label: string; size: number }) {
  const drawing = useMemo(() => drawQrCode(text), [text]);
  return (
    <svg
      className="qr"
      role="img"
      aria-label={label}
      width={size}
      height={size}
      viewBox={`0 0 ${drawing.viewBoxSize} ${drawing.viewBoxSize}`}
      shapeRendering="crispEdges"
      data-testid="qr-code"
    >
      <rect width={drawing.viewBoxSize} height={drawing.viewBoxSize} fill="#ffffff" />
      <path d={drawing.path} fill="#000000" />
    </svg>
  );
}
