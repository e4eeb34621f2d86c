import { describe, expect, it } from 'vitest';
import { averagePrecision, matchDetections, yoloBoxes } from '@vigie/workers/models';

const box = (x1: number, y1: number, x2: number, y2: number, score = 1) => ({ x1, y1, x2, y2, score, classId: 0 });

describe('detection metrics of vigie models eval', () => {
  it('reads YOLO label lines into pixel boxes', () => {
    expect(yoloBoxes('0 0.5 0.25 0.1 0.2\n\n', [512, 512])).toEqual([box(230.4, 76.8, 281.6, 179.2)]);
    expect(yoloBoxes('', [512, 512])).toEqual([]);
  });

  it('matches each dump once, best score first, at IoU ≥ 0.5', () => {
    const truth = [box(0, 0, 10, 10)];
    const detections = [box(1, 0, 11, 10, 0.6), box(0, 0, 10, 10, 0.9), box(50, 50, 60, 60, 0.95)];
    expect(matchDetections(detections, truth)).toEqual([false, true, false]);
    expect(matchDetections([box(0, 0, 10, 4, 0.9)], truth)).toEqual([false]);
  });

  it('computes all-point interpolated AP', () => {
    expect(averagePrecision([{ score: 0.9, tp: true }, { score: 0.8, tp: true }], 2)).toBe(1);
    // TP, FP, TP over 2 dumps: 0.5 × 1 + 0.5 × 2/3
    expect(averagePrecision([{ score: 0.9, tp: true }, { score: 0.8, tp: false }, { score: 0.7, tp: true }], 2)).toBeCloseTo(0.5 + 1 / 3);
    expect(averagePrecision([{ score: 0.9, tp: true }], 4)).toBe(0.25);
    expect(averagePrecision([], 3)).toBe(0);
    expect(averagePrecision([], 0)).toBe(1);
  });
});
