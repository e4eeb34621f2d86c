import { describe, expect, it } from 'vitest';
import { iou, nms, type Detection } from '@vigie/workers/runtime';

const box = (x1: number, y1: number, x2: number, y2: number, score: number, classId = 0): Detection => ({ x1, y1, x2, y2, score, classId });

describe('iou', () => {
  it('is 1 for identical boxes, 0 for disjoint or touching ones', () => {
    expect(iou(box(0, 0, 10, 10, 1), box(0, 0, 10, 10, 1))).toBe(1);
    expect(iou(box(0, 0, 10, 10, 1), box(10, 0, 20, 10, 1))).toBe(0);
    expect(iou(box(0, 0, 10, 10, 1), box(5, 0, 15, 10, 1))).toBeCloseTo(1 / 3, 12);
  });
});

describe('class-aware NMS', () => {
  it('keeps the best of overlapping boxes of one class, best first', () => {
    const kept = nms([box(1, 1, 11, 11, 0.6), box(0, 0, 10, 10, 0.9), box(50, 50, 60, 60, 0.7)], 0.45);
    expect(kept.map((b) => b.score)).toEqual([0.9, 0.7]);
  });

  it('never suppresses across classes', () => {
    expect(nms([box(0, 0, 10, 10, 0.9, 0), box(0, 0, 10, 10, 0.8, 1)], 0.45)).toHaveLength(2);
  });

  it('keeps boxes overlapping at or under the threshold', () => {
    expect(nms([box(0, 0, 10, 10, 0.9), box(5, 0, 15, 10, 0.8)], 0.33)).toHaveLength(1);
    expect(nms([box(0, 0, 10, 10, 0.9), box(5, 0, 15, 10, 0.8)], 0.5)).toHaveLength(2);
  });

  it('handles no boxes and caps the count', () => {
    expect(nms([], 0.5)).toEqual([]);
    expect(nms([box(0, 0, 1, 1, 0.1), box(5, 5, 6, 6, 0.2), box(9, 9, 10, 10, 0.3)], 0.5, 2).map((b) => b.score)).toEqual([0.3, 0.2]);
  });
});
