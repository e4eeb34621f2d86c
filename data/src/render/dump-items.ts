import { LC } from '../landcover';
import { Rng } from '../random';
import { pointInRing } from '../territory/geometry';
import type { Dump, Point, Prop } from '../territory/types';

type Rgb = [number, number, number];

const RUBBLE: Rgb[] = [[170, 168, 160], [190, 185, 175], [150, 90, 70], [205, 200, 190], [120, 118, 112], [175, 150, 120]];
const GREEN_WASTE: Rgb[] = [[95, 90, 52], [120, 105, 65], [80, 95, 45], [140, 120, 80], [70, 70, 40]];
const BULKY: Rgb[] = [[235, 232, 225], [120, 85, 60], [90, 90, 95], [210, 205, 190], [60, 70, 110], [160, 120, 80], [240, 240, 240]];
const BAGS: Rgb[] = [[25, 25, 28], [30, 30, 32], [235, 235, 235], [60, 100, 170], [70, 120, 70], [200, 190, 60]];

/**
 * The pieces a dump is made of, deterministic from its seed: heaps, blocks,
 * bulky items, tyres and bags inside its footprint. They change the photo,
 * never the land-cover class.
 */
export function dumpItems(dump: Dump): Prop[] {
  const rng = new Rng(dump.seed);
  const r = dump.diameterM / 2;
  const items: Prop[] = [];
  const inside = (): Point => {
    for (let i = 0; i < 20; i++) {
      const p: Point = [dump.center[0] + rng.range(-r, r), dump.center[1] + rng.range(-r, r)];
      if (pointInRing(p, dump.footprint)) return p;
    }
    return dump.center;
  };
  const prop = (center: Point, length: number, width: number, height: number, color: Rgb, shape: Prop['shape']) =>
    items.push({ kind: 'prop', center, length, width, angle: rng.range(0, Math.PI), height, color, shape, keepClass: true, cls: LC.sol_nu });
  const heap = (palette: Rgb[], scale: number) => {
    const n = Math.max(1, Math.round(r / 1.5));
    for (let i = 0; i < n; i++) {
      const size = Math.min(r * 1.4, rng.range(1.5, 4) * scale);
      prop(inside(), size, size * rng.range(0.6, 1), Math.min(1.8, size * rng.range(0.15, 0.35)), rng.pick(palette), 'mound');
    }
  };
  const pieces = (n: number, palette: Rgb[], min: number, max: number, shape: Prop['shape'], h: number) => {
    for (let i = 0; i < n; i++) {
      const l = rng.range(min, max);
      prop(inside(), l, l * rng.range(0.4, 1), h * rng.range(0.5, 1.2), rng.pick(palette), shape);
    }
  };
  const area = Math.PI * r * r;
  const kind = dump.kind;
  if (kind === 'gravats' || kind === 'mixte') {
    heap(RUBBLE, 1);
    pieces(Math.round(area * 0.8), RUBBLE, 0.25, 0.8, 'box', 0.3);
  }
  if (kind === 'dechets-verts' || kind === 'mixte') {
    heap(GREEN_WASTE, 1.2);
    pieces(Math.round(area * 0.3), GREEN_WASTE, 0.4, 1.5, 'mound', 0.5);
  }
  if (kind === 'encombrants' || kind === 'mixte') pieces(Math.max(2, Math.round(area * 0.25)), BULKY, 0.7, 2.1, 'box', 0.6);
  if (kind === 'pneus' || kind === 'mixte') for (let i = 0; i < Math.max(3, Math.round(area * 0.5)); i++) prop(inside(), 0.68, 0.68, 0.25, [24, 24, 26], 'ring');
  if (kind === 'sacs' || kind === 'mixte' || kind === 'encombrants') pieces(Math.max(3, Math.round(area * 0.6)), BAGS, 0.45, 0.95, 'round', 0.45);
  return items;
}
