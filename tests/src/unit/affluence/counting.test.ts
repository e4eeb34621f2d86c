import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { blurredPreview, classKinds, countObjects, denseAreas, densityInside, insidePolygon } from '../../../../workers/src/affluence/counting';
import type { FrameObject } from '@vigie/api/affluence';

const square: [number, number][] = [[0, 0], [100, 0], [100, 100], [0, 100]];

describe('counting polygon', () => {
  it('tells inside from outside, concave shapes included', () => {
    expect(insidePolygon(50, 50, square)).toBe(true);
    expect(insidePolygon(150, 50, square)).toBe(false);
    expect(insidePolygon(-1, 50, square)).toBe(false);
    // a U: the notch between the arms is outside
    const u: [number, number][] = [[0, 0], [30, 0], [30, 70], [70, 70], [70, 0], [100, 0], [100, 100], [0, 100]];
    expect(insidePolygon(50, 30, u)).toBe(false);
    expect(insidePolygon(15, 30, u)).toBe(true);
    expect(insidePolygon(50, 90, u)).toBe(true);
  });

  it('counts an object by its box centre', () => {
    const objects: FrameObject[] = [
      { kind: 'person', x1: 10, y1: 10, x2: 30, y2: 50 }, // centre (20, 30): in
      { kind: 'person', x1: 90, y1: 10, x2: 130, y2: 50 }, // centre (110, 30): out, though the box overlaps
      { kind: 'vehicle', x1: 60, y1: 60, x2: 120, y2: 90 }, // centre (90, 75): in
      { kind: 'vehicle', x1: 200, y1: 200, x2: 220, y2: 220 },
    ];
    expect(countObjects(objects, square)).toEqual({ people: 1, vehicles: 1 });
    expect(countObjects(objects, null)).toEqual({ people: 2, vehicles: 2 });
    expect(countObjects([], square)).toEqual({ people: 0, vehicles: 0 });
  });
});

describe('class kinds from the card', () => {
  it('reads names and French labels', () => {
    const kinds = classKinds({ classes: [{ id: 0, name: 'car' }, { id: 1, name: 'c1', label: 'Personne' }, { id: 2, name: 'chien' }] });
    expect([...kinds]).toEqual([[0, 'vehicle'], [1, 'person']]);
  });

  it('falls back to the training order (person, vehicle) when no class is named', () => {
    expect([...classKinds({ classes: [{ id: 0, name: 'a' }, { id: 1, name: 'b' }] })]).toEqual([[0, 'person'], [1, 'vehicle']]);
    expect([...classKinds({ classes: [{ id: 0, name: 'a' }] })]).toEqual([[0, 'person']]);
  });
});

describe('density inside the polygon', () => {
  it('sums the cells whose centre maps inside, through the letterbox', () => {
    // 4×4 map of ones over a 64×64 input holding a 128×64 frame letterboxed centred: scale 0.5, padY 16
    const density = { map: new Float32Array(16).fill(1), width: 4, height: 4 };
    const transform = { scaleX: 0.5, scaleY: 0.5, padX: 0, padY: 16, sourceWidth: 128, sourceHeight: 64 };
    const input = { width: 64, height: 64 };
    expect(densityInside(density, 0, transform, input, null)).toBe(16);
    // left half of the frame: cell centres at x = 16, 48, 80, 112 → the first two columns
    const leftHalf: [number, number][] = [[0, -100], [64, -100], [64, 200], [0, 200]];
    expect(densityInside(density, 0, transform, input, leftHalf)).toBe(8);
    // rows map to y = -16, 16, 48, 80: only the middle two rows are in the frame
    expect(densityInside(density, 0, transform, input, [[0, 0], [128, 0], [128, 64], [0, 64]])).toBe(8);
  });
});

describe('dense areas of a density map', () => {
  it('turns runs of dense cells into frame areas widened by a cell, clipped to the frame', () => {
    // 4×4 map over a 64×64 input, frame 128×64 letterboxed (scale 0.5, padY 16); a blob in row 1, columns 1–2.
    // A cell covers 32 × 32 frame pixels: the threshold is 1,024 × DENSE_PER_PIXEL = 0.32 person
    const map = new Float32Array(16);
    map[5] = 2;
    map[6] = 1;
    map[15] = 0.3; // below the threshold
    const transform = { scaleX: 0.5, scaleY: 0.5, padX: 0, padY: 16, sourceWidth: 128, sourceHeight: 64 };
    const areas = denseAreas({ map, width: 4, height: 4 }, 0, 'person', transform, { width: 64, height: 64 });
    // cells are 16 input px = 32 frame px; columns 0–3 → x 0–128; rows 0–2 → y (0−16)/0.5 clipped to 0 … (48−16)/0.5 = 64
    expect(areas).toEqual([{ kind: 'person', x1: 0, y1: 0, x2: 128, y2: 64 }]);
    expect(denseAreas({ map: new Float32Array(16), width: 4, height: 4 }, 0, 'person', transform, { width: 64, height: 64 })).toEqual([]);
  });

  it('reads its threshold per frame pixel: a map twice as fine, the same mass over four times the cells, marks the same place', () => {
    const transform = { scaleX: 1, scaleY: 1, padX: 0, padY: 0, sourceWidth: 64, sourceHeight: 64 };
    const input = { width: 64, height: 64 };
    // cells of 16 × 16 px: threshold 0.08; 0.1 in cell (1, 1) is someone, 0.05 in cell (3, 3) is not
    const coarse = new Float32Array(16);
    coarse[5] = 0.1;
    coarse[15] = 0.05;
    // cells of 8 × 8 px: threshold 0.02; the same masses, each a quarter in four cells
    const fine = new Float32Array(64);
    for (const [x, y, mass] of [[1, 1, 0.1], [3, 3, 0.05]] as const) {
      for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]]) fine[(2 * y + dy!) * 8 + 2 * x + dx!] = mass / 4;
    }
    const a = denseAreas({ map: coarse, width: 4, height: 4 }, 0, 'person', transform, input);
    const b = denseAreas({ map: fine, width: 8, height: 8 }, 0, 'person', transform, input);
    expect(a).toEqual([{ kind: 'person', x1: 0, y1: 0, x2: 48, y2: 48 }]);
    // the same cells, each widened by one of its own (8 px instead of 16)
    expect(b).toHaveLength(2);
    for (const area of b) expect(area).toMatchObject({ x1: 8, x2: 40 });
    expect(b.map((area) => [area.y1, area.y2])).toEqual([[8, 32], [16, 40]]);
  });
});

describe('operator preview', () => {
  it('blurs every box (with a margin) and leaves the rest of the frame alone', async () => {
    // a sharp checkerboard: blurring turns it grey
    const width = 160;
    const height = 96;
    const pixels = Buffer.alloc(width * height * 3);
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) pixels.fill((x + y) % 2 ? 255 : 0, (y * width + x) * 3, (y * width + x) * 3 + 3);
    const png = await sharp(pixels, { raw: { width, height, channels: 3 } }).png().toBuffer();
    const preview = await blurredPreview(png, [{ kind: 'person', x1: 20, y1: 20, x2: 40, y2: 60 }]);
    const { data, info } = await sharp(preview).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([width, height]);
    const contrast = (x0: number, y0: number, x1: number, y1: number) => {
      let lo = 255;
      let hi = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) {
        const v = data[(y * width + x) * info.channels]!;
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      return hi - lo;
    };
    expect(contrast(22, 22, 38, 58)).toBeLessThan(40); // inside the box: grey
    expect(contrast(17, 17, 19, 19)).toBeLessThan(60); // in the margin: blurred too
    expect(contrast(100, 20, 140, 60)).toBeGreaterThan(150); // elsewhere: still a checkerboard
  });
});
