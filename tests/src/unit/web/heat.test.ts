import { describe, expect, it } from 'vitest';
import { HEAT_SIZE, heatImage } from '@vigie/web/dumps/heat';

/** RGBA of the image pixel over (lon, lat): the image is linear in Web Mercator between its bounds. */
function pixelAt(heat: NonNullable<ReturnType<typeof heatImage>>, lon: number, lat: number) {
  const y = (l: number) => Math.log(Math.tan(Math.PI / 4 + (l * Math.PI) / 360));
  const [w, s, e, n] = heat.bounds;
  const col = Math.floor(((lon - w) / (e - w)) * heat.width);
  const row = Math.floor(((y(n) - y(lat)) / (y(n) - y(s))) * heat.height);
  return [...heat.pixels.subarray((row * heat.width + col) * 4, (row * heat.width + col) * 4 + 4)];
}

describe('dumps heat map image', () => {
  it('draws nothing without detections', () => {
    expect(heatImage(new Float64Array(), new Float32Array())).toBeNull();
  });

  it('is densest where detections cluster, faint at a lone one, transparent far from all', () => {
    // ten detections at one spot, one alone 5 km east, over a 10 km span
    const spots: [number, number][] = [...Array.from({ length: 10 }, (): [number, number] => [2.0, 49.05]), [2.07, 49.05], [2.14, 49.1]];
    const positions = new Float64Array(spots.flat());
    const heat = heatImage(positions, new Float32Array(spots.length).fill(1))!;
    expect(Math.max(heat.width, heat.height)).toBeLessThanOrEqual(HEAT_SIZE);
    expect(heat.pixels.length).toBe(heat.width * heat.height * 4);
    const [w, s, e, n] = heat.bounds;
    for (const [lon, lat] of spots) expect(lon > w && lon < e && lat > s && lat < n).toBe(true);
    const cluster = pixelAt(heat, 2.0, 49.05), lone = pixelAt(heat, 2.07, 49.05), empty = pixelAt(heat, 2.07, 49.09);
    expect(cluster[3]).toBeGreaterThan(200);
    // the top of the ramp is dark red, the low end pale yellow
    expect(cluster[1]).toBeLessThan(lone[1]!);
    expect(lone[3]).toBeGreaterThan(0);
    expect(empty[3]).toBe(0);
  });

  it('keeps cells of at least 25 m on a small territory', () => {
    const heat = heatImage(new Float64Array([2.0, 49.0, 2.001, 49.001]), new Float32Array([1, 1]))!;
    expect(heat.width).toBeLessThan(40);
  });
});
