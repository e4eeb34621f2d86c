/**
 * 4-connected regions of a raster, visited one by one without a label image (one byte per pixel of
 * bookkeeping): what the nomenclature thresholds and the change polygons are built on.
 */
export interface RegionVisit {
  /** the region's pixels (index y × width + x), in visiting order; only the first `collected` are valid */
  pixels: Int32Array;
  collected: number;
  /** number of pixels of the region */
  size: number;
  /** first pixel in raster order: its top and left sides are on the outer boundary */
  first: number;
}

/**
 * Calls `onRegion` for every maximal 4-connected set of pixels where `member(p)` holds. At most
 * `collectMax` pixels are collected per region (the size is always exact). `visited` must be zeroed.
 * With `counted`, regions still connect through every member pixel, but only the pixels where `counted(p)`
 * holds are sized and collected (the rest are the bridges of `bridgeGaps`).
 */
export function forEachRegion(
  width: number,
  height: number,
  member: (p: number) => boolean,
  collectMax: number,
  onRegion: (region: RegionVisit) => void,
  visited: Uint8Array = new Uint8Array(width * height),
  counted?: (p: number) => boolean,
): void {
  const n = width * height;
  let stack = new Int32Array(4096);
  // grown on demand up to collectMax: a change map's largest region is a small part of the territory
  let pixels = new Int32Array(Math.max(1, Math.min(collectMax, n, 1 << 16)));
  for (let start = 0; start < n; start++) {
    if (visited[start] || !member(start)) continue;
    visited[start] = 1;
    let top = 0;
    stack[top++] = start;
    let size = 0;
    let collected = 0;
    while (top > 0) {
      const p = stack[--top]!;
      // a bridge pixel (not counted) connects the region but is neither sized nor collected
      if (!counted || counted(p)) {
        size++;
        if (collected < collectMax) {
          if (collected === pixels.length) {
            const grown = new Int32Array(Math.min(collectMax, n, pixels.length * 2));
            grown.set(pixels);
            pixels = grown;
          }
          pixels[collected++] = p;
        }
      }
      const x = p % width;
      if (top + 4 > stack.length) {
        const grown = new Int32Array(stack.length * 2);
        grown.set(stack);
        stack = grown;
      }
      if (x > 0 && !visited[p - 1] && member(p - 1)) { visited[p - 1] = 1; stack[top++] = p - 1; }
      if (x < width - 1 && !visited[p + 1] && member(p + 1)) { visited[p + 1] = 1; stack[top++] = p + 1; }
      if (p >= width && !visited[p - width] && member(p - width)) { visited[p - width] = 1; stack[top++] = p - width; }
      if (p + width < n && !visited[p + width] && member(p + width)) { visited[p + width] = 1; stack[top++] = p + width; }
    }
    onRegion({ pixels, collected, size, first: start });
  }
}

/**
 * `mask` dilated by a square of `radius` pixels (1 where a set pixel lies within `radius` along both axes):
 * two pieces at most 2 × radius pixels apart touch in it. Separable running counts, per row then per column;
 * the column pass works in place, keeping the last 2 × radius + 1 rows of the row pass in a ring, so the
 * dilation costs one byte per pixel.
 */
export function bridgeGaps(mask: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  if (radius <= 0) return mask;
  const out = new Uint8Array(mask.length);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let count = 0;
    for (let x = 0; x < Math.min(radius, width); x++) count += mask[row + x]!;
    for (let x = 0; x < width; x++) {
      if (x + radius < width) count += mask[row + x + radius]!;
      if (x - radius - 1 >= 0) count -= mask[row + x - radius - 1]!;
      out[row + x] = count > 0 ? 1 : 0;
    }
  }
  const span = 2 * radius + 1;
  const ring = new Uint8Array(span * width);
  const counts = new Int32Array(width);
  const enter = (y: number) => {
    const from = y * width, slot = (y % span) * width;
    for (let x = 0; x < width; x++) counts[x]! += out[from + x]!;
    ring.set(out.subarray(from, from + width), slot);
  };
  for (let y = 0; y < Math.min(radius, height); y++) enter(y);
  for (let y = 0; y < height; y++) {
    // the row leaving the window first: the entering one takes its slot in the ring
    if (y - radius - 1 >= 0) {
      const slot = ((y - radius - 1) % span) * width;
      for (let x = 0; x < width; x++) counts[x]! -= ring[slot + x]!;
    }
    if (y + radius < height) enter(y + radius);
    // row y of the row pass is in the ring already: it can be overwritten
    for (let x = 0, r = y * width; x < width; x++) out[r + x] = counts[x]! > 0 ? 1 : 0;
  }
  return out;
}
