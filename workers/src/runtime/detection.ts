import type { LetterboxTransform } from './preprocess';

/** A box in source-image pixels (x right, y down), after undoing the letterbox. */
export interface Detection {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  score: number;
  classId: number;
}

/** An output tensor as decoders see it: flat data and its dims. */
export interface OutputTensor {
  data: Float32Array;
  dims: readonly number[];
}

export interface BoxDecodeOptions {
  numClasses: number;
  scoreThreshold: number;
  transform: LetterboxTransform;
  /** keep at most this many candidates (best first) before NMS; Ultralytics uses 30 000 */
  maxCandidates?: number;
}

/**
 * Pushes a box given by its centre and size in model-input pixels, mapped back to the source and
 * clipped to it. Boxes that end up empty (entirely in the padding) are dropped.
 */
export function pushSourceBox(
  out: Detection[],
  t: LetterboxTransform,
  cx: number,
  cy: number,
  w: number,
  h: number,
  score: number,
  classId: number,
): void {
  const x1 = clamp((cx - w / 2 - t.padX) / t.scaleX, t.sourceWidth);
  const x2 = clamp((cx + w / 2 - t.padX) / t.scaleX, t.sourceWidth);
  const y1 = clamp((cy - h / 2 - t.padY) / t.scaleY, t.sourceHeight);
  const y2 = clamp((cy + h / 2 - t.padY) / t.scaleY, t.sourceHeight);
  if (x2 > x1 && y2 > y1) out.push({ x1, y1, x2, y2, score, classId });
}

function clamp(v: number, max: number): number {
  return v < 0 ? 0 : v > max ? max : v;
}

export function keepBest(candidates: Detection[], max: number | undefined): Detection[] {
  if (max === undefined || candidates.length <= max) return candidates;
  return candidates.sort((a, b) => b.score - a.score).slice(0, max);
}

export function expectDims(format: string, dims: readonly number[], rank: number): void {
  if (dims.length !== rank) {
    throw new Error(`${format}: sortie de rang ${dims.length}, attendu ${rank} (${dims.join('×')})`);
  }
}
