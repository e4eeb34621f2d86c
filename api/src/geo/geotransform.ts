import type { Position } from './projection';

/**
 * North-up affine geotransform of a raster: pixel (col, row) -> map (x, y).
 * Pixel corners: (0, 0) is the top-left corner of the top-left pixel.
 */
export interface GeoTransform {
  originX: number;
  originY: number;
  /** metres per pixel along x (positive) */
  pixelWidth: number;
  /** metres per pixel along y (positive; rows go south) */
  pixelHeight: number;
}

/** Axis-aligned box in map units: [minX, minY, maxX, maxY]. */
export type Bounds = [number, number, number, number];

export function pixelToMap(gt: GeoTransform, col: number, row: number): Position {
  return [gt.originX + col * gt.pixelWidth, gt.originY - row * gt.pixelHeight];
}

export function mapToPixel(gt: GeoTransform, x: number, y: number): Position {
  return [(x - gt.originX) / gt.pixelWidth, (gt.originY - y) / gt.pixelHeight];
}

/** The geotransform of a window of a raster: same pixels, origin at the window's top-left corner. */
export function windowGeoTransform(gt: GeoTransform, window: { x: number; y: number }): GeoTransform {
  return { ...gt, originX: gt.originX + window.x * gt.pixelWidth, originY: gt.originY - window.y * gt.pixelHeight };
}

export function rasterBounds(gt: GeoTransform, width: number, height: number): Bounds {
  return [gt.originX, gt.originY - height * gt.pixelHeight, gt.originX + width * gt.pixelWidth, gt.originY];
}

export function boundsIntersect(a: Bounds, b: Bounds): boolean {
  return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
}

export function boundsArea(b: Bounds): number {
  return Math.max(0, b[2] - b[0]) * Math.max(0, b[3] - b[1]);
}
