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
 * The mirrors of an input tensor, one per mirror: float NCHW (N = 1), or the uint8 NHWC pixels of a graph that
 * normalises itself. In buffers `spare` hands out when it has one of the right size. Cut before the input's own
 * buffer moves to a session.
 */
export function mirroredInputs<T extends Float32Array | Uint8Array>(tensor: ort.Tensor, mirrors: readonly Mirror[], spare: () => T | undefined = () => undefined): ort.Tensor[] {
  const data = tensor.data as T;
  if (tensor.type === 'uint8') {
    const [, height, width, channels] = tensor.dims as [number, number, number, number];
    return mirrors.map((m) => new ort.Tensor('uint8', mirrorPlanes(data, 1, height, width, m, spare(), channels), tensor.dims));
  }
  const [, channels, height, width] = tensor.dims as [number, number, number, number];
  return mirrors.map((m) => new ort.Tensor('float32', mirrorPlanes(data, channels, height, width, m, spare()), tensor.dims));
}

/**
 * `planes` planes of h × w pixels of `depth` interleaved values (NCHW: depth 1; NHWC: one plane), each mirrored,
 * into `out` (allocated when absent or of the wrong size).
 */
export function mirrorPlanes<T extends Float32Array | Uint8Array>(src: T, planes: number, h: number, w: number, m: Mirror, out?: T, depth = 1): T {
  const dst = out?.length === src.length ? out : (new (src.constructor as new (n: number) => T)(src.length));
  const row = w * depth;
  for (let p = 0; p < planes; p++) {
    for (let y = 0; y < h; y++) {
      const from = (p * h + (m.y ? h - 1 - y : y)) * row;
      const to = (p * h + y) * row;
      if (!m.x) {
        dst.set(src.subarray(from, from + row), to);
        continue;
      }
      for (let x = 0, back = from + row - depth; x < row; x += depth, back -= depth) {
        for (let k = 0; k < depth; k++) dst[to + x + k] = src[back + k]!;
      }
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
