import { expectDims, type OutputTensor } from '../detection';

export interface DensityResult {
  /** Σ of the map per channel (one channel per class; the usual export has one) */
  counts: number[];
  total: number;
  map: Float32Array;
  width: number;
  height: number;
}

/**
 * [1, K, h, w] density → counts. The contract is that the map sums to the count, so the sum runs
 * over the whole map, letterbox padding included (a trained model puts ~0 there). Negative values
 * (a linear head's noise) count as 0.
 */
export function decodeDensityMap(output: OutputTensor): DensityResult {
  expectDims('density-map', output.dims, 4);
  const [, k, h, w] = output.dims as [number, number, number, number];
  const plane = h * w;
  const counts: number[] = [];
  for (let c = 0; c < k; c++) {
    let sum = 0;
    for (let p = c * plane, end = p + plane; p < end; p++) {
      const v = output.data[p]!;
      if (v > 0) sum += v;
    }
    counts.push(sum);
  }
  return { counts, total: counts.reduce((a, b) => a + b, 0), map: output.data, width: w, height: h };
}
