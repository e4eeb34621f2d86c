import { type ClassRaster, NO_DATA } from '@vigie/api/zan';
import { gridOffset } from './aggregate';

/**
 * A vintage's class raster after a run over part of the territory: the earlier map, widened to cover the run,
 * with the run's analysed pixels laid over it. Without an earlier map, or with one on another pixel grid (the
 * vintage's orthophoto was replaced), the run's map alone.
 */
export function mergeClassRasters(earlier: ClassRaster | undefined, run: ClassRaster): ClassRaster {
  if (!earlier) return run;
  let offset: [number, number];
  try {
    offset = gridOffset(earlier.geoTransform, run.geoTransform);
  } catch {
    return run;
  }
  const [dx, dy] = offset;
  const x0 = Math.min(0, dx), y0 = Math.min(0, dy);
  const width = Math.max(earlier.width, dx + run.width) - x0, height = Math.max(earlier.height, dy + run.height) - y0;
  const classes = new Uint8Array(width * height).fill(NO_DATA);
  for (let row = 0; row < earlier.height; row++) {
    classes.set(earlier.classes.subarray(row * earlier.width, (row + 1) * earlier.width), (row - y0) * width - x0);
  }
  for (let row = 0; row < run.height; row++) {
    const target = (row + dy - y0) * width + dx - x0;
    for (let col = 0; col < run.width; col++) {
      const cls = run.classes[row * run.width + col]!;
      if (cls !== NO_DATA) classes[target + col] = cls;
    }
  }
  const { geoTransform: gt } = earlier;
  return {
    classes, width, height, vintageId: run.vintageId, runId: run.runId,
    geoTransform: { ...gt, originX: gt.originX + x0 * gt.pixelWidth, originY: gt.originY - y0 * gt.pixelHeight },
  };
}
