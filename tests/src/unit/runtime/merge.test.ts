import { describe, expect, it } from 'vitest';
import { chipGrid } from '@vigie/api/geo';
import { mergeChipDetections, mosaicChipClassMaps, NO_DATA_CLASS, type Detection } from '@vigie/workers/runtime';

const box = (x1: number, y1: number, x2: number, y2: number, score: number, classId = 0): Detection => ({ x1, y1, x2, y2, score, classId });

describe('mergeChipDetections', () => {
  // Window 180 × 100, chips of 100 with 20 px overlap: A = [0, 100), B = [80, 180).
  const window = { x: 0, y: 0, width: 180, height: 100 };
  const [a, b] = chipGrid({ ...window, chipSize: 100, overlap: 20 }) as [ReturnType<typeof chipGrid>[number], ReturnType<typeof chipGrid>[number]];

  it('returns boxes in raster pixels', () => {
    const merged = mergeChipDetections([{ chip: b, detections: [box(30, 10, 40, 20, 0.9)] }], { window, iouThreshold: 0.45 });
    expect(merged).toEqual([box(110, 10, 120, 20, 0.9)]);
  });

  it('merges the two copies of an object in the overlap, keeping the whole one at the best score', () => {
    // Object at x 60..90: whole in A (10 px from its inner side), cut at x = 80 in B.
    const merged = mergeChipDetections(
      [
        { chip: a, detections: [box(60, 10, 90, 30, 0.8)] },
        { chip: b, detections: [box(0, 10, 10, 30, 0.3), box(0, 11, 10, 31, 0.9)] },
      ],
      { window, iouThreshold: 0.3 },
    );
    expect(merged).toEqual([box(60, 10, 90, 30, 0.9)]);
  });

  it('drops a cut copy that NMS keeps (low IoU) when a more central copy covers it', () => {
    // Object at x 50..95 in A; B sees only 80..95: IoU 1/3 under the NMS threshold.
    const merged = mergeChipDetections(
      [
        { chip: a, detections: [box(50, 10, 95, 30, 0.7)] },
        { chip: b, detections: [box(0, 10, 15, 30, 0.95)] },
      ],
      { window, iouThreshold: 0.45 },
    );
    expect(merged).toEqual([box(50, 10, 95, 30, 0.7)]);
  });

  it('keeps a lone cut box, boxes of other classes, and boxes on the window edge', () => {
    const merged = mergeChipDetections(
      [
        { chip: a, detections: [box(0, 0, 10, 10, 0.5), box(50, 10, 95, 30, 0.7, 1)] },
        { chip: b, detections: [box(0, 10, 15, 30, 0.9, 0), box(90, 90, 100, 100, 0.4)] },
      ],
      { window, iouThreshold: 0.45 },
    );
    expect(merged).toHaveLength(4);
    expect(merged).toContainEqual(box(80, 10, 95, 30, 0.9, 0));
    expect(merged).toContainEqual(box(170, 90, 180, 100, 0.4));
  });

  it('does not depend on the order chips come in: equal copies of an object go to the chip first in raster order', () => {
    // Object at x 75..105 cut by both chips (centrality 0 in each), the same score: a tie.
    const results = [
      { chip: a, detections: [box(75, 10, 100, 30, 0.8)] },
      { chip: b, detections: [box(0, 10, 25, 30, 0.8)] },
    ];
    const merged = mergeChipDetections(results, { window, iouThreshold: 0.45 });
    expect(merged).toEqual([box(75, 10, 100, 30, 0.8)]);
    expect(mergeChipDetections([...results].reverse(), { window, iouThreshold: 0.45 })).toEqual(merged);
  });

  it('handles no chips and chips without detections', () => {
    expect(mergeChipDetections([], { window, iouThreshold: 0.45 })).toEqual([]);
    expect(mergeChipDetections([{ chip: a, detections: [] }], { window, iouThreshold: 0.45 })).toEqual([]);
  });
});

describe('mosaicChipClassMaps', () => {
  it('switches chips in the middle of the overlap', () => {
    const window = { x: 0, y: 0, width: 180, height: 4 };
    const chips = chipGrid({ ...window, chipSize: 100, overlap: 20 });
    const maps = chips.map((chip, i) => ({ chip, map: { classes: new Uint8Array(chip.width * chip.height).fill(i + 1), width: chip.width, height: chip.height } }));
    const mosaic = mosaicChipClassMaps(maps, window);
    const row = [...mosaic.classes.subarray(0, 180)];
    expect(row.slice(0, 90).every((c) => c === 1)).toBe(true);
    expect(row.slice(90).every((c) => c === 2)).toBe(true);
  });

  it('is seam-free: border artefacts narrower than half the overlap never reach the mosaic', () => {
    const window = { x: 10, y: 20, width: 300, height: 250 };
    const truth = new Uint8Array(window.width * window.height);
    for (let y = 0; y < window.height; y++) {
      for (let x = 0; x < window.width; x++) truth[y * window.width + x] = (Math.floor(x / 7) + Math.floor(y / 11)) % 5;
    }
    const overlap = 32;
    const artefact = overlap / 2 - 1; // a model's worst pixels: along the chip sides
    const chips = chipGrid({ ...window, chipSize: 128, overlap });
    const maps = chips.map((chip) => {
      const classes = new Uint8Array(chip.width * chip.height);
      for (let j = 0; j < chip.height; j++) {
        for (let i = 0; i < chip.width; i++) {
          const nearInner =
            (chip.x > window.x && i < artefact) ||
            (chip.y > window.y && j < artefact) ||
            (chip.x + chip.width < window.x + window.width && i >= chip.width - artefact) ||
            (chip.y + chip.height < window.y + window.height && j >= chip.height - artefact);
          classes[j * chip.width + i] = nearInner ? 9 : truth[(chip.y - window.y + j) * window.width + chip.x - window.x + i]!;
        }
      }
      return { chip, map: { classes, width: chip.width, height: chip.height } };
    });
    const mosaic = mosaicChipClassMaps(maps, window);
    expect(mosaic).toMatchObject({ width: 300, height: 250 });
    expect(Buffer.from(mosaic.classes).equals(Buffer.from(truth))).toBe(true);
  });

  it('does not depend on the order chips come in (a run’s chips come back from the database in no fixed order)', () => {
    // 2 × 2 chips: where they meet, many pixels lie as far from the sides of two chips
    const window = { x: 0, y: 0, width: 170, height: 170 };
    const chips = chipGrid({ ...window, chipSize: 100, overlap: 30 });
    const maps = chips.map((chip, i) => ({ chip, map: { classes: new Uint8Array(chip.width * chip.height).fill(i + 1), width: chip.width, height: chip.height } }));
    const forward = mosaicChipClassMaps(maps, window).classes;
    const backward = mosaicChipClassMaps([...maps].reverse(), window).classes;
    expect(Buffer.from(backward).equals(Buffer.from(forward))).toBe(true);
  });

  it('marks pixels no chip covered as no-data', () => {
    const window = { x: 0, y: 0, width: 4, height: 1 };
    const chip = { col: 0, row: 0, x: 0, y: 0, width: 2, height: 1 };
    const mosaic = mosaicChipClassMaps([{ chip, map: { classes: Uint8Array.from([3, 4]), width: 2, height: 1 } }], window);
    expect([...mosaic.classes]).toEqual([3, 4, NO_DATA_CLASS, NO_DATA_CLASS]);
  });
});
