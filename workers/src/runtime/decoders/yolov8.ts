import { expectDims, keepBest, pushSourceBox, type BoxDecodeOptions, type Detection, type OutputTensor } from '../detection';

/**
 * Ultralytics export (YOLOv8, YOLO11): [1, 4 + nc, N], channel-major. Rows 0–3 are cx, cy, w, h in
 * model-input pixels; rows 4… are sigmoided class scores; no objectness. One box per anchor with
 * its best class, as Ultralytics' NMS does by default.
 */
export function decodeYolov8(output: OutputTensor, options: BoxDecodeOptions): Detection[] {
  expectDims('yolov8', output.dims, 3);
  const [, rows, n] = output.dims as [number, number, number];
  const nc = options.numClasses;
  if (rows !== 4 + nc) throw new Error(`yolov8: ${rows} lignes, attendu 4 + ${nc} classes`);
  const { data } = output;
  const threshold = options.scoreThreshold;
  const out: Detection[] = [];
  for (let i = 0; i < n; i++) {
    let best = -1;
    let score = threshold;
    for (let c = 0; c < nc; c++) {
      const s = data[(4 + c) * n + i]!;
      if (s > score || (s === score && best < 0 && s > 0)) {
        score = s;
        best = c;
      }
    }
    if (best < 0) continue;
    pushSourceBox(out, options.transform, data[i]!, data[n + i]!, data[2 * n + i]!, data[3 * n + i]!, score, best);
  }
  return keepBest(out, options.maxCandidates);
}
