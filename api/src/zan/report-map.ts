import sharp from 'sharp';
import { type Position, mapToPixel, toLambert93 } from '../geo';
import type { Storage } from '../storage';
import { loadClassRaster, NO_DATA } from './class-raster';
import type { Nomenclature } from './nomenclature';

const MAP_PX = 640;

export interface MapPolygon {
  geometry: { type: string; coordinates: unknown };
  kind?: 'artificialisation' | 'renaturation';
}

/**
 * The commune's land cover of a vintage as a PNG (at most 640 px wide): classes in their colours, the
 * outside of the commune veiled, its boundary and the change polygons outlined. Null before any run.
 */
export async function communeMapPng(storage: Storage, authorityId: number, vintageId: number, nomenclature: Nomenclature, commune: MapPolygon, changes: readonly MapPolygon[]): Promise<Buffer | null> {
  const raster = await loadClassRaster(storage, authorityId, vintageId);
  if (!raster) return null;
  const toPixel = (p: Position) => mapToPixel(raster.geoTransform, ...toLambert93(p));
  const outline = polygonsOf(commune.geometry).map((poly) => poly.map((ring) => ring.map(toPixel)));
  const all = outline.flat(2);
  const x0 = Math.max(0, Math.floor(Math.min(...all.map((p) => p[0])))), x1 = Math.min(raster.width, Math.ceil(Math.max(...all.map((p) => p[0]))));
  const y0 = Math.max(0, Math.floor(Math.min(...all.map((p) => p[1])))), y1 = Math.min(raster.height, Math.ceil(Math.max(...all.map((p) => p[1]))));
  if (x1 <= x0 || y1 <= y0) return null;
  const scale = Math.min(1, MAP_PX / (x1 - x0));
  const width = Math.max(1, Math.round((x1 - x0) * scale)), height = Math.max(1, Math.round((y1 - y0) * scale));
  const colours = new Map(nomenclature.classes.map((c) => [c.id, [parseInt(c.color.slice(1, 3), 16), parseInt(c.color.slice(3, 5), 16), parseInt(c.color.slice(5, 7), 16)]]));
  const rgba = Buffer.alloc(width * height * 4);
  for (let j = 0; j < height; j++) {
    const row = Math.min(raster.height - 1, y0 + Math.floor((j + 0.5) / scale));
    for (let i = 0; i < width; i++) {
      const col = Math.min(raster.width - 1, x0 + Math.floor((i + 0.5) / scale));
      const cls = raster.classes[row * raster.width + col]!;
      const colour = cls === NO_DATA ? undefined : colours.get(cls);
      const o = (j * width + i) * 4;
      if (colour) { rgba[o] = colour[0]!; rgba[o + 1] = colour[1]!; rgba[o + 2] = colour[2]!; rgba[o + 3] = 255; }
    }
  }
  const path = (rings: Position[][]) => rings.map((ring) => `M${ring.map(([x, y]) => `${((x - x0) * scale).toFixed(1)},${((y - y0) * scale).toFixed(1)}`).join('L')}Z`).join('');
  const communePath = outline.map(path).join('');
  const changePaths = changes.map((c) => {
    const d = polygonsOf(c.geometry).map((poly) => path(poly.map((ring) => ring.map(toPixel)))).join('');
    return `<path d="${d}" fill="none" stroke="${c.kind === 'renaturation' ? '#00a651' : '#d7191c'}" stroke-width="2"/>`;
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <path d="M0,0H${width}V${height}H0Z${communePath}" fill="#ffffff" fill-opacity="0.75" fill-rule="evenodd"/>
    ${changePaths.join('')}
    <path d="${communePath}" fill="none" stroke="#111111" stroke-width="2.5"/></svg>`;
  return sharp(rgba, { raw: { width, height, channels: 4 } })
    .composite([{ input: Buffer.from(svg) }])
    .flatten({ background: '#ffffff' })
    .png()
    .toBuffer();
}

function polygonsOf(geometry: { type: string; coordinates: unknown }): Position[][][] {
  if (geometry.type === 'Polygon') return [geometry.coordinates as Position[][]];
  if (geometry.type === 'MultiPolygon') return geometry.coordinates as Position[][][];
  return [];
}
