import { expectDims, keepBest, pushSourceBox, type BoxDecodeOptions, type Detection, type OutputTensor } from '../detection';

export interface YoloxDecodeOptions extends BoxDecodeOptions {
  /** true when the export already decoded boxes to input pixels */
  decodeInGraph: boolean;
  strides: readonly number[];
  inputWidth: number;
  inputHeight: number;
}

/** Number of anchors a YOLOX head has over an input: Σ over strides of (width/stride × height/stride). */
export function yoloxAnchorCount(inputWidth: number, inputHeight: number, strides: readonly number[]): number {
  return strides.reduce((n, s) => n + Math.floor(inputHeight / s) * Math.floor(inputWidth / s), 0);
}

/**
 * Megvii YOLOX export: [1, N, 5 + nc], anchor-major: reg (4), objectness, class scores, the last two
 * already sigmoided; score = obj × cls. Raw grid outputs (decode_in_inference=False) are decoded as
 * the YOLOX demo does: x, y = (out + grid cell) × stride, w, h = exp(out) × stride, anchors ordered
 * stride by stride, row by row.
 */
export function decodeYolox(output: OutputTensor, options: YoloxDecodeOptions): Detection[] {
  expectDims('yolox', output.dims, 3);
  const [, n, cols] = output.dims as [number, number, number];
  const nc = options.numClasses;
  if (cols !== 5 + nc) throw new Error(`yolox: ${cols} colonnes, attendu 5 + ${nc} classes`);
  const expected = yoloxAnchorCount(options.inputWidth, options.inputHeight, options.strides);
  if (!options.decodeInGraph && n !== expected) {
    throw new Error(`yolox: ${n} ancres, attendu ${expected} pour ${options.inputWidth}×${options.inputHeight} et les pas ${options.strides.join('/')}`);
  }
  const { data } = output;
  const threshold = options.scoreThreshold;
  const out: Detection[] = [];
  let anchor = 0;
  // Raw outputs walk the grids; decoded ones use a single pass with no grid.
  const levels = options.decodeInGraph ? [{ stride: 1, gw: n, gh: 1 }] : options.strides.map((stride) => ({
    stride,
    gw: Math.floor(options.inputWidth / stride),
    gh: Math.floor(options.inputHeight / stride),
  }));
  for (const { stride, gw, gh } of levels) {
    for (let gy = 0; gy < gh; gy++) {
      for (let gx = 0; gx < gw; gx++, anchor++) {
        const o = anchor * cols;
        const obj = data[o + 4]!;
        if (obj < threshold) continue; // cls ≤ 1, so obj × cls < threshold too
        let best = -1;
        let score = threshold;
        for (let c = 0; c < nc; c++) {
          const s = obj * data[o + 5 + c]!;
          if (s > score || (s === score && best < 0 && s > 0)) {
            score = s;
            best = c;
          }
        }
        if (best < 0) continue;
        if (options.decodeInGraph) {
          pushSourceBox(out, options.transform, data[o]!, data[o + 1]!, data[o + 2]!, data[o + 3]!, score, best);
        } else {
          pushSourceBox(
            out,
            options.transform,
            (data[o]! + gx) * stride,
            (data[o + 1]! + gy) * stride,
            Math.exp(data[o + 2]!) * stride,
            Math.exp(data[o + 3]!) * stride,
            score,
            best,
          );
        }
      }
    }
  }
  return keepBest(out, options.maxCandidates);
}
