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
  const classes = new Uint8Array(sw * sh);
  for (let y = 0; y < sh; y++) {
    const r0 = ys.i0[y]! * ow;
    const r1 = ys.i1[y]! * ow;
    const wy = ys.w[y]!;
    for (let x = 0; x < sw; x++) {
      const a = r0 + xs.i0[x]!;
      const b = r0 + xs.i1[x]!;
      const c0 = r1 + xs.i0[x]!;
      const d = r1 + xs.i1[x]!;
      // a class that wins at the four corners wins their convex combination: no need to interpolate
      const corner = cells[a]!;
      if (corner === cells[b] && corner === cells[c0] && corner === cells[d]) {
        classes[y * sw + x] = corner;
        continue;
      }
      const wx = xs.w[x]!;
      let best = 0;
      let value = -Infinity;
      for (let c = 0, base = 0; c < nc; c++, base += plane) {
        const top = data[base + a]! + (data[base + b]! - data[base + a]!) * wx;
        const bottom = data[base + c0]! + (data[base + d]! - data[base + c0]!) * wx;
        const v = top + (bottom - top) * wy;
        if (v > value) {
          value = v;
          best = c;
        }
      }
      classes[y * sw + x] = best;
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
