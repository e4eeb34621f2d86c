import { describe, expect, it } from 'vitest';
import { chipGrid, type Chip } from '@vigie/api/geo';

/** Every pixel of the window is covered, no chip leaves it, neighbours share ≥ overlap. */
function expectCovers(chips: Chip[], o: { x?: number; y?: number; width: number; height: number; overlap: number }) {
  const x0 = o.x ?? 0;
  const y0 = o.y ?? 0;
  const covered = new Uint8Array(o.width * o.height);
  for (const c of chips) {
    expect(c.x).toBeGreaterThanOrEqual(x0);
    expect(c.y).toBeGreaterThanOrEqual(y0);
    expect(c.x + c.width).toBeLessThanOrEqual(x0 + o.width);
    expect(c.y + c.height).toBeLessThanOrEqual(y0 + o.height);
    for (let y = c.y; y < c.y + c.height; y++) covered.fill(1, (y - y0) * o.width + c.x - x0, (y - y0) * o.width + c.x - x0 + c.width);
  }
  expect(covered.every((v) => v === 1)).toBe(true);
  const cols = Math.max(...chips.map((c) => c.col)) + 1;
  for (const c of chips) {
    const right = chips.find((d) => d.row === c.row && d.col === c.col + 1);
    if (right) expect(c.x + c.width - right.x).toBeGreaterThanOrEqual(o.overlap);
    const below = chips.find((d) => d.col === c.col && d.row === c.row + 1);
    if (below) expect(c.y + c.height - below.y).toBeGreaterThanOrEqual(o.overlap);
  }
  expect(chips.length % cols).toBe(0);
}

describe('chipGrid', () => {
  it('tiles exact multiples with no snapping (overlap 0)', () => {
    const chips = chipGrid({ width: 1024, height: 512, chipSize: 512, overlap: 0 });
    expect(chips).toEqual([
      { col: 0, row: 0, x: 0, y: 0, width: 512, height: 512 },
      { col: 1, row: 0, x: 512, y: 0, width: 512, height: 512 },
    ]);
  });

  it('steps by chipSize − overlap and snaps the last chip to the edge', () => {
    const chips = chipGrid({ width: 1000, height: 512, chipSize: 512, overlap: 64 });
    expect(chips.map((c) => c.x)).toEqual([0, 448, 488]);
    expect(chips.every((c) => c.width === 512 && c.height === 512)).toBe(true);
    expectCovers(chips, { width: 1000, height: 512, overlap: 64 });
  });

  it('needs no snapped chip when the strides land on the edge', () => {
    // 512 + 448 × 2 = 1408
    expect(chipGrid({ width: 1408, height: 1, chipSize: 512, overlap: 64 }).map((c) => c.x)).toEqual([0, 448, 896]);
    expect(chipGrid({ width: 1409, height: 1, chipSize: 512, overlap: 64 }).map((c) => c.x)).toEqual([0, 448, 896, 897]);
  });

  it('gives one window-sized chip when the raster is smaller than a chip', () => {
    expect(chipGrid({ width: 300, height: 200, chipSize: 512, overlap: 64 })).toEqual([{ col: 0, row: 0, x: 0, y: 0, width: 300, height: 200 }]);
    expect(chipGrid({ width: 1, height: 1, chipSize: 512, overlap: 0 })).toHaveLength(1);
  });

  it('clips only the short axis of a thin raster', () => {
    const chips = chipGrid({ width: 1200, height: 100, chipSize: 512, overlap: 32 });
    expect(chips.every((c) => c.height === 100 && c.width === 512 && c.y === 0)).toBe(true);
    expectCovers(chips, { width: 1200, height: 100, overlap: 32 });
  });

  it('handles a raster exactly one chip wide and one pixel more', () => {
    expect(chipGrid({ width: 512, height: 512, chipSize: 512, overlap: 64 })).toHaveLength(1);
    const chips = chipGrid({ width: 513, height: 512, chipSize: 512, overlap: 64 });
    expect(chips.map((c) => c.x)).toEqual([0, 1]);
  });

  it('offsets chips by the window origin, in raster pixels', () => {
    const chips = chipGrid({ x: 1000, y: 2000, width: 600, height: 600, chipSize: 512, overlap: 64 });
    expect(chips.map((c) => [c.col, c.row, c.x, c.y])).toEqual([
      [0, 0, 1000, 2000],
      [1, 0, 1088, 2000],
      [0, 1, 1000, 2088],
      [1, 1, 1088, 2088],
    ]);
    expectCovers(chips, { x: 1000, y: 2000, width: 600, height: 600, overlap: 64 });
  });

  it('covers many odd sizes and overlaps', () => {
    for (const [w, h, size, overlap] of [[777, 333, 128, 0], [4999, 5000, 512, 128], [130, 129, 64, 63], [65, 65, 64, 1]] as const) {
      expectCovers(chipGrid({ width: w, height: h, chipSize: size, overlap }), { width: w, height: h, overlap });
    }
  });

  it('refuses overlap ≥ chip size, negative overlap, empty windows and fractional sizes', () => {
    expect(() => chipGrid({ width: 100, height: 100, chipSize: 64, overlap: 64 })).toThrow(/recouvrement/);
    expect(() => chipGrid({ width: 100, height: 100, chipSize: 64, overlap: 100 })).toThrow(expect.objectContaining({ code: 'invalid_chip_grid' }));
    expect(() => chipGrid({ width: 100, height: 100, chipSize: 64, overlap: -1 })).toThrow(/recouvrement/);
    expect(() => chipGrid({ width: 0, height: 100, chipSize: 64, overlap: 0 })).toThrow(/vide/);
    expect(() => chipGrid({ width: 100, height: 100, chipSize: 0, overlap: 0 })).toThrow(/taille/i);
    expect(() => chipGrid({ width: 100.5, height: 100, chipSize: 64, overlap: 0 })).toThrow(/entier/);
    expect(() => chipGrid({ x: -1, width: 100, height: 100, chipSize: 64, overlap: 0 })).toThrow(/hors/);
  });
});
