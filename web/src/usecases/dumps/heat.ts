/**
 * The zoomed-out heat map of the detections as one image, computed once per loaded table.
 *
 * deck.gl's HeatmapLayer splats every point into a texture again on each view change: over 50,000
 * detections a laptop without a GPU (or Chromium's software WebGL) stalled for seconds per frame while
 * panning. Here the density is binned and blurred on the CPU once (O(n) plus a few passes over at most
 * HEAT_SIZE² cells), and the map only draws one textured quad, whatever the number of detections.
 */

/** Longest side of the density image, in cells. */
export const HEAT_SIZE = 512;
/** A cell is never smaller than this, so a small territory does not turn into single-detection dots. */
const MIN_CELL_M = 25;
/** Blur radius in cells (three box passes approximate a Gaussian of about this width). */
const BLUR_CELLS = 3;
/** Densities below this share of the maximum stay transparent, so the map remains readable. */
const THRESHOLD = 0.05;
/** Warm colours from low to high density (YlOrRd). */
const RAMP: [number, number, number][] = [
  [255, 237, 160],
  [254, 217, 118],
  [254, 178, 76],
  [253, 141, 60],
  [240, 59, 32],
  [189, 0, 38],
];

export interface HeatImage {
  width: number;
  height: number;
  /** RGBA, row 0 at the north */
  pixels: Uint8ClampedArray;
  /** west, south, east, north in degrees; the image is linear in Web Mercator between them */
  bounds: [number, number, number, number];
}

const mercatorY = (lat: number) => Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360));
const latitudeOf = (y: number) => (360 / Math.PI) * Math.atan(Math.exp(y)) - 90;

/** Density of `weights` at `positions` (lon, lat pairs) as a colour image; null when there is nothing to draw. */
export function heatImage(positions: Float64Array, weights: Float32Array): HeatImage | null {
  const n = weights.length;
  if (n === 0) return null;
  let west = Infinity, east = -Infinity, south = Infinity, north = -Infinity;
  for (let i = 0; i < n; i++) {
    const lon = positions[i * 2]!, lat = positions[i * 2 + 1]!;
    if (lon < west) west = lon;
    if (lon > east) east = lon;
    if (lat < south) south = lat;
    if (lat > north) north = lat;
  }
  // cell size in Mercator units (radians of longitude): at most HEAT_SIZE cells on the long side,
  // never under MIN_CELL_M on the ground; a margin of the blur's reach on every side
  const rad = Math.PI / 180;
  const metresPerUnit = 6_378_137 * Math.cos(((south + north) / 2) * rad);
  const spanX = (east - west) * rad, spanY = mercatorY(north) - mercatorY(south);
  const cell = Math.max(Math.max(spanX, spanY) / (HEAT_SIZE - 6 * BLUR_CELLS), MIN_CELL_M / metresPerUnit);
  const x0 = west * rad - 3 * BLUR_CELLS * cell, yTop = mercatorY(north) + 3 * BLUR_CELLS * cell;
  const width = Math.ceil(spanX / cell) + 6 * BLUR_CELLS + 1, height = Math.ceil(spanY / cell) + 6 * BLUR_CELLS + 1;

  const grid = new Float32Array(width * height);
  for (let i = 0; i < n; i++) {
    const cx = Math.floor((positions[i * 2]! * rad - x0) / cell);
    const cy = Math.floor((yTop - mercatorY(positions[i * 2 + 1]!)) / cell);
    grid[cy * width + cx]! += weights[i]!;
  }
  const scratch = new Float32Array(width * height);
  for (let pass = 0; pass < 3; pass++) {
    boxBlur(grid, scratch, width, height, 1, width, BLUR_CELLS);
    boxBlur(scratch, grid, height, width, width, 1, BLUR_CELLS);
  }

  let max = 0;
  for (const v of grid) if (v > max) max = v;
  const pixels = new Uint8ClampedArray(width * height * 4);
  for (let k = 0; k < grid.length; k++) {
    const t = grid[k]! / max;
    if (t < THRESHOLD) continue;
    const at = Math.min(RAMP.length - 1, ((t - THRESHOLD) / (1 - THRESHOLD)) * (RAMP.length - 1));
    const lo = RAMP[Math.floor(at)]!, hi = RAMP[Math.ceil(at)]!, f = at - Math.floor(at);
    pixels[k * 4] = lo[0] + (hi[0] - lo[0]) * f;
    pixels[k * 4 + 1] = lo[1] + (hi[1] - lo[1]) * f;
    pixels[k * 4 + 2] = lo[2] + (hi[2] - lo[2]) * f;
    // fades in over the low end, opaque enough at the top to read over an orthophoto
    pixels[k * 4 + 3] = 230 * Math.min(1, (t - THRESHOLD) / 0.25);
  }
  const x1 = x0 + width * cell, yBottom = yTop - height * cell;
  return { width, height, pixels, bounds: [x0 / rad, latitudeOf(yBottom), x1 / rad, latitudeOf(yTop)] };
}

/**
 * One running-sum box blur along one axis: `lines` lines of `length` cells, consecutive lines `lineStep`
 * apart and cells `cellStep` apart (rows: 1 and width; columns: the reverse). Edges count as zero.
 */
function boxBlur(src: Float32Array, dst: Float32Array, length: number, lines: number, cellStep: number, lineStep: number, radius: number) {
  const norm = 1 / (2 * radius + 1);
  for (let line = 0; line < lines; line++) {
    const base = line * lineStep;
    let sum = 0;
    for (let i = 0; i < Math.min(radius, length); i++) sum += src[base + i * cellStep]!;
    for (let i = 0; i < length; i++) {
      if (i + radius < length) sum += src[base + (i + radius) * cellStep]!;
      if (i - radius - 1 >= 0) sum -= src[base + (i - radius - 1) * cellStep]!;
      dst[base + i * cellStep] = sum * norm;
    }
  }
}
