import { describe, expect, it } from 'vitest';
import {
  decodeDensityMap,
  decodeSegmentationLogits,
  decodeYolov8,
  decodeYolox,
  letterboxTransform,
  yoloxAnchorCount,
} from '@vigie/workers/runtime';
import { card, identity } from './helpers';

const near = (v: number) => expect.closeTo(v, 5);

/** [1, 4 + nc, N] from per-anchor rows [cx, cy, w, h, ...scores]. */
function yolov8Tensor(anchors: number[][], nc: number) {
  const n = anchors.length;
  const data = new Float32Array((4 + nc) * n);
  anchors.forEach((row, i) => row.forEach((v, r) => (data[r * n + i] = v)));
  return { data, dims: [1, 4 + nc, n] };
}

describe('yolov8 decoder', () => {
  const options = { numClasses: 2, scoreThreshold: 0.25, transform: identity() };

  it('finds nothing in an empty output or below the threshold', () => {
    expect(decodeYolov8({ data: new Float32Array(0), dims: [1, 6, 0] }, options)).toEqual([]);
    expect(decodeYolov8(yolov8Tensor([[32, 32, 10, 10, 0.2, 0.1], [10, 10, 4, 4, 0.249, 0]], 2), options)).toEqual([]);
  });

  it('transposes, keeps the best class and converts centre/size to corners', () => {
    const out = decodeYolov8(yolov8Tensor([[0, 0, 1, 1, 0, 0], [32, 20, 10, 6, 0.3, 0.9]], 2), options);
    expect(out).toEqual([{ x1: 27, y1: 17, x2: 37, y2: 23, score: expect.closeTo(0.9, 6), classId: 1 }]);
  });

  it('undoes a centred letterbox', () => {
    // 128 × 64 source into 64 × 64: scale 0.5, resized 64 × 32, 16 px of padding above and below.
    const t = letterboxTransform(card(), 128, 64);
    expect(t).toMatchObject({ scaleX: 0.5, scaleY: 0.5, padX: 0, padY: 16 });
    const [box] = decodeYolov8(yolov8Tensor([[32, 32, 20, 10, 0.8, 0]], 2), { ...options, transform: t });
    expect(box).toMatchObject({ x1: 44, y1: 22, x2: 84, y2: 42 });
  });

  it('undoes a top-left letterbox and clips to the source', () => {
    const t = letterboxTransform(card({}, { resize: 'letterbox-topleft' }), 128, 64);
    expect(t).toMatchObject({ padX: 0, padY: 0 });
    const [box] = decodeYolov8(yolov8Tensor([[32, 32, 20, 10, 0.8, 0]], 2), { ...options, transform: t });
    expect(box).toMatchObject({ x1: 44, y1: 54, x2: 84, y2: 64 });
  });

  it('drops boxes lying wholly in the padding', () => {
    const t = letterboxTransform(card(), 128, 64);
    expect(decodeYolov8(yolov8Tensor([[32, 5, 10, 8, 0.9, 0]], 2), { ...options, transform: t })).toEqual([]);
  });

  it('undoes a stretch with different x and y scales', () => {
    const t = letterboxTransform(card({}, { resize: 'stretch' }), 128, 32);
    const [box] = decodeYolov8(yolov8Tensor([[32, 32, 16, 16, 0.8, 0]], 2), { ...options, transform: t });
    expect(box).toMatchObject({ x1: 48, y1: 12, x2: 80, y2: 20 });
  });

  it('refuses a tensor that contradicts the class count', () => {
    expect(() => decodeYolov8(yolov8Tensor([[1, 1, 1, 1, 1, 1, 1]], 3), options)).toThrow(/4 \+ 2/);
  });
});

describe('yolox decoder', () => {
  const strides = [8, 16, 32];
  const n = yoloxAnchorCount(64, 64, strides);
  const base = { numClasses: 2, scoreThreshold: 0.25, transform: identity(), strides, inputWidth: 64, inputHeight: 64 };
  const tensor = (rows: Record<number, number[]>) => {
    const data = new Float32Array(n * 7);
    for (const [anchor, row] of Object.entries(rows)) data.set(row, Number(anchor) * 7);
    return { data, dims: [1, n, 7] };
  };

  it('counts anchors over strides 8/16/32', () => {
    expect(n).toBe(64 + 16 + 4);
    expect(yoloxAnchorCount(640, 640, strides)).toBe(8400);
  });

  it('decodes raw grid outputs: (out + cell) × stride, exp(out) × stride, obj × cls', () => {
    // Anchor 8 * 2 + 3 = 19 is stride-8 cell (3, 2); anchor 64 + 4 + 1 = 69 is stride-16 cell (1, 1).
    const out = decodeYolox(
      tensor({
        19: [0.5, 0.5, Math.log(2), Math.log(1), 0.9, 0.5, 1],
        69: [0, 0, 0, 0, 0.5, 0.8, 0],
      }),
      { ...base, decodeInGraph: false },
    );
    expect(out).toHaveLength(2);
    expect(out[0]).toMatchObject({ x1: near(20), y1: near(16), x2: near(36), y2: near(24), classId: 1 });
    expect(out[0]!.score).toBeCloseTo(0.9, 6);
    expect(out[1]).toMatchObject({ x1: 8, y1: 8, x2: 24, y2: 24, classId: 0 });
    expect(out[1]!.score).toBeCloseTo(0.4, 6);
  });

  it('skips low objectness and low obj × cls', () => {
    expect(decodeYolox(tensor({ 0: [0, 0, 0, 0, 0.2, 1, 1], 1: [0, 0, 0, 0, 0.9, 0.2, 0.1] }), { ...base, decodeInGraph: false })).toEqual([]);
    expect(decodeYolox(tensor({}), { ...base, decodeInGraph: false })).toEqual([]);
  });

  it('reads boxes as decoded when the graph did it', () => {
    const [box] = decodeYolox(tensor({ 5: [30, 30, 10, 20, 1, 0.7, 0] }), { ...base, decodeInGraph: true });
    expect(box).toMatchObject({ x1: 25, y1: 20, x2: 35, y2: 40, classId: 0 });
  });

  it('maps back through a top-left letterbox (the YOLOX convention)', () => {
    const t = letterboxTransform(card({}, { resize: 'letterbox-topleft' }), 32, 16); // × 2, pad right and below
    const [box] = decodeYolox(tensor({ 5: [30, 10, 10, 8, 1, 0.7, 0] }), { ...base, transform: t, decodeInGraph: true });
    expect(box).toMatchObject({ x1: 12.5, y1: 3, x2: 17.5, y2: 7 });
  });

  it('refuses an anchor count that does not match the strides', () => {
    expect(() => decodeYolox({ data: new Float32Array(70), dims: [1, 10, 7] }, { ...base, decodeInGraph: false })).toThrow(/84/);
  });
});

describe('segmentation-logits decoder', () => {
  // 2 classes on a 4 × 2 output: class 1 wins on the right half.
  const logits = {
    data: Float32Array.from([
      ...[1, 1, 0, 0, 1, 1, 0, 0], // class 0
      ...[0, 0, 1, 1, 0, 0, 1, 1], // class 1
    ]),
    dims: [1, 2, 2, 4],
  };

  it('takes the argmax per pixel at output resolution', () => {
    const map = decodeSegmentationLogits(logits, { inputWidth: 4, inputHeight: 2 });
    expect([...map.classes]).toEqual([0, 0, 1, 1, 0, 0, 1, 1]);
    expect(map).toMatchObject({ width: 4, height: 2 });
  });

  it('takes the argmax the graph computed when it comes with the logits', () => {
    const argmax = Uint8Array.from([1, 1, 1, 1, 0, 0, 0, 0]); // not the logits' argmax: proves which one is read
    expect([...decodeSegmentationLogits(logits, { inputWidth: 4, inputHeight: 2, argmax }).classes]).toEqual([...argmax]);
    // one of the wrong size is ignored
    expect([...decodeSegmentationLogits(logits, { inputWidth: 4, inputHeight: 2, argmax: new Uint8Array(3) }).classes]).toEqual([0, 0, 1, 1, 0, 0, 1, 1]);
  });

  it('lets a class win between the corners where it wins at none of them', () => {
    // 2 × 2 cells, sampled at 4 × 4: class 0 strong on the left, class 1 on the right, class 2 second everywhere;
    // between the columns both fall to about 5 and class 2 (9) wins, a class the border's candidates must keep
    const t = { scaleX: 1, scaleY: 1, padX: 0, padY: 0, sourceWidth: 4, sourceHeight: 4 };
    const data = Float32Array.from([...[10, 0, 10, 0], ...[0, 10, 0, 10], ...[9, 9, 9, 9]]);
    const map = decodeSegmentationLogits({ data, dims: [1, 3, 2, 2] }, { inputWidth: 4, inputHeight: 4, transform: t });
    expect([...map.classes]).toEqual([0, 2, 2, 1, 0, 2, 2, 1, 0, 2, 2, 1, 0, 2, 2, 1]);
  });

  it('resizes back to the source and crops the letterbox padding', () => {
    // Source 8 × 2 letterboxed centred into 8 × 8 input (pad 3 rows above), output at stride 2 (4 × 4).
    const c = card({ task: 'segmentation', output: { name: 'logits', format: 'segmentation-logits' } }, { width: 8, height: 8 });
    const t = letterboxTransform(c, 8, 2);
    expect(t).toMatchObject({ scaleX: 1, scaleY: 1, padY: 3 });
    const data = new Float32Array(2 * 16);
    for (let y = 0; y < 4; y++) {
      for (let x = 0; x < 4; x++) data[16 + y * 4 + x] = x >= 2 ? 5 : -5; // class 1 on the right half
    }
    const map = decodeSegmentationLogits({ data, dims: [1, 2, 4, 4] }, { inputWidth: 8, inputHeight: 8, transform: t });
    expect(map).toMatchObject({ width: 8, height: 2 });
    expect([...map.classes]).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1]);
  });

  it.each([
    ['a 64 × 48 source stretched to the input', { scaleX: 1, scaleY: 64 / 48, padX: 0, padY: 0, sourceWidth: 64, sourceHeight: 48 }],
    ['a 50 × 30 source letterboxed (pad above and below)', { scaleX: 64 / 50, scaleY: 64 / 50, padX: 0, padY: 13, sourceWidth: 50, sourceHeight: 30 }],
    ['a 10 × 8 source, smaller than the output', { scaleX: 6.4, scaleY: 8, padX: 0, padY: 0, sourceWidth: 10, sourceHeight: 8 }],
  ])('gives at source resolution the argmax of the bilinearly sampled logits, pixel for pixel: %s', (_, t) => {
    // 5 classes at stride 4 on a 64 × 64 input: blobs of one class, and borders where the corners disagree (where
    // the decoder must interpolate rather than take the corners' class); rows between the same output rows share
    // their uniform cells, which the decoder copies from one row to the next
    const nc = 5, ow = 16, oh = 16, plane = ow * oh;
    const { sourceWidth: sw, sourceHeight: sh } = t;
    const data = new Float32Array(nc * plane);
    let seed = 3;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) >>> 0) / 2 ** 32);
    for (let p = 0; p < plane; p++) {
      const blob = ((p % ow) >> 2) + ((p / ow) >> 2);
      for (let k = 0; k < nc; k++) data[k * plane + p] = (k === blob % nc ? 2 : 0) + random() * 1.5;
    }
    const map = decodeSegmentationLogits({ data, dims: [1, nc, oh, ow] }, { inputWidth: 64, inputHeight: 64, transform: t });
    expect(map).toMatchObject({ width: sw, height: sh });
    let interpolated = 0, mixed = 0;
    for (let y = 0; y < sh; y++) {
      for (let x = 0; x < sw; x++) {
        const ox = Math.min(Math.max(((x + 0.5) * t.scaleX + t.padX) * (ow / 64) - 0.5, 0), ow - 1);
        const oy = Math.min(Math.max(((y + 0.5) * t.scaleY + t.padY) * (oh / 64) - 0.5, 0), oh - 1);
        const x0 = Math.floor(ox), y0 = Math.floor(oy), x1 = Math.min(x0 + 1, ow - 1), y1 = Math.min(y0 + 1, oh - 1);
        const value = (k: number) => {
          const at = (xx: number, yy: number) => data[k * plane + yy * ow + xx]!;
          const top = at(x0, y0) + (at(x1, y0) - at(x0, y0)) * (ox - x0), bottom = at(x0, y1) + (at(x1, y1) - at(x0, y1)) * (ox - x0);
          return top + (bottom - top) * (oy - y0);
        };
        let best = 0;
        for (let k = 1; k < nc; k++) if (value(k) > value(best)) best = k;
        expect(map.classes[y * sw + x], `pixel ${x}, ${y}`).toBe(best);
        const corner = (xx: number, yy: number) => {
          let b = 0;
          for (let k = 1; k < nc; k++) if (data[k * plane + yy * ow + xx]! > data[b * plane + yy * ow + xx]!) b = k;
          return b;
        };
        const corners = new Set([corner(x0, y0), corner(x1, y0), corner(x0, y1), corner(x1, y1)]);
        if (corners.size > 1) {
          mixed++;
          if (!corners.has(best) || best !== corner(Math.round(ox), Math.round(oy))) interpolated++;
        }
      }
    }
    // the test covers both paths: pixels whose corners agree, and mixed ones where interpolation decides
    expect(mixed).toBeGreaterThan(sw * sh * 0.1);
    expect(mixed).toBeLessThan(sw * sh * 0.8);
    expect(interpolated).toBeGreaterThan(0);
  });
});

describe('density-map decoder', () => {
  it('sums the map to the count', () => {
    const r = decodeDensityMap({ data: Float32Array.from([0.5, 0.25, 0.25, 2, 0, 0]), dims: [1, 1, 2, 3] });
    expect(r.total).toBeCloseTo(3, 6);
    expect(r.counts).toHaveLength(1);
    expect(r).toMatchObject({ width: 3, height: 2 });
  });

  it('counts an empty scene as zero and ignores negative noise', () => {
    expect(decodeDensityMap({ data: new Float32Array(4), dims: [1, 1, 2, 2] }).total).toBe(0);
    expect(decodeDensityMap({ data: Float32Array.from([-1, 1, 0, 0]), dims: [1, 1, 2, 2] }).total).toBe(1);
  });

  it('gives one count per channel', () => {
    const r = decodeDensityMap({ data: Float32Array.from([1, 1, 2, 2]), dims: [1, 2, 1, 2] });
    expect(r.counts).toEqual([2, 4]);
    expect(r.total).toBe(6);
  });
});
