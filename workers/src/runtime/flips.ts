/** Mirrored passes of a segmentation or density model (the card's `runtime.flips`): the mirrors, and their outputs summed back. */
import ort from 'onnxruntime-node';
import type { Flips } from './card';

/** A mirror: left-right (x), top-bottom (y), or both. */
export interface Mirror {
  x: boolean;
  y: boolean;
}

/** The passes besides the image itself. */
export function mirrorsOf(flips: Flips): Mirror[] {
  if (flips === 'none') return [];
  if (flips === 'horizontal') return [{ x: true, y: false }];
  return [
    { x: true, y: false },
    { x: false, y: true },
    { x: true, y: true },
  ];
}

/**
 * The mirrors of an NCHW input tensor (N = 1), one per mirror, in buffers `spare` hands out when it has one of the
 * right size. Cut before the input's own buffer moves to a session.
 */
export function mirroredInputs(tensor: ort.Tensor, mirrors: readonly Mirror[], spare: () => Float32Array | undefined = () => undefined): ort.Tensor[] {
  const [, channels, height, width] = tensor.dims as [number, number, number, number];
  const data = tensor.data as Float32Array;
  return mirrors.map((m) => new ort.Tensor('float32', mirrorPlanes(data, channels, height, width, m, spare()), tensor.dims));
}

/** `planes` planes of h × w values (NCHW with N = 1), each mirrored, into `out` (allocated when absent or of the wrong size). */
export function mirrorPlanes(src: Float32Array, planes: number, h: number, w: number, m: Mirror, out?: Float32Array): Float32Array {
  const dst = out?.length === src.length ? out : new Float32Array(src.length);
  for (let p = 0; p < planes; p++) {
    for (let y = 0; y < h; y++) {
      const from = (p * h + (m.y ? h - 1 - y : y)) * w;
      const to = (p * h + y) * w;
      if (!m.x) {
        dst.set(src.subarray(from, from + w), to);
        continue;
      }
      for (let x = 0, back = from + w - 1; x < w; x++, back--) dst[to + x] = src[back]!;
    }
  }
  return dst;
}

/**
 * Adds the output of a mirrored pass, mirrored back, to `sum`. For logits a sum rather than a mean: the argmax and
 * the bilinear sampling of the decoder are the same for both (a density map is divided by the passes afterwards).
 * Exact for outputs at a stride of the input (each output cell covers the mirror of a cell), which is what
 * segmentation and density nets give.
 */
export function addMirrored(sum: Float32Array, logits: Float32Array, planes: number, h: number, w: number, m: Mirror): void {
  if (logits.length !== sum.length) throw new Error(`sorties de tailles différentes selon la passe : ${logits.length} et ${sum.length} valeurs`);
  for (let p = 0; p < planes; p++) {
    for (let y = 0; y < h; y++) {
      const from = (p * h + (m.y ? h - 1 - y : y)) * w;
      const to = (p * h + y) * w;
      if (m.x) for (let x = 0, back = from + w - 1; x < w; x++, back--) sum[to + x]! += logits[back]!;
      else for (let x = 0; x < w; x++) sum[to + x]! += logits[from + x]!;
    }
  }
}
