import { LC } from '../landcover';
import { hash01, Rng } from '../random';
import { communeCells } from './communes';
import { distToPath, ellipseRing, pathLength, pointAlong, rectRing, smoothPath } from './geometry';
import { cropFor, forestField, isForest, parcelAt, parcelHit, type LandModel } from './land';
import type {
  Area,
  Building,
  Clearing,
  CommuneCell,
  Dump,
  DumpKind,
  FieldSite,
  HardNegative,
  Point,
  Prop,
  Road,
  RoofKind,
  Tree,
  Village,
  VintageScene,
} from './types';

export const VINTAGE_YEARS = [2018, 2021, 2024] as const;
export const ACQUISITION_DATES = ['2018-06-26', '2021-07-09', '2024-06-18'] as const;

/** Objects that exist from a vintage on (and until one, for demolitions). */
interface Staged<T> {
  item: T;
  from: number;
  until: number;
}

export interface Territory extends LandModel {
  sizeM: number;
  communes: CommuneCell[];
  villages: Village[];
  water: { path: Point[]; width: number }[];
  roads: Staged<Road>[];
  areas: Staged<Area>[];
  buildings: Staged<Building>[];
  props: Staged<Prop>[];
  trees: Staged<Tree>[];
  hardNegatives: Staged<HardNegative>[];
  dumps: Dump[];
  /** what changes where, for the README and the tests */
  changeSites: { kind: 'lotissement' | 'zone-activites' | 'renaturation' | 'parking'; center: Point; from: number }[];
}

export interface TerritoryOptions {
  seed: number;
  sizeM: number;
  /** dumps per km² (default 10) */
  dumpDensity?: number;
}

const CAR_COLORS: [number, number, number][] = [
  [235, 236, 238], [225, 226, 228], [40, 42, 46], [120, 124, 130], [165, 168, 172], [150, 30, 32], [30, 55, 120], [70, 80, 95], [200, 200, 190], [95, 60, 40],
];

/** Builds the whole territory (all vintages) from a seed. Pure and deterministic. */
export function buildTerritory({ seed, sizeM, dumpDensity = 10 }: TerritoryOptions): Territory {
  const rng = new Rng(seed);
  const S = sizeM;
  const k = S / 2000;
  const communes = communeCells(rng.fork(1), S);

  const fieldSites: FieldSite[] = [];
  const nSites = Math.max(2, Math.round(7 * k * k));
  for (let i = 0; i < nSites; i++) {
    const angle = rng.range(0, Math.PI);
    fieldSites.push({ center: [rng.range(0, S), rng.range(0, S)], angle, cos: Math.cos(angle), sin: Math.sin(angle), columnWidth: rng.range(70, 160) });
  }

  // One village per commune, the main one largest; kept away from the square's edges.
  const villages: Village[] = communes.map((c, i) => {
    const cx = c.ring.reduce((s, p) => s + p[0], 0) / c.ring.length;
    const cy = c.ring.reduce((s, p) => s + p[1], 0) / c.ring.length;
    const main = i === 2;
    const radius = (main ? rng.range(170, 210) : rng.range(80, 115)) * Math.max(0.5, k);
    return { center: [cx * 0.55 + S * 0.225 + rng.range(-60, 60) * k, cy * 0.55 + S * 0.225 + rng.range(-60, 60) * k], radius, main };
  });
  const mainVillage = villages[2]!;

  const t: Territory = {
    seed,
    sizeM: S,
    communes,
    fieldSites,
    forestThreshold: 0,
    forestOffset: [rng.range(0, 1500), rng.range(0, 1500)],
    clearings: villages.map((v) => ({ center: v.center, radius: v.radius + 50 * k })),
    villages,
    water: [],
    roads: [],
    areas: [],
    buildings: [],
    props: [],
    trees: [],
    hardNegatives: [],
    dumps: [],
    changeSites: [],
  };
  const always = <T>(item: T): Staged<T> => ({ item, from: 0, until: 3 });

  // Roads: a departmental road through the villages, lanes to the edges, streets, farm tracks.
  const byU = [...villages].sort((a, b) => a.center[0] - b.center[0]);
  const dRoad = smoothPath([[0, rng.range(0.3, 0.7) * S], ...byU.map((v) => v.center), [S, rng.range(0.3, 0.7) * S]], 8);
  t.roads.push(always({ kind: 'departementale', path: dRoad, width: 6.5 }));
  for (const v of villages) {
    const toNorth = v.center[1] < S / 2;
    const end: Point = [v.center[0] + rng.range(-0.2, 0.2) * S, toNorth ? 0 : S];
    const mid: Point = [(v.center[0] + end[0]) / 2 + rng.range(-80, 80) * k, (v.center[1] + end[1]) / 2];
    t.roads.push(always({ kind: 'departementale', path: smoothPath([v.center, mid, end], 8), width: 5 }));
    const nStreets = v.main ? 5 : 2;
    for (let i = 0; i < nStreets; i++) {
      const a = rng.range(0, Math.PI * 2);
      const len = v.radius * rng.range(0.6, 1.05);
      const bend = rng.range(-0.5, 0.5);
      const p1: Point = [v.center[0] + Math.cos(a) * len * 0.5, v.center[1] + Math.sin(a) * len * 0.5];
      const p2: Point = [v.center[0] + Math.cos(a + bend) * len, v.center[1] + Math.sin(a + bend) * len];
      t.roads.push(always({ kind: 'rue', path: smoothPath([v.center, p1, p2], 5), width: 4.5 }));
    }
  }
  const nTracks = Math.max(2, Math.round(8 * k * k));
  for (let i = 0; i < nTracks; i++) {
    const base = t.roads[rng.int(0, t.roads.length - 1)]!.item;
    const { p } = pointAlong(base.path, rng.range(0, pathLength(base.path)));
    const a = rng.range(0, Math.PI * 2);
    const len = rng.range(300, 900) * k;
    const pts: Point[] = [p];
    for (let s = 1; s <= 4; s++) {
      const d = (len * s) / 4;
      pts.push([p[0] + Math.cos(a) * d + rng.range(-15, 15) * k, p[1] + Math.sin(a) * d + rng.range(-15, 15) * k]);
    }
    t.roads.push(always({ kind: 'chemin', path: smoothPath(pts, 6).filter(inside(S, -20)), width: 3 }));
  }

  // A brook with a pond.
  const brook = smoothPath(
    [[rng.range(0.1, 0.4) * S, 0], [rng.range(0.05, 0.45) * S, S * 0.35], [rng.range(0.1, 0.5) * S, S * 0.7], [rng.range(0.1, 0.4) * S, S]],
    6,
  );
  if (villages.every((v) => distToPath(v.center, brook) > v.radius * 0.6)) t.water.push({ path: brook, width: 3.5 });
  const pondAt: Point = [rng.range(0.15, 0.85) * S, rng.range(0.15, 0.85) * S];
  if (villages.every((v) => Math.hypot(v.center[0] - pondAt[0], v.center[1] - pondAt[1]) > v.radius + 60)) {
    t.areas.push(always({ kind: 'area', ring: ellipseRing(pondAt, 28 * Math.max(0.6, k), 17 * Math.max(0.6, k), rng.range(0, 3), (i) => 0.12 * Math.sin(i * 2.1 + seed)), material: 'eau', cls: LC.eau, z: 1 }));
    t.clearings.push({ center: pondAt, radius: 35 });
  }

  // Change sites along the departmental road, outside the main village.
  const dLen = pathLength(dRoad);
  const mainAt = nearestArc(dRoad, mainVillage.center);
  const side = (s: number, offset: number) => {
    const { p, dir } = pointAlong(dRoad, Math.max(5, Math.min(dLen - 5, s)));
    const normal: Point = [-dir[1] * Math.sign(offset), dir[0] * Math.sign(offset)];
    return { root: p, normal, center: [p[0] + normal[0] * Math.abs(offset), p[1] + normal[1] * Math.abs(offset)] as Point };
  };
  const r = mainVillage.radius;
  const estateA = side(mainAt - r - 60 * k, 75 * k + 10);
  const estateB = side(mainAt + r * 0.7, -(r + 60 * k));
  const business = side(mainAt + r + 200 * k, 90 * k + 12);
  const renat = side(mainAt - r - 230 * k, -(45 * k + 8));
  for (const site of [estateA, estateB, business, renat]) t.clearings.push({ center: site.center, radius: 110 * k + 20 });

  // Forest covers about a fifth of the square, never the villages or change sites.
  const samples: number[] = [];
  for (let y = 0; y < 60; y++) for (let x = 0; x < 60; x++) samples.push(forestField(t, ((x + 0.5) * S) / 60, ((y + 0.5) * S) / 60));
  samples.sort((a, b) => a - b);
  t.forestThreshold = samples[Math.floor(samples.length * 0.78)]!;

  const builder = new Builder(t, rng.fork(2));
  builder.estate(estateA, 1, 2, 150 * k + 20);
  builder.estate(estateB, 2, 3, 120 * k + 20);
  builder.businessZone(business);
  builder.renaturation(renat);
  t.changeSites.push(
    { kind: 'lotissement', center: estateA.center, from: 1 },
    { kind: 'lotissement', center: estateB.center, from: 2 },
    { kind: 'zone-activites', center: business.center, from: 1 },
    { kind: 'renaturation', center: renat.center, from: 1 },
  );
  for (const v of villages) builder.village(v);
  builder.hedges();
  builder.dumps(dumpDensity * (S / 1000) ** 2);
  return t;
}

/** The scene of one vintage. */
export function vintageScene(t: Territory, index: number): VintageScene {
  const live = <T>(list: Staged<T>[]) => list.filter((s) => s.from <= index && index < s.until).map((s) => s.item);
  const rng = new Rng(t.seed * 31 + index);
  const year = VINTAGE_YEARS[index] ?? 2018 + 3 * index;
  const scene: VintageScene = {
    year,
    index,
    sizeM: t.sizeM,
    seed: t.seed,
    season: [0.45, 0.75, 0.35][index] ?? 0.5,
    sun: { azimuthOffset: rng.range(-0.35, 0.35), elevation: rng.range(0.95, 1.1) },
    roads: live(t.roads),
    areas: live(t.areas).sort((a, b) => a.z - b.z),
    buildings: live(t.buildings),
    props: live(t.props),
    trees: live(t.trees),
    dumps: t.dumps.filter((d) => d.present[index]),
    hardNegatives: live(t.hardNegatives),
    clearings: t.clearings,
    villages: t.villages,
    water: t.water,
    fieldSites: t.fieldSites,
    forestThreshold: t.forestThreshold,
    forestOffset: t.forestOffset,
  };
  addBales(t, scene, rng);
  return scene;
}

/** Round bales lying in rows on harvested parcels: the classic hard negative. */
function addBales(t: Territory, scene: VintageScene, rng: Rng): void {
  const hit = parcelHit();
  const wanted = Math.round(14 * (t.sizeM / 2000) ** 2) + 1;
  let placed = 0;
  for (let tries = 0; tries < 400 && placed < wanted; tries++) {
    const p: Point = [rng.range(20, t.sizeM - 20), rng.range(20, t.sizeM - 20)];
    if (isForest(t, p[0], p[1]) || t.clearings.some((c) => Math.hypot(c.center[0] - p[0], c.center[1] - p[1]) < c.radius)) continue;
    parcelAt(t, p[0], p[1], hit);
    const crop = cropFor(hit.id, scene.year);
    if (crop !== 'chaume' && crop !== 'orge') continue;
    if (scene.roads.some((r) => distToPath(p, r.path) < 15)) continue;
    const n = rng.int(3, 9);
    const angle = Math.atan2(hit.dirV, hit.dirU);
    const ring: Point[] = [];
    for (let i = 0; i < n; i++) {
      const c: Point = [p[0] + hit.dirU * i * rng.range(6, 14), p[1] + hit.dirV * i * rng.range(6, 14)];
      if (isForest(t, c[0], c[1])) break;
      scene.props.push({ kind: 'prop', center: c, length: 1.2, width: 1.5, angle: angle + Math.PI / 2 + rng.range(-0.3, 0.3), height: 1.5, color: [196, 178, 120], shape: 'cylinder', keepClass: true });
      ring.push(c);
      scene.hardNegatives.push({ kind: 'balles-foin', center: c, footprint: rectRing(c, 1.6, 1.6, angle) });
    }
    placed++;
  }
}

function inside(S: number, margin: number) {
  return (p: Point) => p[0] >= margin && p[1] >= margin && p[0] <= S - margin && p[1] <= S - margin;
}

function nearestArc(path: Point[], p: Point): number {
  let best = 0;
  let bestD = Infinity;
  let s = 0;
  for (let i = 0; i < path.length; i++) {
    if (i > 0) s += Math.hypot(path[i]![0] - path[i - 1]![0], path[i]![1] - path[i - 1]![1]);
    const d = Math.hypot(path[i]![0] - p[0], path[i]![1] - p[1]);
    if (d < bestD) {
      bestD = d;
      best = s;
    }
  }
  return best;
}

interface Site {
  root: Point;
  normal: Point;
  center: Point;
}

/** Places buildings, gardens, cars, trees and dumps with collision checks. */
class Builder {
  private readonly occupied: { c: Point; r: number }[] = [];

  constructor(
    private readonly t: Territory,
    private readonly rng: Rng,
  ) {}

  private free(c: Point, r: number): boolean {
    if (c[0] < r || c[1] < r || c[0] > this.t.sizeM - r || c[1] > this.t.sizeM - r) return false;
    return this.occupied.every((o) => Math.hypot(o.c[0] - c[0], o.c[1] - c[1]) > o.r + r);
  }

  private clearOfRoads(c: Point, r: number, from = 3): boolean {
    return this.t.roads.every((road) => road.from > from || distToPath(c, road.item.path) > road.item.width / 2 + r);
  }

  private add<T>(list: Staged<T>[], item: T, from = 0, until = 3): void {
    list.push({ item, from, until });
  }

  private building(b: Building, from = 0, until = 3): void {
    this.add(this.t.buildings, b, from, until);
    this.occupied.push({ c: b.center, r: Math.hypot(b.length, b.width) / 2 });
  }

  private car(c: Point, angle: number, from = 0, until = 3, van = false): void {
    const color = this.rng.pick(CAR_COLORS);
    const length = van ? 5.2 : this.rng.range(3.9, 4.7);
    const width = van ? 2 : 1.8;
    this.add(this.t.props, { kind: 'prop', center: c, length, width, angle, height: van ? 2.2 : 1.5, color, shape: 'car', keepClass: true }, from, until);
    this.add(this.t.hardNegatives, { kind: 'voiture', center: c, footprint: rectRing(c, length, width, angle) }, from, until);
  }

  private tree(c: Point, radius: number, height: number, cls: number, from = 0, until = 3): void {
    this.add(this.t.trees, { kind: 'tree', center: c, radius, height, conifer: cls === LC.coniferes, cls, tint: this.rng.next() }, from, until);
  }

  /** A house on its plot, facing a road: garden, driveway, maybe a pool, shed and car. */
  private house(front: Point, dir: Point, normal: Point, opts: { from: number; until?: number; core: boolean; newBuild: boolean; plotWidth: number }): boolean {
    const rng = this.rng;
    const depth = opts.core ? rng.range(10, 16) : rng.range(26, 42);
    const setback = opts.core ? rng.range(0.3, 1.5) : rng.range(5, 10);
    const hl = opts.core ? rng.range(10, 17) : rng.range(9, 13);
    const hw = opts.core ? rng.range(6.5, 9) : rng.range(7, 9.5);
    const hc: Point = [front[0] + normal[0] * (setback + hw / 2), front[1] + normal[1] * (setback + hw / 2)];
    if (!this.free(hc, Math.max(hl, hw) / 2 + 1) || !this.clearOfRoads(hc, hw / 2 + 0.5)) return false;
    const angle = Math.atan2(dir[1], dir[0]);
    const until = opts.until ?? 3;
    const plotCenter: Point = [front[0] + normal[0] * depth / 2, front[1] + normal[1] * depth / 2];
    if (!opts.core) {
      this.add(this.t.areas, { kind: 'area', ring: rectRing(plotCenter, opts.plotWidth - 0.6, depth, angle), material: 'jardin', cls: LC.permeable_artificialise, z: 2 }, opts.from, until);
      // gravel is a mineral surface (3°), concrete a sealed one (2°); the second draw once chose the class
      // apart from the material, and is kept so that every scene after it stays as it was
      const gravel = rng.chance(0.5);
      rng.chance(0.5);
      const drive: Point = [front[0] + dir[0] * (hl / 2 + 1.8) + normal[0] * setback / 2, front[1] + dir[1] * (hl / 2 + 1.8) + normal[1] * setback / 2];
      this.add(this.t.areas, { kind: 'area', ring: rectRing(drive, 3, setback + 0.5, angle), material: gravel ? 'gravier' : 'beton', cls: gravel ? LC.chantier : LC.impermeable, z: 3 }, opts.from, until);
      if (rng.chance(0.65)) this.car(drive, angle + Math.PI / 2 + rng.range(-0.1, 0.1), opts.from, until);
      const back: Point = [hc[0] + normal[0] * (hw / 2 + rng.range(5, 9)), hc[1] + normal[1] * (hw / 2 + rng.range(5, 9))];
      const pool: Point = [back[0] + dir[0] * rng.range(-3, 3), back[1] + dir[1] * rng.range(-3, 3)];
      if (rng.chance(0.2) && depth > 30 && this.clearOfRoads(pool, 7) && this.free(pool, 4)) {
        this.occupied.push({ c: pool, r: 4 });
        this.add(this.t.areas, { kind: 'area', ring: rectRing(pool, rng.range(7, 10), rng.range(3.5, 4.5), angle), material: 'piscine', cls: LC.piscine, z: 5 }, opts.from, until);
        this.add(this.t.areas, { kind: 'area', ring: rectRing(pool, 12, 7.5, angle), material: 'terrasse', cls: LC.impermeable, z: 4 }, opts.from, until);
      } else if (rng.chance(0.5)) {
        this.add(this.t.areas, { kind: 'area', ring: rectRing([hc[0] + normal[0] * (hw / 2 + 2), hc[1] + normal[1] * (hw / 2 + 2)], hl * 0.6, 4, angle), material: 'terrasse', cls: LC.impermeable, z: 4 }, opts.from, until);
      }
      if (rng.chance(0.4)) {
        const shed: Point = [front[0] + normal[0] * (depth - 3) + dir[0] * (opts.plotWidth / 2 - 3), front[1] + normal[1] * (depth - 3) + dir[1] * (opts.plotWidth / 2 - 3)];
        const colorful = rng.chance(0.3);
        this.add(this.t.props, { kind: 'prop', center: shed, length: 3, width: 2.4, angle, height: 2.2, color: colorful ? rng.pick([[40, 110, 70], [150, 60, 50], [60, 90, 140]] as [number, number, number][]) : [120, 95, 70], shape: 'box', keepClass: false, cls: LC.bati }, opts.from, until);
        this.add(this.t.hardNegatives, { kind: 'abri-jardin', center: shed, footprint: rectRing(shed, 3, 2.4, angle) }, opts.from, until);
      }
      const nTrees = rng.int(0, 3);
      for (let i = 0; i < nTrees; i++) {
        const tc: Point = [front[0] + normal[0] * rng.range(depth * 0.6, depth - 2) + dir[0] * rng.range(-opts.plotWidth / 2 + 2, opts.plotWidth / 2 - 2), front[1] + normal[1] * rng.range(depth * 0.6, depth - 2) + dir[1] * rng.range(-opts.plotWidth / 2 + 2, opts.plotWidth / 2 - 2)];
        const conifer = rng.chance(0.25);
        const rad = opts.newBuild ? rng.range(1, 2) : rng.range(2, 4.5);
        if (!this.free(tc, rad * 0.8)) continue;
        this.tree(tc, rad, conifer ? rad * 3.5 : rad * 2.2 + 2, conifer ? LC.coniferes : LC.feuillus, opts.from, until);
      }
    }
    if (!opts.core) this.plotHedge(front, dir, normal, depth, opts);
    const roof: RoofKind = opts.newBuild ? rng.pick(['tuile-neuve', 'tuile-neuve', 'ardoise'] as RoofKind[]) : opts.core ? rng.pick(['tuile', 'tuile', 'tuile', 'ardoise'] as RoofKind[]) : rng.pick(['tuile', 'tuile-neuve', 'ardoise'] as RoofKind[]);
    this.building({ kind: 'building', center: hc, length: hl, width: hw, angle, eaveHeight: rng.range(3, 6), pitch: rng.range(0.6, 0.85), hip: rng.chance(opts.newBuild ? 0.5 : 0.15), roof, tint: rng.next() }, opts.from, until);
    return true;
  }

  /**
   * A hedge on the plot's left boundary, from behind the house to the back, as most French gardens have:
   * shrubs placed by hashing the plot's position, not by the scene's random stream, so that adding them
   * moved nothing else. Young and sparse on a new estate.
   */
  private plotHedge(front: Point, dir: Point, normal: Point, depth: number, opts: { from: number; until?: number; newBuild: boolean; plotWidth: number }): void {
    const key = [Math.round(front[0] * 10), Math.round(front[1] * 10)] as const;
    if (hash01(key[0], key[1], 1) > (opts.newBuild ? 0.5 : 0.75)) return;
    const side = -opts.plotWidth / 2 + 0.5;
    for (let s = depth * 0.4, k = 0; s < depth - 0.6; s += opts.newBuild ? 1.3 : 1.6, k++) {
      const c: Point = [front[0] + normal[0] * s + dir[0] * side, front[1] + normal[1] * s + dir[1] * side];
      const r = (opts.newBuild ? 0.5 : 0.85) + 0.35 * hash01(key[0], key[1], k, 2);
      if (!this.free(c, r * 0.5)) continue;
      this.add(this.t.trees, { kind: 'tree', center: c, radius: r, height: (opts.newBuild ? 1.2 : 2.2) + hash01(key[0], key[1], k, 3), conifer: false, cls: LC.broussailles, tint: hash01(key[0], key[1], 4) }, opts.from, opts.until ?? 3);
    }
  }

  village(v: Village): void {
    const rng = this.rng;
    for (const staged of this.t.roads) {
      const road = staged.item;
      if (road.kind === 'chemin' || staged.from > 0) continue;
      const len = pathLength(road.path);
      for (let s = 4; s < len; s += rng.range(13, 22)) {
        const { p, dir } = pointAlong(road.path, s);
        const d = Math.hypot(p[0] - v.center[0], p[1] - v.center[1]) / v.radius;
        if (d > 1 + 0.15 * Math.sin(s)) continue;
        const core = d < 0.45;
        for (const sgn of [1, -1]) {
          if (rng.chance(core ? 0.1 : 0.25)) continue;
          const normal: Point = [-dir[1] * sgn, dir[0] * sgn];
          const front: Point = [p[0] + normal[0] * (road.width / 2 + 1), p[1] + normal[1] * (road.width / 2 + 1)];
          this.house(front, dir, normal, { from: 0, core, newBuild: !core && rng.chance(0.3), plotWidth: 18 });
        }
        if (rng.chance(core ? 0.35 : 0.1)) {
          const n: Point = [-dir[1], dir[0]];
          const sg = rng.chance(0.5) ? 1 : -1;
          const c: Point = [p[0] + n[0] * sg * (road.width / 2 - 1.1), p[1] + n[1] * sg * (road.width / 2 - 1.1)];
          if (this.free(c, 2.5)) this.car(c, Math.atan2(dir[1], dir[0]), 0, 3);
        }
      }
    }
    if (v.main) this.churchAndSquare(v);
    this.farm(v);
  }

  private churchAndSquare(v: Village): void {
    const rng = this.rng;
    for (let tries = 0; tries < 40; tries++) {
      const a = rng.range(0, Math.PI * 2);
      const c: Point = [v.center[0] + Math.cos(a) * 28, v.center[1] + Math.sin(a) * 28];
      if (!this.free(c, 26) || !this.clearOfRoads(c, 16)) continue;
      const ang = rng.range(0, Math.PI);
      this.add(this.t.areas, { kind: 'area', ring: rectRing(c, 50, 34, ang), material: 'asphalte', cls: LC.impermeable, z: 3 }, 0, 3);
      this.add(this.t.props, { kind: 'prop', center: c, length: 50, width: 34, angle: ang, height: 0, color: [0, 0, 0], shape: 'sheet', keepClass: true, cls: -1 }, 0, 3);
      const church: Point = [c[0] + Math.cos(ang + Math.PI / 2) * 4, c[1] + Math.sin(ang + Math.PI / 2) * 4];
      this.building({ kind: 'building', center: church, length: 26, width: 10, angle: ang, eaveHeight: 9, pitch: 0.9, hip: false, roof: 'ardoise', tint: 0.3 }, 0, 3);
      const tower: Point = [church[0] + Math.cos(ang) * 14, church[1] + Math.sin(ang) * 14];
      this.building({ kind: 'building', center: tower, length: 5, width: 5, angle: ang, eaveHeight: 16, pitch: 1.3, hip: true, roof: 'ardoise', tint: 0.2 }, 0, 3);
      for (let i = 0; i < 9; i++) {
        if (rng.chance(0.35)) continue;
        const pc: Point = [c[0] + Math.cos(ang) * (-20 + i * 2.6) - Math.sin(ang) * 12, c[1] + Math.sin(ang) * (-20 + i * 2.6) + Math.cos(ang) * 12];
        this.car(pc, ang + Math.PI / 2, 0, 3);
      }
      return;
    }
  }

  private farm(v: Village): void {
    const rng = this.rng;
    for (let tries = 0; tries < 40; tries++) {
      const a = rng.range(0, Math.PI * 2);
      const c: Point = [v.center[0] + Math.cos(a) * v.radius * 0.95, v.center[1] + Math.sin(a) * v.radius * 0.95];
      if (!this.free(c, 30) || !this.clearOfRoads(c, 22)) continue;
      const ang = rng.range(0, Math.PI);
      this.add(this.t.areas, { kind: 'area', ring: rectRing(c, 58, 44, ang), material: rng.chance(0.5) ? 'beton' : 'gravier', cls: LC.chantier, z: 2 }, 0, 3);
      const colorful = rng.chance(0.6);
      this.building({ kind: 'building', center: [c[0] - Math.sin(ang) * 12, c[1] + Math.cos(ang) * 12], length: rng.range(30, 45), width: rng.range(14, 18), angle: ang, eaveHeight: 6, pitch: 0.3, hip: false, roof: colorful ? 'colore' : 'bac-acier', tint: rng.next() });
      if (colorful) this.add(this.t.hardNegatives, { kind: 'toit-colore', center: [c[0] - Math.sin(ang) * 12, c[1] + Math.cos(ang) * 12], footprint: rectRing([c[0] - Math.sin(ang) * 12, c[1] + Math.cos(ang) * 12], 35, 16, ang) });
      this.building({ kind: 'building', center: [c[0] + Math.sin(ang) * 14 + Math.cos(ang) * 10, c[1] - Math.cos(ang) * 14 + Math.sin(ang) * 10], length: 22, width: 9, angle: ang, eaveHeight: 5, pitch: 0.7, hip: false, roof: 'tuile', tint: rng.next() });
      const tarp: Point = [c[0] + Math.cos(ang) * -18, c[1] + Math.sin(ang) * -18];
      this.add(this.t.props, { kind: 'prop', center: tarp, length: rng.range(8, 14), width: rng.range(5, 8), angle: ang, height: 1.2, color: rng.pick([[230, 232, 236], [40, 50, 45], [70, 110, 70], [40, 80, 150]] as [number, number, number][]), shape: 'mound', keepClass: true }, 0, 3);
      this.add(this.t.hardNegatives, { kind: 'bache', center: tarp, footprint: rectRing(tarp, 12, 7, ang) });
      for (let i = 0; i < 6; i++) {
        const b: Point = [c[0] + Math.cos(ang) * (5 + i * 1.7), c[1] + Math.sin(ang) * (5 + i * 1.7) + 8];
        this.add(this.t.props, { kind: 'prop', center: b, length: 1.2, width: 1.5, angle: ang, height: 1.5, color: [190, 170, 115], shape: 'cylinder', keepClass: true }, 0, 3);
      }
      this.car([c[0] + Math.sin(ang) * 4, c[1] - Math.cos(ang) * 4], ang + 0.4, 0, 3, true);
      return;
    }
  }

  /** A housing estate: fields until `from - 1`, a building site at `from`, houses at `done`. */
  estate(site: Site, from: number, done: number, depth: number): void {
    const rng = this.rng;
    const dir = site.normal;
    const angle = Math.atan2(dir[1], dir[0]);
    const end: Point = [site.root[0] + dir[0] * depth, site.root[1] + dir[1] * depth];
    const path: Point[] = [site.root, end];
    this.add(this.t.roads, { kind: 'rue', path, width: 5.5 }, from, 3);
    this.occupied.push({ c: [site.root[0] + dir[0] * depth * 0.5, site.root[1] + dir[1] * depth * 0.5], r: 0 });
    const mid: Point = [site.root[0] + dir[0] * depth * 0.55, site.root[1] + dir[1] * depth * 0.55];
    if (done > 2) {
      // Still a building site in the last vintage: earthworks, skips, machines.
      this.add(this.t.areas, { kind: 'area', ring: rectRing(mid, depth * 1.05, 70, angle), material: 'chantier', cls: LC.chantier, z: 2 }, from, 3);
      this.skips(mid, angle, depth, from, 3);
      return;
    }
    this.add(this.t.areas, { kind: 'area', ring: rectRing(mid, depth * 1.05, 72, angle), material: 'chantier', cls: LC.chantier, z: 2 }, from, done);
    this.skips(mid, angle, depth, from, done);
    const along: Point = [-dir[1], dir[0]];
    for (let s = 12; s < depth - 8; s += 18) {
      for (const sgn of [1, -1]) {
        const normal: Point = [along[0] * sgn, along[1] * sgn];
        const p: Point = [site.root[0] + dir[0] * s, site.root[1] + dir[1] * s];
        const front: Point = [p[0] + normal[0] * 3.8, p[1] + normal[1] * 3.8];
        const built = rng.chance(0.3);
        this.house(front, dir, normal, { from: built ? from : done, core: false, newBuild: true, plotWidth: 17.5 });
      }
    }
    // Street lamps and visitor parking at the end of the estate road.
    const park: Point = [end[0] + dir[0] * 8, end[1] + dir[1] * 8];
    this.add(this.t.areas, { kind: 'area', ring: rectRing(park, 14, 22, angle), material: 'asphalte', cls: LC.impermeable, z: 3 }, done, 3);
    for (let i = 0; i < 5; i++) if (rng.chance(0.6)) this.car([park[0] + along[0] * (-8 + i * 2.6) + dir[0] * 3, park[1] + along[1] * (-8 + i * 2.6) + dir[1] * 3], angle, done, 3);
  }

  private skips(c: Point, angle: number, depth: number, from: number, until: number): void {
    const rng = this.rng;
    for (let i = 0; i < 3; i++) {
      const p: Point = [c[0] + Math.cos(angle) * rng.range(-depth / 3, depth / 3) + Math.sin(angle) * rng.range(-25, 25), c[1] + Math.sin(angle) * rng.range(-depth / 3, depth / 3) - Math.cos(angle) * rng.range(-25, 25)];
      const color = rng.pick([[200, 160, 30], [40, 100, 60], [150, 60, 40], [60, 80, 140]] as [number, number, number][]);
      this.add(this.t.props, { kind: 'prop', center: p, length: 4, width: 1.9, angle: angle + rng.range(-0.5, 0.5), height: 1.4, color, shape: 'box', keepClass: true }, from, until);
      this.add(this.t.hardNegatives, { kind: 'benne', center: p, footprint: rectRing(p, 4, 1.9, angle) }, from, until);
      const heap: Point = [p[0] + 6, p[1] + 4];
      this.add(this.t.props, { kind: 'prop', center: heap, length: rng.range(5, 9), width: rng.range(4, 7), angle, height: 1.6, color: [150, 120, 85], shape: 'mound', keepClass: true }, from, until);
    }
  }

  businessZone(site: Site): void {
    const rng = this.rng;
    const dir = site.normal;
    const along: Point = [-dir[1], dir[0]];
    const angle = Math.atan2(dir[1], dir[0]);
    const depth = 170 * Math.max(0.5, this.t.sizeM / 2000);
    const mid: Point = [site.root[0] + dir[0] * depth * 0.5, site.root[1] + dir[1] * depth * 0.5];
    this.add(this.t.areas, { kind: 'area', ring: rectRing(mid, depth, 150, angle), material: 'chantier', cls: LC.chantier, z: 2 }, 1, 2);
    this.add(this.t.areas, { kind: 'area', ring: rectRing(mid, depth, 150, angle), material: 'pelouse', cls: LC.permeable_artificialise, z: 2 }, 2, 3);
    this.add(this.t.roads, { kind: 'rue', path: [site.root, [site.root[0] + dir[0] * depth, site.root[1] + dir[1] * depth]], width: 7 }, 1, 3);
    this.skips(mid, angle, depth, 1, 2);
    const lots = [
      { s: 0.3, side: 1, from: 1 },
      { s: 0.3, side: -1, from: 2 },
      { s: 0.72, side: 1, from: 2 },
      { s: 0.72, side: -1, from: 2 },
    ];
    for (const lot of lots) {
      const base: Point = [site.root[0] + dir[0] * depth * lot.s, site.root[1] + dir[1] * depth * lot.s];
      const normal: Point = [along[0] * lot.side, along[1] * lot.side];
      const wl = rng.range(40, 55);
      const ww = rng.range(25, 32);
      const wc: Point = [base[0] + normal[0] * (52), base[1] + normal[1] * (52)];
      this.building({ kind: 'building', center: wc, length: wl, width: ww, angle, eaveHeight: rng.range(8, 11), pitch: 0, hip: false, roof: rng.chance(0.3) ? 'colore' : 'toit-plat', tint: rng.next() }, lot.from, 3);
      const pc: Point = [base[0] + normal[0] * 19, base[1] + normal[1] * 19];
      this.add(this.t.areas, { kind: 'area', ring: rectRing(pc, 46, 26, angle), material: 'asphalte', cls: LC.impermeable, z: 3 }, lot.from, 3);
      this.add(this.t.props, { kind: 'prop', center: pc, length: 46, width: 26, angle, height: 0, color: [0, 0, 0], shape: 'sheet', keepClass: true, cls: -1 }, lot.from, 3);
      for (let row = 0; row < 2; row++) {
        for (let i = 0; i < 15; i++) {
          if (rng.chance(0.35)) continue;
          const off = -20 + i * 2.7;
          const c: Point = [pc[0] + dir[0] * off + normal[0] * (row ? 6 : -6), pc[1] + dir[1] * off + normal[1] * (row ? 6 : -6)];
          this.car(c, angle + Math.PI / 2, lot.from, 3, rng.chance(0.1));
        }
      }
      for (let i = 0; i < 6; i++) this.tree([pc[0] + dir[0] * (-22 + i * 9) + normal[0] * -15, pc[1] + dir[1] * (-22 + i * 9) + normal[1] * -15], 1.6, 5, LC.feuillus, lot.from, 3);
    }
  }

  /** An old hangar and concrete yard, demolished (rubble, bare soil), then returned to grass. */
  renaturation(site: Site): void {
    const angle = Math.atan2(site.normal[1], site.normal[0]);
    this.add(this.t.areas, { kind: 'area', ring: rectRing(site.center, 70, 50, angle), material: 'beton', cls: LC.impermeable, z: 2 }, 0, 1);
    this.building({ kind: 'building', center: site.center, length: 40, width: 20, angle, eaveHeight: 7, pitch: 0.25, hip: false, roof: 'bac-acier', tint: 0.8 }, 0, 1);
    this.add(this.t.areas, { kind: 'area', ring: rectRing(site.center, 70, 50, angle), material: 'terre', cls: LC.sol_nu, z: 2 }, 1, 2);
    this.add(this.t.props, { kind: 'prop', center: site.center, length: 14, width: 9, angle, height: 2.5, color: [165, 160, 150], shape: 'mound', keepClass: true }, 1, 2);
    this.add(this.t.areas, { kind: 'area', ring: rectRing(site.center, 70, 50, angle), material: 'friche', cls: LC.prairies, z: 2 }, 2, 3);
    for (let i = 0; i < 5; i++) this.tree([site.center[0] + this.rng.range(-25, 25), site.center[1] + this.rng.range(-18, 18)], this.rng.range(0.8, 1.5), 2, LC.broussailles, 2, 3);
  }

  /** Hedgerows along lanes and tracks outside villages, and trees along the brook. */
  hedges(): void {
    const rng = this.rng;
    const t = this.t;
    const lines: { path: Point[]; offset: number; big: boolean }[] = [];
    for (const r of t.roads) if (r.from === 0) for (const sgn of [1, -1]) lines.push({ path: r.item.path, offset: sgn * (r.item.width / 2 + 2.8), big: false });
    for (const w of t.water) for (const sgn of [1, -1]) lines.push({ path: w.path, offset: sgn * (w.width / 2 + 1.5), big: true });
    for (const line of lines) {
      const len = pathLength(line.path);
      let on = rng.chance(line.big ? 0.8 : 0.45);
      for (let s = 0; s < len; s += line.big ? rng.range(3, 6) : rng.range(1.8, 3.2)) {
        if (rng.chance(line.big ? 0.03 : 0.015)) on = !on;
        if (!on) continue;
        const { p, dir } = pointAlong(line.path, s);
        const c: Point = [p[0] - dir[1] * line.offset, p[1] + dir[0] * line.offset];
        if (t.clearings.some((cl) => Math.hypot(cl.center[0] - c[0], cl.center[1] - c[1]) < cl.radius - 30)) continue;
        if (!this.free(c, 1) || isForest(t, c[0], c[1])) continue;
        if (!this.clearOfRoads(c, 1.2)) continue;
        const big = line.big ? rng.chance(0.6) : rng.chance(0.08);
        const radius = big ? rng.range(3, 5.5) : rng.range(1.3, 2.4);
        this.tree(c, radius, big ? rng.range(10, 17) : rng.range(2.5, 5), big ? LC.feuillus : LC.broussailles);
        this.occupied.push({ c, r: radius * 0.8 });
      }
    }
  }

  /** Illegal dumps near tracks, lanes and wood edges, each with its own life across vintages. */
  dumps(count: number): void {
    const rng = this.rng;
    const t = this.t;
    const kinds: DumpKind[] = ['gravats', 'dechets-verts', 'encombrants', 'pneus', 'sacs', 'mixte'];
    const lives = [[1, 1, 1], [0, 1, 1], [1, 0, 0], [0, 0, 1], [1, 1, 0], [0, 1, 0], [1, 1, 1], [0, 0, 1]];
    const roads = t.roads.filter((r) => r.from === 0);
    for (let tries = 0; tries < count * 40 && t.dumps.length < count; tries++) {
      const preferTrack = rng.chance(0.6);
      const pool = roads.filter((r) => (r.item.kind === 'chemin') === preferTrack);
      const road = (pool.length ? rng.pick(pool) : rng.pick(roads)).item;
      const { p, dir } = pointAlong(road.path, rng.range(0, pathLength(road.path)));
      const diameter = 2 + 28 * rng.next() ** 2.4;
      const sgn = rng.chance(0.5) ? 1 : -1;
      const off = road.width / 2 + diameter / 2 + rng.range(0.5, 5);
      const c: Point = [p[0] - dir[1] * off * sgn, p[1] + dir[0] * off * sgn];
      if (t.villages.some((v) => Math.hypot(v.center[0] - c[0], v.center[1] - c[1]) < v.radius + 20)) continue;
      if (!this.free(c, diameter / 2 + 2) || !this.clearOfRoads(c, diameter / 2 + 0.3)) continue;
      const rad = diameter / 2;
      if ([0, 1, 2, 3, 4].some((i) => isForest(t, c[0] + (i < 4 ? Math.cos(i * 1.57) * rad : 0), c[1] + (i < 4 ? Math.sin(i * 1.57) * rad : 0)))) continue;
      const nearWood = [0, 1, 2, 3, 4, 5, 6, 7].some((i) => isForest(t, c[0] + Math.cos(i * 0.785) * (rad + 12), c[1] + Math.sin(i * 0.785) * (rad + 12)));
      if (!nearWood && road.kind !== 'chemin' && rng.chance(0.5)) continue;
      const kind = diameter > 14 ? rng.pick(['gravats', 'dechets-verts', 'mixte'] as DumpKind[]) : rng.pick(kinds);
      const id = `D${String(t.dumps.length + 1).padStart(3, '0')}`;
      const dseed = Math.floor(hash01(t.seed, t.dumps.length, 99) * 1e9);
      const angle = Math.atan2(dir[1], dir[0]);
      const elong = kind === 'gravats' || kind === 'dechets-verts' ? rng.range(1, 1.8) : rng.range(1, 1.4);
      const footprint = ellipseRing(c, rad, rad / elong, angle, (i) => 0.18 * Math.sin(i * 1.9 + dseed), 12);
      t.dumps.push({ id, kind, center: c, diameterM: Math.round(diameter * 10) / 10, footprint, present: rng.pick(lives).map((x) => x === 1), seed: dseed });
      this.occupied.push({ c, r: rad + 1 });
    }
  }
}

/** Clearings (no forest) as exported for the renderer. */
export type { Clearing };
