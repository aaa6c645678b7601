// The QR code as one SVG path: drawn from the module matrix so it stays sharp at any TV scale and
// needs no canvas or image decoding. The quiet zone (4 modules, ISO/IEC 18004) is part of the
// viewBox, so the light card behind it always leaves room for the scanner to find the code.

/** What the path needs from a QR symbol: its size and whether a module is dark. */
export interface ModuleMatrix {
  size: number;
  isDark(row: number, column: number): boolean;
}

/** The SVG drawing of a matrix: a viewBox side (modules + quiet zone) and a path of dark runs. */
export interface QrDrawing {
  /** Side of the square viewBox in modules, quiet zone included. */
  viewBoxSize: number;
  /** `d` of one path: each horizontal run of dark modules as a 1-module-high rectangle. */
  path: string;
}

/** Draws a module matrix as one path, offset by the quiet zone. */
export function matrixToPath(matrix: ModuleMatrix, quietZone = 4): QrDrawing {
  const parts: string[] = [];
  for (let row = 0; row < matrix.size; row += 1) {
    let column = 0;
    while (column < matrix.size) {
      if (!matrix.isDark(row, column)) {
        column += 1;
        continue;
      }
      const start = column;
      while (column < matrix.size && matrix.isDark(row, column)) column += 1;
      parts.push(`M${start + quietZone} ${row + quietZone}h${column - start}v1h-${column - start}z`);
    }
  }
  return { viewBoxSize: matrix.size + 2 * quietZone, path: parts.join('') };
}
