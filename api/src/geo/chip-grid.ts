import { VigieError } from '../errors';

/** One chip of a raster window, in raster pixels. */
export interface Chip {
  col: number;
  row: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface ChipGridOptions {
  /** top-left of the window in the raster, default 0, 0 */
  x?: number;
  y?: number;
  width: number;
  height: number;
  chipSize: number;
  /** pixels shared by neighbouring chips; 0 ≤ overlap < chipSize */
  overlap: number;
}

/**
 * Chips covering a raster window with at least `overlap` pixels shared between neighbours. Chips step
 * by chipSize − overlap; the last chip of a row or column is snapped to the window edge (it then
 * overlaps its neighbour more) so every chip is full size and nothing is left out. A window smaller
 * than a chip gives one chip the size of the window on that axis.
 */
export function chipGrid(options: ChipGridOptions): Chip[] {
  const { x = 0, y = 0, width, height, chipSize, overlap } = options;
  for (const [name, value] of [['x', x], ['y', y], ['width', width], ['height', height], ['chipSize', chipSize], ['overlap', overlap]] as const) {
    if (!Number.isInteger(value)) throw invalid(`${name} doit être un entier (reçu ${value}).`);
  }
  if (x < 0 || y < 0) throw invalid(`La fenêtre commence hors du raster (${x}, ${y}).`);
  if (width <= 0 || height <= 0) throw invalid(`Fenêtre vide (${width} × ${height} px).`);
  if (chipSize <= 0) throw invalid(`Taille de tuile invalide (${chipSize} px).`);
  if (overlap < 0 || overlap >= chipSize) {
    throw invalid(`Le recouvrement (${overlap} px) doit être positif et inférieur à la taille de tuile (${chipSize} px).`);
  }
  const xs = axisStarts(width, chipSize, overlap);
  const ys = axisStarts(height, chipSize, overlap);
  const chips: Chip[] = [];
  ys.forEach((cy, row) => {
    xs.forEach((cx, col) => {
      chips.push({ col, row, x: x + cx, y: y + cy, width: Math.min(chipSize, width), height: Math.min(chipSize, height) });
    });
  });
  return chips;
}

function axisStarts(length: number, chipSize: number, overlap: number): number[] {
  if (length <= chipSize) return [0];
  const stride = chipSize - overlap;
  const count = Math.ceil((length - chipSize) / stride) + 1;
  return Array.from({ length: count }, (_, i) => Math.min(i * stride, length - chipSize));
}

function invalid(message: string): VigieError {
  return new VigieError('invalid_chip_grid', message);
}
