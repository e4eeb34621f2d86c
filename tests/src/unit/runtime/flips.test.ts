import { describe, expect, it } from 'vitest';
import { addMirrored, mirrorPlanes, mirrorsOf } from '@vigie/workers/runtime';

/** Two planes of 2 × 3: plane p, row y, column x holds 100p + 10y + x. */
const planes = Float32Array.from([0, 1, 2, 10, 11, 12, 100, 101, 102, 110, 111, 112]);

/** 2 × 2 average pooling of each plane: a stand-in for a net whose logits come out at stride 2. */
function pool2(src: Float32Array, count: number, h: number, w: number): Float32Array {
  const out = new Float32Array(count * (h / 2) * (w / 2));
  for (let p = 0; p < count; p++) {
    for (let y = 0; y < h; y += 2) {
      for (let x = 0; x < w; x += 2) {
        const at = (yy: number, xx: number) => src[(p * h + yy) * w + xx]!;
        out[(p * (h / 2) + y / 2) * (w / 2) + x / 2] = (at(y, x) + at(y, x + 1) + at(y + 1, x) + at(y + 1, x + 1)) / 4;
      }
    }
  }
  return out;
}

describe('mirrored passes', () => {
  it('lists the passes besides the image itself', () => {
    expect(mirrorsOf('none')).toEqual([]);
    expect(mirrorsOf('horizontal')).toEqual([{ x: true, y: false }]);
    expect(mirrorsOf('both')).toEqual([
      { x: true, y: false },
      { x: false, y: true },
      { x: true, y: true },
    ]);
  });

  it('mirrors each plane left-right, top-bottom or both', () => {
    expect([...mirrorPlanes(planes, 2, 2, 3, { x: true, y: false })]).toEqual([2, 1, 0, 12, 11, 10, 102, 101, 100, 112, 111, 110]);
    expect([...mirrorPlanes(planes, 2, 2, 3, { x: false, y: true })]).toEqual([10, 11, 12, 0, 1, 2, 110, 111, 112, 100, 101, 102]);
    expect([...mirrorPlanes(planes, 2, 2, 3, { x: true, y: true })]).toEqual([12, 11, 10, 2, 1, 0, 112, 111, 110, 102, 101, 100]);
  });

  it('mirrors interleaved pixels (NHWC bytes) as it mirrors planes: each pixel keeps its bands in order', () => {
    // the two planes above, interleaved: pixel (y, x) holds [10y + x, 100 + 10y + x]
    const pixels = Uint8Array.from([0, 100, 1, 101, 2, 102, 10, 110, 11, 111, 12, 112]);
    const interleave = (p: Float32Array) => [0, 1, 2, 3, 4, 5].flatMap((i) => [p[i]!, p[6 + i]!]);
    for (const m of mirrorsOf('both')) {
      const mirrored = mirrorPlanes(pixels, 1, 2, 3, m, undefined, 2);
      expect(mirrored).toBeInstanceOf(Uint8Array);
      expect([...mirrored]).toEqual(interleave(mirrorPlanes(planes, 2, 2, 3, m)));
    }
  });

  it('writes into the buffer it is given when its size fits, and allocates otherwise', () => {
    const spare = new Float32Array(12);
    expect(mirrorPlanes(planes, 2, 2, 3, { x: true, y: false }, spare)).toBe(spare);
    expect(mirrorPlanes(planes, 2, 2, 3, { x: true, y: false }, new Float32Array(5))).toHaveLength(12);
  });

  it('adds a pass back in the image’s orientation: a mirrored copy added back doubles the original', () => {
    for (const m of mirrorsOf('both')) {
      const sum = planes.slice();
      addMirrored(sum, mirrorPlanes(planes, 2, 2, 3, m), 2, 2, 3, m);
      expect([...sum]).toEqual([...planes].map((v) => 2 * v));
    }
  });

  it('lines up outputs at a stride of the input: the pooled mirror, mirrored back, is the pooled image', () => {
    const h = 4, w = 6;
    const image = Float32Array.from({ length: 2 * h * w }, (_, i) => Math.sin(i * 1.7) * 10);
    const pooled = pool2(image, 2, h, w);
    for (const m of mirrorsOf('both')) {
      const sum = new Float32Array(pooled.length);
      addMirrored(sum, pool2(mirrorPlanes(image, 2, h, w, m), 2, h, w), 2, h / 2, w / 2, m);
      sum.forEach((v, i) => expect(v).toBeCloseTo(pooled[i]!, 5));
    }
  });

  it('refuses a pass whose output has another size', () => {
    expect(() => addMirrored(new Float32Array(12), new Float32Array(6), 2, 2, 3, { x: true, y: false })).toThrow(/tailles différentes/);
  });
});
