import { LC } from '../landcover';
import { broadNoise, fineNoise, sampleNoise, sampleNoiseSmooth } from '../noise';
import { hash01, hash32 } from '../random';
import { ringBounds } from '../territory/geometry';
import { cropFor, forestField, isConiferZone, paddockOf, parcelAt, parcelHit, withSiteGrid, type LandModel, type Paddock } from '../territory/land';
import type { Building, Dump, Point, Prop, Tree, Village, VintageScene } from '../territory/types';
import { dumpItems } from './dump-items';
import { areaColor, cropColor, grain, mottle, roofColor, type Rgb } from './materials';

/** Photographic look of one render: the vintage's camera, or a randomised one for training chips. */
export interface Appearance {
  brightness: number;
  contrast: number;
  saturation: number;
  /** per-channel gain */
  balance: Rgb;
  haze: number;
  /** sensor noise amplitude, 0–255 */
  noise: number;
  /** shadow darkness: 0 none, 1 black */
  shadow: number;
}

/** The demo vintages' camera: colours muted as on an IGN orthophoto (training chips draw theirs from 0.7–1.25). */
export const DEFAULT_APPEARANCE: Appearance = { brightness: 1, contrast: 1, saturation: 0.85, balance: [1, 1, 1], haze: 0.04, noise: 3, shadow: 0.55 };

export interface Rendered {
  width: number;
  height: number;
  /** RGB, interleaved */
  rgb: Uint8Array;
  /** land-cover class ids */
  classes: Uint8Array;
}

/** Scene objects with their bounding boxes, prepared once per vintage. */
export interface PreparedScene {
  scene: VintageScene;
  gsd: number;
  land: LandModel;
  dumpProps: Prop[];
  segments: { ax: number; ay: number; bx: number; by: number; s0: number; width: number; kind: string; box: Box }[];
  boxes: Map<object, Box>;
}

type Box = [number, number, number, number];

export function prepareScene(scene: VintageScene, gsd = 0.2): PreparedScene {
  const boxes = new Map<object, Box>();
  const segments: PreparedScene['segments'] = [];
  for (const road of scene.roads) {
    let s = 0;
    for (let i = 1; i < road.path.length; i++) {
      const [ax, ay] = road.path[i - 1]!;
      const [bx, by] = road.path[i]!;
      const hw = road.width / 2 + 0.5;
      segments.push({ ax, ay, bx, by, s0: s, width: road.width, kind: road.kind, box: [Math.min(ax, bx) - hw, Math.min(ay, by) - hw, Math.max(ax, bx) + hw, Math.max(ay, by) + hw] });
      s += Math.hypot(bx - ax, by - ay);
    }
  }
  for (const a of scene.areas) boxes.set(a, ringBounds(a.ring));
  const rectBox = (o: { center: Point; length: number; width: number }): Box => {
    const r = Math.hypot(o.length, o.width) / 2;
    return [o.center[0] - r, o.center[1] - r, o.center[0] + r, o.center[1] + r];
  };
  for (const b of scene.buildings) boxes.set(b, rectBox(b));
  for (const p of scene.props) boxes.set(p, rectBox(p));
  const dumpProps = scene.dumps.flatMap((d: Dump) => dumpItems(d));
  for (const p of dumpProps) boxes.set(p, rectBox(p));
  for (const d of scene.dumps) boxes.set(d, ringBounds(d.footprint));
  for (const t of scene.trees) boxes.set(t, [t.center[0] - t.radius, t.center[1] - t.radius, t.center[0] + t.radius, t.center[1] + t.radius]);
  const land: LandModel = withSiteGrid({ seed: scene.seed, fieldSites: scene.fieldSites, forestThreshold: scene.forestThreshold, forestOffset: scene.forestOffset, clearings: scene.clearings }, scene.sizeM);
  return { scene, gsd, land, dumpProps, segments, boxes };
}

export const TIMES = { ground: 0, objects: 0, shade: 0 };
const MARGIN_SIDE = 24;
const MARGIN_TOP = 2;
const MARGIN_BOTTOM = 72;

/** The ring of meadows round a village, its rim wobbling with a broad noise (tested on paddock centres). */
function inVillageRing(village: Village, p: Point): boolean {
  // broadNoise stays within [-0.78, 0.63]: the rim reaches at most √(1.1 + 1.2 × 0.63) = 1.36 radii
  const wobble = 1.1 + 1.2 * sampleNoiseSmooth(broadNoise, p[0] * 0.15 + 211, p[1] * 0.15);
  return (p[0] - village.center[0]) ** 2 + (p[1] - village.center[1]) ** 2 < village.radius * village.radius * wobble;
}

/**
 * Renders the window [col0, col0 + width) × [row0, row0 + height) of a vintage
 * (pixels of `gsd` metres): the photo and its land-cover mask, pixel-aligned.
 * Objects are drawn into a height field, so roofs, crowns, cars and heaps get
 * relief shading and cast shadows away from the sun.
 */
export function renderWindow(p: PreparedScene, col0: number, row0: number, width: number, height: number, look: Appearance = DEFAULT_APPEARANCE): Rendered {
  const { scene, gsd } = p;
  const W = width + 2 * MARGIN_SIDE;
  const H = height + MARGIN_TOP + MARGIN_BOTTOM;
  const bx0 = col0 - MARGIN_SIDE;
  const by0 = row0 - MARGIN_TOP;
  const n = W * H;
  const { alb, hgt, cls, shadow } = scratch(n);
  const win: Box = [bx0 * gsd, by0 * gsd, (bx0 + W) * gsd, (by0 + H) * gsd];
  const hits = (b: Box | undefined, pad = 0) => !!b && b[0] - pad < win[2] && b[2] + pad > win[0] && b[1] - pad < win[3] && b[3] + pad > win[1];
  const local: LandModel = { ...p.land, clearings: p.land.clearings.filter((c) => hits([c.center[0] - c.radius, c.center[1] - c.radius, c.center[0] + c.radius, c.center[1] + c.radius], 45)) };
  // the ring reaches 1.36 radii where it wobbles out (inVillageRing), and a paddock half its diagonal (≤ 90 m) beyond its centre
  const villages = scene.villages.filter((v) => hits([v.center[0] - v.radius, v.center[1] - v.radius, v.center[0] + v.radius, v.center[1] + v.radius], v.radius * 0.36 + 90));
  const color: Rgb = [0, 0, 0];
  const hit = parcelHit();
  const put = (i: number, c: number) => {
    alb[i * 3] = color[0];
    alb[i * 3 + 1] = color[1];
    alb[i * 3 + 2] = color[2];
    cls[i] = c;
  };

  const T0 = performance.now();
  // 1. Ground: forest floor or field parcels. The forest field is smooth: sample it every 4 px.
  const gw = Math.ceil(W / 4) + 2;
  const gh = Math.ceil(H / 4) + 2;
  const forestGrid = new Float32Array(gw * gh);
  const coniferGrid = new Uint8Array(gw * gh);
  for (let gy = 0; gy < gh; gy++) {
    for (let gx = 0; gx < gw; gx++) {
      const u = (bx0 + gx * 4 + 0.5) * gsd;
      const v = (by0 + gy * 4 + 0.5) * gsd;
      forestGrid[gy * gw + gx] = forestField(local, u, v) - local.forestThreshold;
      coniferGrid[gy * gw + gx] = isConiferZone(local, u, v) ? 1 : 0;
    }
  }
  let lastId = -1;
  let lastCrop = cropFor(0, scene.year);
  const paddock: Paddock = { index: 0, centre: [0, 0], edge: 0 };
  let lastPaddock = -1;
  let inVillage = false;
  for (let y = 0; y < H; y++) {
    const v = (by0 + y + 0.5) * gsd;
    const gy = y >> 2;
    const ty = (y & 3) / 4;
    for (let x = 0; x < W; x++) {
      const u = (bx0 + x + 0.5) * gsd;
      const i = y * W + x;
      const gx = x >> 2;
      const tx = (x & 3) / 4;
      const g0 = gy * gw + gx;
      const fa = forestGrid[g0]! + (forestGrid[g0 + 1]! - forestGrid[g0]!) * tx;
      const fb = forestGrid[g0 + gw]! + (forestGrid[g0 + gw + 1]! - forestGrid[g0 + gw]!) * tx;
      if (fa + (fb - fa) * ty > 0) {
        const g = grain(u, v);
        alb[i * 3] = 62 * (1 + 0.2 * g);
        alb[i * 3 + 1] = 66 * (1 + 0.2 * g);
        alb[i * 3 + 2] = 42 * (1 + 0.2 * g);
        cls[i] = coniferGrid[g0] ? LC.coniferes : LC.feuillus;
        continue;
      }
      parcelAt(local, u, v, hit);
      if (hit.id !== lastId) {
        lastId = hit.id;
        lastCrop = cropFor(hit.id, scene.year);
        lastPaddock = -1;
      }
      let edge = hit.edge;
      let crop = lastCrop;
      if (villages.length > 0) {
        paddockOf(hit, paddock);
        if (paddock.index !== lastPaddock) {
          lastPaddock = paddock.index;
          inVillage = villages.some((vi) => inVillageRing(vi, paddock.centre));
        }
        if (inVillage) {
          crop = 'prairie';
          edge = Math.min(edge, paddock.edge);
        }
      }
      if (edge < 0.9) {
        const g = grain(u, v);
        color[0] = 116 * (1 + 0.12 * g);
        color[1] = 124 * (1 + 0.12 * g);
        color[2] = 74 * (1 + 0.12 * g);
        mottle(u, v, color, 1.2);
      } else {
        cropColor(crop, scene.season, hit, u, v, color);
        if (inVillage) {
          // paddocks grazed or mown at other times: each its own shade
          const k = 0.95 + 0.1 * hash01(hit.id, paddock.index, 5);
          color[0] *= k;
          color[1] *= k;
          color[2] *= k;
        }
      }
      alb[i * 3] = color[0];
      alb[i * 3 + 1] = color[1];
      alb[i * 3 + 2] = color[2];
      cls[i] = crop === 'prairie' ? LC.prairies : LC.cultures;
    }
  }

  TIMES.ground += performance.now() - T0;
  const T1 = performance.now();
  // 2. Brooks.
  for (const w of scene.water) {
    for (let k = 1; k < w.path.length; k++) {
      const a = w.path[k - 1]!;
      const b = w.path[k]!;
      stampSegment(a, b, w.width / 2 + 0.8, (i, d, _s, u, v) => {
        if (d < w.width / 2) {
          areaColor('eau', u, v, color);
          put(i, LC.eau);
        } else {
          const g = grain(u, v);
          color[0] = 92 * (1 + 0.15 * g);
          color[1] = 100 * (1 + 0.15 * g);
          color[2] = 62 * (1 + 0.15 * g);
          mottle(u, v, color, 1.2);
          put(i, LC.prairies);
        }
      });
    }
  }

  // 3. Areas (gardens, yards, water, building sites), in painter's order.
  for (const area of scene.areas) {
    if (!hits(p.boxes.get(area))) continue;
    const isPool = area.material === 'piscine';
    fillRing(area.ring, (i, u, v) => {
      areaColor(area.material, u, v, color);
      if (isPool && ringEdgeDistance(area.ring, u, v) < 0.35) {
        color[0] = 225;
        color[1] = 222;
        color[2] = 214;
      }
      put(i, area.cls);
      if (area.material === 'eau' || isPool) hgt[i] = -0.1;
    });
  }

  // 4. Roads and tracks.
  for (const seg of p.segments) {
    if (!hits(seg.box)) continue;
    const hw = seg.width / 2;
    const track = seg.kind === 'chemin';
    stampSegment([seg.ax, seg.ay], [seg.bx, seg.by], hw, (i, d, s, u, v, side) => {
      const g = grain(u, v);
      if (track) {
        const rut = Math.abs(d - 0.8) < 0.3;
        const centre = d < 0.35;
        if (centre) {
          color[0] = 112 * (1 + 0.15 * g);
          color[1] = 124 * (1 + 0.15 * g);
          color[2] = 70 * (1 + 0.15 * g);
        } else {
          const k = (rut ? 1.08 : 0.96) * (1 + 0.12 * g);
          // chalky ruts, greyer than the stubble they cross
          color[0] = 182 * k;
          color[1] = 176 * k;
          color[2] = 160 * k;
        }
        put(i, LC.chantier);
        return;
      }
      let k = 1 + 0.06 * g + 0.05 * sampleNoise(fineNoise, u * 0.7, v * 0.7);
      // Asphalt ages: darker repair patches, tyre-polished wheel paths, a dusty worn edge.
      if (sampleNoise(broadNoise, u * 4 + 50, v * 4 + 950) > 0.28) k *= 0.88;
      // (not on the caps, where joints would draw them as rings)
      if (side && seg.width > 4 && Math.abs(d - hw * 0.5) < 0.45) k *= 0.95;
      const edge = side && hw - d < 0.4 ? (0.4 - (hw - d)) / 0.4 : 0;
      const along = seg.s0 + s;
      if (seg.kind === 'departementale' && seg.width > 6 && side) {
        if (d < 0.08 && along % 13 < 3) k = 2.2;
        if (Math.abs(d - (hw - 0.45)) < 0.1) k = 2.2;
      }
      const shade = seg.kind === 'rue' ? 1.08 : 1;
      color[0] = (92 + 40 * edge) * k * shade;
      color[1] = (93 + 30 * edge) * k * shade;
      color[2] = (97 + 12 * edge) * k * shade;
      put(i, LC.impermeable);
    });
  }

  // 5. Buildings with pitched, hipped or flat roofs.
  for (const b of scene.buildings) {
    if (!hits(p.boxes.get(b))) continue;
    stampBuilding(b);
  }

  // 6. Props: cars, bales, skips, sheds, tarpaulins, parking marks, dump items.
  for (const d of scene.dumps) {
    if (!hits(p.boxes.get(d))) continue;
    fillRing(d.footprint, (i, u, v) => {
      const h = hash32(Math.floor(u * 5), Math.floor(v * 5), d.seed);
      const speck = (h & 255) < 40;
      const k = 0.86 + 0.1 * grain(u, v);
      alb[i * 3] = alb[i * 3]! * k + (speck ? (h >>> 8) & 127 : 0);
      alb[i * 3 + 1] = alb[i * 3 + 1]! * k * 0.97 + (speck ? (h >>> 15) & 127 : 0);
      alb[i * 3 + 2] = alb[i * 3 + 2]! * k * 0.93 + (speck ? (h >>> 22) & 127 : 0);
    });
  }
  for (const prop of scene.props) if (hits(p.boxes.get(prop))) stampProp(prop);
  for (const prop of p.dumpProps) if (hits(p.boxes.get(prop))) stampProp(prop);

  // 7. Trees: explicit ones, then the forest stand generated cell by cell.
  for (const t of scene.trees) if (hits(p.boxes.get(t))) stampTree(t.center[0], t.center[1], t.radius, t.height, t.conifer, t.cls, t.tint);
  forestStand();

  TIMES.objects += performance.now() - T1;
  const T2 = performance.now();
  const result = shade();
  TIMES.shade += performance.now() - T2;
  return result;

  // ---- helpers (closures over the window buffers) ----

  function toPx(u: number, v: number): [number, number] {
    return [u / gsd - bx0 - 0.5, v / gsd - by0 - 0.5];
  }

  function fillRing(ring: Point[], cb: (i: number, u: number, v: number) => void): void {
    const [minU, minV, maxU, maxV] = ringBounds(ring);
    const y0 = Math.max(0, Math.ceil(minV / gsd - by0 - 0.5));
    const y1 = Math.min(H - 1, Math.floor(maxV / gsd - by0 - 0.5));
    if (maxU / gsd - bx0 < 0 || minU / gsd - bx0 > W) return;
    const xs: number[] = [];
    for (let y = y0; y <= y1; y++) {
      const v = (by0 + y + 0.5) * gsd;
      xs.length = 0;
      for (let k = 0, j = ring.length - 1; k < ring.length; j = k++) {
        const [ua, va] = ring[j]!;
        const [ub, vb] = ring[k]!;
        if (va > v !== vb > v) xs.push(ua + ((v - va) / (vb - va)) * (ub - ua));
      }
      xs.sort((a, b) => a - b);
      for (let k = 0; k + 1 < xs.length; k += 2) {
        const xa = Math.max(0, Math.ceil(xs[k]! / gsd - bx0 - 0.5));
        const xb = Math.min(W - 1, Math.floor(xs[k + 1]! / gsd - bx0 - 0.5));
        for (let x = xa; x <= xb; x++) cb(y * W + x, (bx0 + x + 0.5) * gsd, v);
      }
    }
  }

  /** Pixels within `r` metres of segment ab: cb(index, distance, arc position, u, v, side). */
  function stampSegment(a: Point, b: Point, r: number, cb: (i: number, d: number, s: number, u: number, v: number, side: number) => void): void {
    const [ax, ay] = toPx(a[0], a[1]);
    const [bxp, byp] = toPx(b[0], b[1]);
    const rp = r / gsd + 1;
    const x0 = Math.max(0, Math.floor(Math.min(ax, bxp) - rp));
    const x1 = Math.min(W - 1, Math.ceil(Math.max(ax, bxp) + rp));
    const y0 = Math.max(0, Math.floor(Math.min(ay, byp) - rp));
    const y1 = Math.min(H - 1, Math.ceil(Math.max(ay, byp) + rp));
    const dx = b[0] - a[0];
    const dy = b[1] - a[1];
    const len2 = dx * dx + dy * dy || 1;
    const len = Math.sqrt(len2);
    for (let y = y0; y <= y1; y++) {
      const v = (by0 + y + 0.5) * gsd;
      for (let x = x0; x <= x1; x++) {
        const u = (bx0 + x + 0.5) * gsd;
        const t = Math.max(0, Math.min(1, ((u - a[0]) * dx + (v - a[1]) * dy) / len2));
        const ex = a[0] + t * dx - u;
        const ey = a[1] + t * dy - v;
        const d = Math.sqrt(ex * ex + ey * ey);
        // side = 0 at the caps: no lane markings there (they would draw rings at joints)
        if (d < r) cb(y * W + x, d, t * len, u, v, t > 0 && t < 1 ? 1 : 0);
      }
    }
  }

  /** Pixels of a rotated rectangle: cb(index, a along length, b across, u, v). */
  function stampRect(c: Point, length: number, width: number, angle: number, cb: (i: number, a: number, b: number, u: number, v: number) => void): void {
    const r = Math.hypot(length, width) / 2 / gsd + 1;
    const [cx, cy] = toPx(c[0], c[1]);
    const x0 = Math.max(0, Math.floor(cx - r));
    const x1 = Math.min(W - 1, Math.ceil(cx + r));
    const y0 = Math.max(0, Math.floor(cy - r));
    const y1 = Math.min(H - 1, Math.ceil(cy + r));
    const ca = Math.cos(angle);
    const sa = Math.sin(angle);
    const hl = length / 2;
    const hw = width / 2;
    for (let y = y0; y <= y1; y++) {
      const v = (by0 + y + 0.5) * gsd;
      for (let x = x0; x <= x1; x++) {
        const u = (bx0 + x + 0.5) * gsd;
        const du = u - c[0];
        const dv = v - c[1];
        const a = du * ca + dv * sa;
        const b = -du * sa + dv * ca;
        if (a > -hl && a < hl && b > -hw && b < hw) cb(y * W + x, a, b, u, v);
      }
    }
  }

  function stampBuilding(b: Building): void {
    const hl = b.length / 2;
    const hw = b.width / 2;
    const slope = Math.tan(b.pitch);
    const chimney = hash01(Math.floor(b.tint * 1e6)) < 0.6 && b.pitch > 0.5;
    const chA = (b.tint - 0.5) * b.length * 0.6;
    stampRect(b.center, b.length, b.width, b.angle, (i, a, bb, u, v) => {
      let h: number;
      if (b.pitch === 0) h = b.eaveHeight + (hw - Math.abs(bb) < 0.35 || hl - Math.abs(a) < 0.35 ? 0.5 : 0);
      else if (b.hip) h = b.eaveHeight + Math.min(hw - Math.abs(bb), hl - Math.abs(a)) * slope;
      else h = b.eaveHeight + (hw - Math.abs(bb)) * slope;
      roofColor(b.roof, b.tint, a, bb, u, v, color);
      if (b.roof === 'toit-plat' && Math.abs(a - chA) < 1.2 && Math.abs(bb) < 1.5) {
        h += 1.2; // rooftop plant
        color[0] = color[1] = color[2] = 150;
      }
      if (chimney && Math.abs(a - chA) < 0.45 && Math.abs(bb - hw * 0.3) < 0.45) {
        h += 1;
        color[0] = 120;
        color[1] = 85;
        color[2] = 70;
      }
      if (h > hgt[i]!) {
        hgt[i] = h;
        put(i, LC.bati);
      }
    });
  }

  function stampProp(pr: Prop): void {
    const hl = pr.length / 2;
    const hw = pr.width / 2;
    const [r0, g0, b0] = pr.color;
    if (pr.shape === 'sheet') {
      // car-park marking: bays 2.6 m wide either side of the aisle
      stampRect(pr.center, pr.length, pr.width, pr.angle, (i, a, bb) => {
        const ab = Math.abs(bb);
        if (ab > 3.2 && ab < 8.8 && (a + 100) % 2.7 < 0.13) {
          alb[i * 3] = 215;
          alb[i * 3 + 1] = 215;
          alb[i * 3 + 2] = 210;
        }
      });
      return;
    }
    stampRect(pr.center, pr.length, pr.width, pr.angle, (i, a, b, u, v) => {
      let h = 0;
      let k = 1;
      let r = r0;
      let g = g0;
      let bl = b0;
      const ea = 1 - Math.abs(a) / hl;
      const eb = 1 - Math.abs(b) / hw;
      switch (pr.shape) {
        case 'box':
          h = pr.height;
          k = Math.min(ea, eb) < 0.08 ? 0.85 : 1 + 0.06 * grain(u, v);
          break;
        case 'car': {
          const roof = Math.abs(a) < hl * 0.38 && eb > 0.18;
          const glass = !roof && Math.abs(a) < hl * 0.6 && eb > 0.14;
          h = roof ? pr.height : glass ? pr.height * 0.8 : pr.height * 0.62;
          if (glass) {
            r = 35;
            g = 38;
            bl = 44;
          }
          k = 1 + 0.15 * eb;
          break;
        }
        case 'cylinder': {
          const rr = hw;
          h = Math.sqrt(Math.max(0, rr * rr - b * b)) + (pr.height - 2 * rr) / 2 + rr;
          k = 1 + 0.12 * grain(u, v);
          break;
        }
        case 'round': {
          const q = (a / hl) ** 2 + (b / hw) ** 2;
          if (q > 1) return;
          h = pr.height * Math.sqrt(1 - q);
          k = 1 + 0.08 * grain(u, v);
          break;
        }
        case 'mound': {
          const q = (a / hl) ** 2 + (b / hw) ** 2;
          if (q > 1) return;
          h = pr.height * (1 - q) + 0.25 * grain(u, v);
          k = 1 + 0.25 * grain(u, v);
          break;
        }
        case 'ring': {
          const q = Math.hypot(a / hl, b / hw);
          if (q > 1) return;
          h = pr.height;
          k = q < 0.5 ? 1.6 : 1;
          break;
        }
      }
      if (h <= hgt[i]!) return;
      hgt[i] = h;
      alb[i * 3] = r * k;
      alb[i * 3 + 1] = g * k;
      alb[i * 3 + 2] = bl * k;
      if (!pr.keepClass && pr.cls !== undefined && pr.cls >= 0) cls[i] = pr.cls;
    });
  }

  function stampTree(cu: number, cv: number, radius: number, height: number, conifer: boolean, c: number, tint: number): void {
    const [cx, cy] = toPx(cu, cv);
    const rp = radius / gsd;
    const x0 = Math.max(0, Math.floor(cx - rp));
    const x1 = Math.min(W - 1, Math.ceil(cx + rp));
    const y0 = Math.max(0, Math.floor(cy - rp));
    const y1 = Math.min(H - 1, Math.ceil(cy + rp));
    if (x0 > x1 || y0 > y1) return;
    const depth = conifer ? height * 0.7 : radius * 0.9;
    const base: Rgb = conifer
      ? [38 + tint * 10, 58 + tint * 12, 42 + tint * 8]
      : c === LC.broussailles
        ? [72 + tint * 20, 92 + tint * 15, 46]
        : [52 + tint * 28, 80 + tint * 22, 38 + tint * 10];
    const ox = tint * 977;
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const dx = (x - cx) / rp;
        const dy = (y - cy) / rp;
        const q = dx * dx + dy * dy;
        // A crown is lobed, not a disc: coarse noise bites into its outline.
        const lobe = sampleNoise(fineNoise, (x + bx0) * 0.8 + ox, (y + by0) * 0.8);
        if (q >= 1 || q > 0.84 + 0.45 * (lobe + 0.45)) continue;
        const leaf = sampleNoise(fineNoise, x * 2.3 + ox + bx0 * 2.3, y * 2.3 + by0 * 2.3);
        const h = conifer ? height - Math.sqrt(q) * depth + leaf * 0.5 : height - q * depth + leaf * radius * 0.35;
        const i = y * W + x;
        if (h <= hgt[i]!) continue;
        hgt[i] = h;
        // gaps between leaf clumps fall into the crown's own shade
        const k = (1 + 0.25 * leaf) * (leaf < -0.3 ? 0.72 : 1);
        alb[i * 3] = base[0] * k;
        alb[i * 3 + 1] = base[1] * k;
        alb[i * 3 + 2] = base[2] * k;
        cls[i] = c;
      }
    }
  }

  function forestStand(): void {
    const cell = 4.2;
    const reach = 6;
    const i0 = Math.floor((win[0] - reach) / cell);
    const i1 = Math.floor((win[2] + reach) / cell);
    const j0 = Math.floor((win[1] - reach) / cell);
    const j1 = Math.floor((win[3] + reach) / cell);
    const segs = p.segments.filter((s) => hits(s.box, reach));
    for (let j = j0; j <= j1; j++) {
      for (let i = i0; i <= i1; i++) {
        const h = hash32(i, j, scene.seed, 17);
        const cu = (i + 0.15 + 0.7 * ((h & 1023) / 1023)) * cell;
        const cv = (j + 0.15 + 0.7 * (((h >>> 10) & 1023) / 1023)) * cell;
        const f = forestField(local, cu, cv) - local.forestThreshold;
        if (f <= 0) continue;
        let nearRoad = false;
        for (const s of segs) {
          const dx = s.bx - s.ax;
          const dy = s.by - s.ay;
          const t = Math.max(0, Math.min(1, ((cu - s.ax) * dx + (cv - s.ay) * dy) / (dx * dx + dy * dy || 1)));
          if (Math.hypot(s.ax + t * dx - cu, s.ay + t * dy - cv) < s.width / 2 + 1.5) {
            nearRoad = true;
            break;
          }
        }
        if (nearRoad) continue;
        const conifer = isConiferZone(local, cu, cv);
        const edge = Math.min(1, f * 12);
        const rnd = ((h >>> 20) & 1023) / 1023;
        const radius = conifer ? 2 + rnd * 1.2 : (2.6 + rnd * 2.6) * (0.7 + 0.3 * edge);
        const height = conifer ? 14 + rnd * 8 : (11 + rnd * 9) * (0.6 + 0.4 * edge);
        stampTree(cu, cv, radius, height, conifer, conifer ? LC.coniferes : LC.feuillus, hash01(h));
      }
    }
  }

  function shade(): Rendered {
    const az = scene.sun.azimuthOffset;
    const elev = scene.sun.elevation;
    const dxs = Math.tan(az);
    const drop = gsd * Math.sqrt(1 + dxs * dxs) * Math.tan(elev);
    const sunU = Math.sin(az) * Math.cos(elev);
    const sunV = Math.cos(az) * Math.cos(elev);
    const sunZ = Math.sin(elev);
    // Shadow sweep from the sun side (south = larger v = bottom rows) upward.
    const alb3 = alb;
    const hgtL = hgt;
    const clsL = cls;
    let prev = new Float32Array(W);
    let cur = new Float32Array(W);
    for (let x = 0; x < W; x++) prev[x] = hgtL[(H - 1) * W + x]!;
    // The sun's horizontal step per row is constant: one integer offset and one blend weight.
    const off = Math.floor(dxs);
    const t = dxs - off;
    for (let y = H - 2; y >= 0; y--) {
      const row = y * W;
      for (let x = 0; x < W; x++) {
        let xi = x + off;
        if (xi < 0) xi = 0;
        else if (xi > W - 2) xi = W - 2;
        const ray = prev[xi]! + (prev[xi + 1]! - prev[xi]!) * t - drop;
        const h = hgtL[row + x]!;
        if (ray > h + 0.05) shadow[row + x] = ray - h > 0.6 ? 1 : (ray - h) / 0.6;
        cur[x] = ray > h ? ray : h;
      }
      const tmp = prev;
      prev = cur;
      cur = tmp;
    }
    const out = new Uint8Array(width * height * 3);
    const classes = new Uint8Array(width * height);
    const { brightness, contrast, saturation, balance, haze, noise } = look;
    const shadowK = look.shadow;
    const invGsd2 = 1 / (2 * gsd);
    // Lit colour of the window plus a one-pixel ring, for the lens blur below.
    const LW = width + 2;
    const lit = litScratch(LW * (height + 2) * 3);
    for (let y = -1; y <= height; y++) {
      const by = y + MARGIN_TOP;
      for (let x = -1; x <= width; x++) {
        const i = by * W + x + MARGIN_SIDE;
        const gx = (hgtL[i + 1]! - hgtL[i - 1]!) * invGsd2;
        const gy = (hgtL[i + W]! - hgtL[i - W]!) * invGsd2;
        const nl = 1 / Math.sqrt(gx * gx + gy * gy + 1);
        const lambert = Math.max(0, (-gx * sunU - gy * sunV + sunZ) * nl) / sunZ;
        // Soften the shadow edge a little (penumbra).
        const sh = (shadow[i]! * 2 + shadow[i - 1]! + shadow[i + 1]! + shadow[i - W]!) / 5;
        const light = (1 - shadowK) + shadowK * Math.min(1.35, lambert) * (1 - sh);
        // Blue-ish skylight in shadows.
        const r = alb3[i * 3]! * light * (1 - 0.06 * sh);
        const g = alb3[i * 3 + 1]! * light;
        const b = alb3[i * 3 + 2]! * light * (1 + 0.06 * sh);
        const grey = 0.3 * r + 0.59 * g + 0.11 * b;
        const o = ((y + 1) * LW + x + 1) * 3;
        lit[o] = grey + (r - grey) * saturation;
        lit[o + 1] = grey + (g - grey) * saturation;
        lit[o + 2] = grey + (b - grey) * saturation;
      }
    }
    const hz = haze * 200;
    for (let y = 0; y < height; y++) {
      const gyPx = row0 + y;
      for (let x = 0; x < width; x++) {
        const gxPx = col0 + x;
        // An aerial camera's optics and resampling: no edge is one pixel sharp (3 × 3 kernel, σ ≈ 0.5 px).
        const o0 = (y * LW + x) * 3;
        const o1 = o0 + LW * 3;
        const o2 = o1 + LW * 3;
        // Exposure drifts across a flight strip and between strips (a few per cent over hundreds of metres).
        const exposure = brightness * (1 + 0.05 * sampleNoiseSmooth(broadNoise, gxPx * 0.004 + 600, gyPx * 0.004 + 40));
        const nz = noise * 2.5 * sampleNoise(fineNoise, gxPx * 7 + 13 * gyPx, gyPx * 3 + scene.seed);
        const o = (y * width + x) * 3;
        for (let c = 0; c < 3; c++) {
          const v =
            (lit[o0 + c]! + 6 * lit[o0 + 3 + c]! + lit[o0 + 6 + c]! + 6 * (lit[o1 + c]! + 6 * lit[o1 + 3 + c]! + lit[o1 + 6 + c]!) + lit[o2 + c]! + 6 * lit[o2 + 3 + c]! + lit[o2 + 6 + c]!) / 64;
          out[o + c] = clamp(((v * balance[c]! * exposure - 128) * contrast + 128) * (1 - haze) + hz * (c === 2 ? 1.08 : 1) + nz);
        }
        classes[y * width + x] = clsL[(y + MARGIN_TOP) * W + x + MARGIN_SIDE]!;
      }
    }
    return { width, height, rgb: out, classes };
  }
}

/** Window buffers reused between tiles: allocating ~8 MB per tile kept the GC busy. */
let pool: { n: number; alb: Float32Array; hgt: Float32Array; cls: Uint8Array; shadow: Float32Array } | undefined;
function scratch(n: number) {
  if (!pool || pool.n < n) pool = { n, alb: new Float32Array(n * 3), hgt: new Float32Array(n), cls: new Uint8Array(n), shadow: new Float32Array(n) };
  const { alb, hgt, cls, shadow } = pool;
  const views = { alb: alb.subarray(0, n * 3), hgt: hgt.subarray(0, n), cls: cls.subarray(0, n), shadow: shadow.subarray(0, n) };
  views.alb.fill(0);
  views.hgt.fill(0);
  views.cls.fill(0);
  views.shadow.fill(0);
  return views;
}

let litPool: Float32Array | undefined;
function litScratch(n: number): Float32Array {
  if (!litPool || litPool.length < n) litPool = new Float32Array(n);
  return litPool.subarray(0, n);
}

function clamp(x: number): number {
  return x < 0 ? 0 : x > 255 ? 255 : Math.round(x);
}

function ringEdgeDistance(ring: Point[], u: number, v: number): number {
  let best = Infinity;
  for (let k = 0, j = ring.length - 1; k < ring.length; j = k++) {
    const [ax, ay] = ring[j]!;
    const [bx, by] = ring[k]!;
    const dx = bx - ax;
    const dy = by - ay;
    const t = Math.max(0, Math.min(1, ((u - ax) * dx + (v - ay) * dy) / (dx * dx + dy * dy || 1)));
    best = Math.min(best, Math.hypot(ax + t * dx - u, ay + t * dy - v));
  }
  return best;
}

export type { Tree };
