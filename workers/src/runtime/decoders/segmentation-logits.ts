import { expectDims, type OutputTensor } from '../detection';
import type { LetterboxTransform } from '../preprocess';

/** One class id per pixel, row-major. */
export interface ClassMap {
  classes: Uint8Array;
  width: number;
  height: number;
}

export interface SegmentationDecodeOptions {
  inputWidth: number;
  inputHeight: number;
  /** when given, the map is sampled back onto the source image (padding cropped, resize undone) */
  transform?: LetterboxTransform;
  /** the argmax at output resolution when the graph gives it (pixel-graph.ts), one class per cell */
  argmax?: Uint8Array;
}

/**
 * [1, C, H, W] logits → per-pixel argmax. Without a transform, the map stays at output resolution.
 * With one, each source pixel takes the argmax of the logits bilinearly sampled at its centre, so a
 * model with a coarser output (stride 2, 4…) still gives smooth class borders at source resolution.
 */
export function decodeSegmentationLogits(output: OutputTensor, options: SegmentationDecodeOptions): ClassMap {
  expectDims('segmentation-logits', output.dims, 4);
  const [, nc, oh, ow] = output.dims as [number, number, number, number];
  if (nc > 255) throw new Error(`segmentation-logits: ${nc} classes, 255 au plus`);
  const { data } = output;
  const plane = oh * ow;
  const t = options.transform;
  // argmax at output resolution: the map itself without a transform, the shortcut below with one
  const cells = options.argmax?.length === plane ? options.argmax : argmaxPlanes(data, nc, plane);
  if (!t) return { classes: cells, width: ow, height: oh };

  const { sourceWidth: sw, sourceHeight: sh } = t;
  const fx = ow / options.inputWidth;
  const fy = oh / options.inputHeight;
  const axis = (n: number, scale: number, pad: number, f: number, size: number) => {
    const i0 = new Int32Array(n);
    const i1 = new Int32Array(n);
    const w = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const o = Math.min(Math.max(((i + 0.5) * scale + pad) * f - 0.5, 0), size - 1);
      i0[i] = Math.floor(o);
      i1[i] = Math.min(i0[i]! + 1, size - 1);
      w[i] = o - i0[i]!;
    }
    return { i0, i1, w };
  };
  const xs = axis(sw, t.scaleX, t.padX, fx, ow);
  const ys = axis(sh, t.scaleY, t.padY, fy, oh);
  // source pixels of output column cx: [xStart[cx], xStart[cx + 1]) (xs.i0 never decreases)
  const xStart = new Int32Array(ow + 1).fill(sw);
  for (let x = sw - 1; x >= 0; x--) xStart[xs.i0[x]!] = x;
  for (let cx = ow - 1; cx >= 0; cx--) xStart[cx] = Math.min(xStart[cx]!, xStart[cx + 1]!);
  // A border cell's candidates: its first corner's class and each class that reaches it at some corner. Sampled
  // logits are weighted means of the corners', the same weights for every class, so a class below that one at all
  // four corners is below it everywhere in the cell and never wins there: most border pixels weigh 2 or 3 classes.
  const candidates = new Uint8Array(ow * nc);
  const candidateCount = new Uint8Array(ow);
  const gather = (cx: number, r0: number, r1: number) => {
    const cx1 = Math.min(cx + 1, ow - 1);
    const ref = cells[r0 + cx]! * plane;
    const a = r0 + cx;
    const b = r0 + cx1;
    const c0 = r1 + cx;
    const d = r1 + cx1;
    let n = 0;
    for (let c = 0, base = 0; c < nc; c++, base += plane) {
      if (base === ref || data[base + a]! >= data[ref + a]! || data[base + b]! >= data[ref + b]! || data[base + c0]! >= data[ref + c0]! || data[base + d]! >= data[ref + d]!) {
        candidates[cx * nc + n++] = c;
      }
    }
    candidateCount[cx] = n;
  };
  const blend = (x: number, r0: number, r1: number, wy: number) => {
    const cx = xs.i0[x]!;
    const a = r0 + cx;
    const b = r0 + xs.i1[x]!;
    const c0 = r1 + cx;
    const d = r1 + xs.i1[x]!;
    const wx = xs.w[x]!;
    let best = 0;
    let value = -Infinity;
    for (let k = cx * nc, end = k + candidateCount[cx]!; k < end; k++) {
      const c = candidates[k]!;
      const base = c * plane;
      const top = data[base + a]! + (data[base + b]! - data[base + a]!) * wx;
      const bottom = data[base + c0]! + (data[base + d]! - data[base + c0]!) * wx;
      const v = top + (bottom - top) * wy;
      if (v > value) {
        value = v;
        best = c;
      }
    }
    return best;
  };
  // Source rows between the same two output rows (a band) differ only at class borders: a class that wins at a
  // cell's four corners wins everywhere between them. The band's first row is filled by runs of such cells and
  // interpolated elsewhere; its other rows copy it and interpolate again only those border pixels.
  const classes = new Uint8Array(sw * sh);
  const uniform = new Uint8Array(ow); // per output column in the band: 1 + the corners' class, 0 at a border
  const border = new Int32Array(sw);
  let borders = 0;
  let band = -1;
  for (let y = 0; y < sh; y++) {
    const r0 = ys.i0[y]! * ow;
    const r1 = ys.i1[y]! * ow;
    const wy = ys.w[y]!;
    const row = y * sw;
    if (ys.i0[y] === band) {
      classes.copyWithin(row, row - sw, row);
      for (let k = 0; k < borders; k++) classes[row + border[k]!] = blend(border[k]!, r0, r1, wy);
      continue;
    }
    band = ys.i0[y]!;
    for (let cx = 0; cx < ow; cx++) {
      const cx1 = Math.min(cx + 1, ow - 1);
      const corner = cells[r0 + cx]!;
      uniform[cx] = corner === cells[r0 + cx1] && corner === cells[r1 + cx] && corner === cells[r1 + cx1] ? corner + 1 : 0;
    }
    borders = 0;
    for (let cx = 0; cx < ow; ) {
      const run = uniform[cx]!;
      if (run === 0) {
        gather(cx, r0, r1);
        for (let x = xStart[cx]!; x < xStart[cx + 1]!; x++) {
          border[borders++] = x;
          classes[row + x] = blend(x, r0, r1, wy);
        }
        cx++;
        continue;
      }
      let end = cx + 1;
      while (end < ow && uniform[end] === run) end++;
      classes.fill(run - 1, row + xStart[cx]!, row + xStart[end]!);
      cx = end;
    }
  }
  return { classes, width: sw, height: sh };
}

/** Per cell, the first class with the highest logit. */
function argmaxPlanes(data: OutputTensor['data'], nc: number, plane: number): Uint8Array {
  const classes = new Uint8Array(plane);
  for (let p = 0; p < plane; p++) {
    let best = 0;
    let value = data[p]!;
    for (let c = 1; c < nc; c++) {
      const v = data[c * plane + p]!;
      if (v > value) {
        value = v;
        best = c;
      }
    }
    classes[p] = best;
  }
  return classes;
}
