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
 */
export function forEachRegion(
  width: number,
  height: number,
  member: (p: number) => boolean,
  collectMax: number,
  onRegion: (region: RegionVisit) => void,
  visited: Uint8Array = new Uint8Array(width * height),
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
      size++;
      if (collected < collectMax) {
        if (collected === pixels.length) {
          const grown = new Int32Array(Math.min(collectMax, n, pixels.length * 2));
          grown.set(pixels);
          pixels = grown;
        }
        pixels[collected++] = p;
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
