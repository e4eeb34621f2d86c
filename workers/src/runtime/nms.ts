import type { Detection } from './detection';

export function iou(a: Detection, b: Detection): number {
  const w = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  if (w <= 0) return 0;
  const h = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (h <= 0) return 0;
  const inter = w * h;
  return inter / ((a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter);
}

/**
 * Class-aware greedy NMS: best score first, a box is dropped when it overlaps a kept box of the same
 * class by more than `iouThreshold`. Returns the kept boxes, best first. `onSuppress` lets the chip
 * merge see which box absorbed which.
 */
export function nms<T extends Detection>(
  boxes: readonly T[],
  iouThreshold: number,
  maxDetections = Infinity,
  onSuppress?: (kept: T, dropped: T) => void,
): T[] {
  const order = [...boxes].sort((a, b) => b.score - a.score);
  const kept: T[] = [];
  const byClass = new Map<number, T[]>();
  for (const box of order) {
    if (kept.length >= maxDetections) break;
    const same = byClass.get(box.classId);
    const winner = same?.find((k) => iou(k, box) > iouThreshold);
    if (winner) {
      onSuppress?.(winner, box);
      continue;
    }
    kept.push(box);
    if (same) same.push(box);
    else byClass.set(box.classId, [box]);
  }
  return kept;
}
