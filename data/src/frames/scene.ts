import { broadNoise, fineNoise, sampleNoiseSmooth } from '../noise';
import { hash01, Rng } from '../random';
import { clampByte, svgImage } from './pixels';
import type { GroundView } from './ground';

/**
 * A camera view of a village square or street, in perspective, as SVG:
 * facades, pavement, parked and moving vehicles, people walking, standing and
 * in groups, occluding each other by depth. Boxes are the objects' full
 * (amodal) extent clipped to the frame, in pixels, for the objects a camera
 * can count: one hidden behind a van, a tree or a taller passer-by, or
 * mostly out of the frame, is drawn but not labelled (see `visible`).
 */
export const FRAME_WIDTH = 640;
export const FRAME_HEIGHT = 384;

export type TimeOfDay = 'matin' | 'midi' | 'apres-midi' | 'soir';
export const TIMES_OF_DAY: TimeOfDay[] = ['matin', 'midi', 'apres-midi', 'soir'];

export interface FrameBox {
  cls: 'person' | 'vehicle';
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface FrameScene {
  /** sky and ground, to be paved in pixels (see `paveGround`) before the rest is laid over it */
  backdrop: string;
  ground: GroundView;
  /** everything standing on the ground, on a transparent canvas */
  svg: string;
  boxes: FrameBox[];
  counts: { person: number; vehicle: number };
}

export type CameraView = 'place' | 'rue';

interface Camera {
  f: number;
  height: number;
  horizon: number;
  cx: number;
}

export interface Drawable {
  z: number;
  svg: string;
  box?: FrameBox;
  /** coarse shape in pixels (unclipped): what the object hides of those behind it, and what of it must show to be counted */
  shape?: Shape;
  /** the part that alone makes a person countable when it shows (the head) */
  key?: Shape;
}

/** Rectangles [x0, y0, x1, y1] in pixels. */
export type Shape = [number, number, number, number][];

/** Share of an object's shape that must show, in the frame and in front of the rest, for it to be labelled. */
export const VISIBLE_SHARE = { person: 0.3, vehicle: 0.25, head: 0.5 } as const;

const SKIN = ['#f1c7a5', '#e0ac86', '#c68b63', '#8d5a3b', '#5c3a24', '#f5d2b8'];
// what people wear in a French village: mostly navy, greys, black, denim and beige, a few bright colours
const CLOTHES = ['#26304a', '#2e2f33', '#5c5f66', '#a4a5a6', '#c3b196', '#7d7358', '#3f5873', '#18181a', '#dedbd3', '#4f5536', '#6b2330', '#a83a32', '#c09a3c', '#7fa3c4', '#2f4a3a', '#5a4030', '#c88a94', '#d9c03a', '#c4282b', '#2b3a52'];
const TROUSERS = ['#33465f', '#2a3447', '#1e1e21', '#55585e', '#a99b7e'];
const HAIR = ['#2a1c12', '#5a3b22', '#1a1410', '#b08a55', '#8c8c8c', '#d8c49a', '#3b2a1e', '#c9c5bd'];
const CAR = ['#e9e9ea', '#c9cbcf', '#1f2124', '#6d7178', '#8e1d1f', '#1f3d72', '#4a5058', '#d8d2c0', '#2e4a3a'];
const STONE = ['#d8cdb4', '#cfc2a4', '#e2d8c2', '#c9b99a', '#ddd3bd', '#bfb39a'];
// painted shutters: grey-blue, sage, dove grey, oxblood, off-white, Provence blue, olive, faded teal
const SHUTTER = ['#6f8fa0', '#8fa58a', '#a3a3a3', '#7a3b30', '#e6e2d6', '#4f6d8a', '#7c8455', '#5f8a86', '#9a8f7e'];

export function frameScene(seed: number, view: CameraView, time: TimeOfDay, crowd: number): FrameScene {
  const rng = new Rng(seed);
  const W = FRAME_WIDTH;
  const H = FRAME_HEIGHT;
  const cam: Camera = { f: rng.range(430, 520), height: rng.range(4.5, 7), horizon: rng.range(40, 80), cx: W / 2 + rng.range(-40, 40) };
  const project = (x: number, z: number, y = 0): [number, number] => [cam.cx + (cam.f * x) / z, cam.horizon + (cam.f * (cam.height - y)) / z];
  const light = lighting(time);
  const parts: string[] = [];
  const drawables: Drawable[] = [];

  parts.push(`<defs>
<linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${light.skyTop}"/><stop offset="1" stop-color="${light.skyBottom}"/></linearGradient>
<linearGradient id="ground" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${light.groundFar}"/><stop offset="1" stop-color="${light.groundNear}"/></linearGradient>
<radialGradient id="cloud"><stop offset="0" stop-color="#fff" stop-opacity="${time === 'soir' ? 0.3 : 0.6}"/><stop offset="1" stop-color="#fff" stop-opacity="0"/></radialGradient>
<linearGradient id="wallShade" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#000" stop-opacity="0"/><stop offset="0.7" stop-color="#000" stop-opacity="0.05"/><stop offset="1" stop-color="#000" stop-opacity="0.24"/></linearGradient>
<linearGradient id="glass" x1="0" y1="0" x2="0.35" y2="1"><stop offset="0" stop-color="${light.skyBottom}" stop-opacity="0.9"/><stop offset="0.4" stop-color="#3a424d"/><stop offset="1" stop-color="#1b1f26"/></linearGradient>
<linearGradient id="bodyShade" x1="${light.shadowDx >= 0 ? 0 : 1}" y1="0" x2="${light.shadowDx >= 0 ? 1 : 0}" y2="0"><stop offset="0.35" stop-color="#000" stop-opacity="0"/><stop offset="1" stop-color="#000" stop-opacity="0.32"/></linearGradient>
<linearGradient id="paint" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#fff" stop-opacity="0.22"/><stop offset="0.45" stop-color="#fff" stop-opacity="0"/><stop offset="1" stop-color="#000" stop-opacity="0.15"/></linearGradient>
<radialGradient id="headShade" cx="${light.shadowDx >= 0 ? 0.3 : 0.7}" cy="0.3" r="0.8"><stop offset="0.3" stop-color="#000" stop-opacity="0"/><stop offset="1" stop-color="#000" stop-opacity="0.4"/></radialGradient>
<linearGradient id="sheen" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#fff" stop-opacity="0.14"/><stop offset="0.35" stop-color="#fff" stop-opacity="0"/><stop offset="1" stop-color="#000" stop-opacity="0.12"/></linearGradient>
<radialGradient id="softShadow"><stop offset="0.2" stop-color="#000" stop-opacity="1"/><stop offset="1" stop-color="#000" stop-opacity="0"/></radialGradient>
${GRAIN_PATTERN}
<linearGradient id="streak" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#2a2418" stop-opacity="0.2"/><stop offset="1" stop-color="#2a2418" stop-opacity="0"/></linearGradient>
</defs>`);
  parts.push(`<rect width="${W}" height="${H}" fill="url(#sky)"/>`);
  // a few soft clouds (hashed: the scene's random stream stays as it was)
  for (let i = 0; i < 4; i++) {
    const u = hash01(seed, i, 11);
    parts.push(`<ellipse cx="${(u * W).toFixed(0)}" cy="${(cam.horizon * (0.2 + 0.4 * hash01(seed, i, 12))).toFixed(0)}" rx="${(40 + 60 * hash01(seed, i, 13)).toFixed(0)}" ry="${(6 + 8 * hash01(seed, i, 14)).toFixed(0)}" fill="url(#cloud)"/>`);
  }
  // Ground: its setts, slabs and asphalt grain are laid in pixels afterwards (`paveGround`), in perspective.
  parts.push(`<rect y="${cam.horizon}" width="${W}" height="${H - cam.horizon}" fill="url(#ground)"/>`);

  // Roadway (asphalt band) for the street view and the square's through-road.
  const roadHalf = view === 'rue' ? rng.range(2.8, 3.6) : rng.range(3, 4);
  const roadX = view === 'rue' ? 0 : rng.range(-3, 3);
  const road = [project(roadX - roadHalf, 3), project(roadX + roadHalf, 3), project(roadX + roadHalf, 120), project(roadX - roadHalf, 120)];
  parts.push(`<polygon points="${road.map((p) => p.map((c) => c.toFixed(1)).join(',')).join(' ')}" fill="${light.asphalt}"/>`);
  // kerbs: a granite face and a dark gutter along each edge of the roadway
  for (const side of [-1, 1]) {
    const edge = roadX + side * roadHalf;
    parts.push(`<polygon points="${pts([project(edge, 3), project(edge, 120), project(edge, 120, 0.14), project(edge, 3, 0.14)])}" fill="#cfcac0"/>`);
    parts.push(`<polygon points="${pts([project(edge - side * 0.3, 3), project(edge - side * 0.3, 120), project(edge, 120), project(edge, 3)])}" fill="#000" fill-opacity="0.12"/>`);
  }
  for (let z = 5; z < 80; z += 6) {
    const a = project(roadX - 0.06, z);
    const b = project(roadX + 0.06, z);
    const c = project(roadX + 0.06, z + 3);
    const d = project(roadX - 0.06, z + 3);
    parts.push(`<polygon points="${[a, b, c, d].map((p) => p.map((q) => q.toFixed(1)).join(',')).join(' ')}" fill="#e8e8e0" fill-opacity="0.8"/>`);
  }

  // Facades: left and right rows (street), plus a back row with a church (square).
  const backZ = view === 'place' ? rng.range(38, 50) : 140;
  const sideX = view === 'rue' ? roadHalf + rng.range(1.8, 3) : rng.range(14, 20);
  // the row on the sun's side casts its shadow across the ground (about 8 m of eaves)
  const shadowSide = light.shadowDx >= 0 ? -1 : 1;
  const reach = Math.min(sideX * 1.6, Math.abs(light.shadowDx) * 8 * 0.5);
  parts.push(`<polygon points="${pts([project(shadowSide * sideX, 2), project(shadowSide * sideX, backZ), project(shadowSide * (sideX - reach), backZ), project(shadowSide * (sideX - reach), 2)])}" fill="#1a1d2a" fill-opacity="${(light.shadowOpacity * 0.6).toFixed(2)}"/>`);
  for (const side of [-1, 1]) {
    let z = rng.range(2, 6);
    while (z < backZ) {
      const depth = rng.range(7, 14);
      drawables.push({ z: 1e4 - z, svg: sideFacade(rng, project, side * sideX, z, Math.min(backZ, z + depth), rng.range(6, 10), light) });
      z += depth;
    }
  }
  if (view === 'place') {
    let x = -sideX;
    while (x < sideX) {
      const w = rng.range(7, 12);
      drawables.push({ z: 2e4, svg: frontFacade(rng, project, x, Math.min(sideX, x + w), backZ, rng.range(7, 10), light) });
      x += w;
    }
    const cx = rng.range(-sideX * 0.5, sideX * 0.5);
    drawables.push({ z: 1.9e4, svg: church(project, cx, backZ - 0.5, light) });
    // Plane trees and benches on the square.
    for (let i = 0; i < 4; i++) {
      const tx = rng.range(-sideX + 3, sideX - 3);
      const tz = rng.range(12, backZ - 4);
      if (Math.abs(tx - roadX) < roadHalf + 1) continue;
      drawables.push({ z: tz, ...tree(project, tx, tz, rng.range(6, 9), light) });
    }
  }

  // Vehicles: parked along the sides, some driving.
  const nVehicles = Math.round(rng.range(0, 1) * (time === 'soir' ? 5 : 9));
  for (let i = 0; i < nVehicles; i++) {
    const parked = rng.chance(0.6);
    const side = rng.chance(0.5) ? -1 : 1;
    const kind = rng.chance(0.15) ? 'van' : rng.chance(0.12) ? 'bike' : 'car';
    const x = parked ? roadX + side * (roadHalf + (kind === 'bike' ? 0.5 : 1.1)) : roadX + side * roadHalf * 0.5;
    const z = rng.range(7, Math.min(70, backZ - 3));
    const d = vehicle(rng, project, kind, x, z, light, W, H);
    if (d) drawables.push(d);
  }

  // People: walkers, standers, groups; children; some behind cars or trees.
  const people = crowd;
  let placed = 0;
  while (placed < people) {
    const group = rng.chance(0.35) ? rng.int(2, 5) : 1;
    const gx = rng.range(-sideX + 1, sideX - 1);
    const gz = rng.range(5.5, Math.min(60, backZ - 2));
    for (let g = 0; g < group && placed < people; g++) {
      const x = gx + (g ? rng.range(-1.3, 1.3) : 0);
      const z = gz + (g ? rng.range(-1, 1) : 0);
      const d = person(rng, project, x, Math.max(4.5, z), light, W, H);
      if (d) drawables.push(d);
      placed++;
    }
  }

  drawables.sort((a, b) => b.z - a.z);
  const standing = [parts[0]!, ...drawables.map((d) => d.svg), `<rect width="${W}" height="${H}" fill="${light.overlay}" fill-opacity="${light.overlayOpacity}"/>`];
  const shown = visible(drawables, W, H);
  const boxes = drawables.filter((d) => shown.has(d)).map((d) => d.box).filter((b): b is FrameBox => !!b && b.w >= 2 && b.h >= 3);
  const doc = (body: string[]) => `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">${body.join('')}</svg>`;
  return {
    backdrop: doc(parts),
    ground: { f: cam.f, height: cam.height, horizon: cam.horizon, cx: cam.cx, roadX, roadHalf, paving: view === 'place' ? 'setts' : 'slabs', seed },
    svg: doc(standing),
    boxes,
    counts: { person: boxes.filter((b) => b.cls === 'person').length, vehicle: boxes.filter((b) => b.cls === 'vehicle').length },
  };
}

interface Light {
  skyTop: string;
  skyBottom: string;
  groundFar: string;
  groundNear: string;
  asphalt: string;
  overlay: string;
  overlayOpacity: number;
  /** horizontal shadow direction, pixels per pixel of height */
  shadowDx: number;
  shadowOpacity: number;
}

function lighting(time: TimeOfDay): Light {
  switch (time) {
    case 'matin':
      return { skyTop: '#8fb4d9', skyBottom: '#e9dcc8', groundFar: '#b7ab97', groundNear: '#9d917d', asphalt: '#5f5f62', overlay: '#ffcf9a', overlayOpacity: 0.1, shadowDx: -0.9, shadowOpacity: 0.35 };
    case 'midi':
      return { skyTop: '#5d93cf', skyBottom: '#cfe0ee', groundFar: '#c8bfae', groundNear: '#ada391', asphalt: '#67686b', overlay: '#ffffff', overlayOpacity: 0.03, shadowDx: 0.15, shadowOpacity: 0.45 };
    case 'apres-midi':
      return { skyTop: '#6d9bd0', skyBottom: '#e6e2d4', groundFar: '#c2b59e', groundNear: '#a59781', asphalt: '#626265', overlay: '#ffe2b0', overlayOpacity: 0.07, shadowDx: 0.8, shadowOpacity: 0.4 };
    case 'soir':
      return { skyTop: '#3b4f78', skyBottom: '#e39a6a', groundFar: '#8a7f72', groundNear: '#6b6258', asphalt: '#4a4a4f', overlay: '#402a4a', overlayOpacity: 0.25, shadowDx: 1.6, shadowOpacity: 0.25 };
  }
}

type Project = (x: number, z: number, y?: number) => [number, number];

const pts = (ps: [number, number][]) => ps.map((p) => `${p[0].toFixed(1)},${p[1].toFixed(1)}`).join(' ');
const poly = (ps: [number, number][], fill: string, extra = '') => `<polygon points="${pts(ps)}" fill="${fill}"${extra}/>`;

function shade(hex: string, k: number): string {
  const n = parseInt(hex.slice(1), 16);
  const c = (v: number) => Math.max(0, Math.min(255, Math.round(v * k))).toString(16).padStart(2, '0');
  return `#${c((n >> 16) & 255)}${c((n >> 8) & 255)}${c(n & 255)}`;
}

/** Grime darkening a wall towards the ground, and a darker plinth (the first half metre). */
function weathering(wall: [number, number][], plinth: [number, number][], colour: string): string {
  return `<polygon points="${pts(wall)}" fill="url(#wallShade)"/><polygon points="${pts(plinth)}" fill="${shade(colour, 0.72)}"/>`;
}

/**
 * Render and stone never show one flat colour: a tile of grain (a few pixels) and blotches (tens of pixels),
 * dark and light specks over the fill. Laid in screen space, which at these scales the eye does not notice.
 */
const GRAIN_PATTERN = (() => {
  const size = 128;
  const rgba = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      // 8 samples a pixel: the 1024-sample tables wrap exactly at the tile's edge
      const v = sampleNoiseSmooth(fineNoise, x * 8 + 200, y * 8 + 600) * 0.7 + sampleNoiseSmooth(broadNoise, x * 8 + 50, y * 8 + 900) * 0.8;
      const i = (y * size + x) * 4;
      const light = v > 0 ? 255 : 0;
      rgba.set([light, light, light * 0.95, clampByte(Math.abs(v) * 150)], i);
    }
  }
  return `<pattern id="grain" patternUnits="userSpaceOnUse" width="${size}" height="${size}">${svgImage(0, 0, size, size, rgba)}</pattern>`;
})();

const grained = (ps: [number, number][], strength = 1) => `<polygon points="${pts(ps)}" fill="url(#grain)" fill-opacity="${Math.min(1, 0.45 * strength).toFixed(2)}"/>`;

/** Rows of tiles: lines parallel to the eaves (eave a→b, ridge d→c). */
function tileRows(a: [number, number], b: [number, number], c: [number, number], d: [number, number]): string {
  const lerp = (p: [number, number], q: [number, number], t: number): [number, number] => [p[0] + (q[0] - p[0]) * t, p[1] + (q[1] - p[1]) * t];
  const rows: string[] = [`<line x1="${a[0].toFixed(1)}" y1="${a[1].toFixed(1)}" x2="${b[0].toFixed(1)}" y2="${b[1].toFixed(1)}" stroke="#000" stroke-opacity="0.35" stroke-width="1.2"/>`];
  for (let t = 0.12; t < 1; t += 0.12) {
    const p = lerp(a, d, t), q = lerp(b, c, t);
    rows.push(`<line x1="${p[0].toFixed(1)}" y1="${p[1].toFixed(1)}" x2="${q[0].toFixed(1)}" y2="${q[1].toFixed(1)}" stroke="#000" stroke-opacity="0.13" stroke-width="0.7"/>`);
  }
  return rows.join('');
}

/** How far (m) the dirt runs down under a window sill, hashed on its place along the wall; it stops above the plinth. */
const streak = (along: number, across: number, sill: number) => Math.min(sill - 0.5, 0.4 + 1.1 * hash01(Math.round(along * 100), Math.round(across * 100), 31));

function sideFacade(rng: Rng, project: Project, x: number, z0: number, z1: number, h: number, light: Light): string {
  const wall = rng.pick(STONE);
  const k = x < 0 ? 0.92 : 0.78;
  const a = project(x, z0);
  const b = project(x, z1);
  const c = project(x, z1, h);
  const d = project(x, z0, h);
  const roofTop0 = project(x + Math.sign(x) * 3, z0, h + 3);
  const roofTop1 = project(x + Math.sign(x) * 3, z1, h + 3);
  const out = [`<polygon points="${pts([a, b, c, d])}" fill="${shade(wall, k)}"/>`];
  out.push(weathering([a, b, c, d], [a, b, project(x, z1, 0.5), project(x, z0, 0.5)], wall));
  out.push(`<polygon points="${pts([d, c, roofTop1, roofTop0])}" fill="${shade(rng.pick(['#8a4a35', '#7a4636', '#5d5f66', '#94553c']), 0.9)}"/>`);
  out.push(tileRows(d, c, roofTop1, roofTop0));
  out.push(grained([a, b, c, d]), grained([d, c, roofTop1, roofTop0], 1.6));
  const shutter = rng.pick(SHUTTER);
  const floors = h > 8 ? 2 : 1;
  for (let f = 0; f < floors; f++) {
    for (let zz = z0 + 1.5; zz < z1 - 1.2; zz += rng.range(2.6, 3.4)) {
      const y0 = 1 + f * 3.2 + (f === 0 ? 0.2 : 0);
      const w = [project(x, zz, y0), project(x, zz + 1.1, y0), project(x, zz + 1.1, y0 + 1.6), project(x, zz, y0 + 1.6)];
      const door = f === 0 && rng.chance(0.2);
      if (door) out.push(doorway((u, y) => project(x, zz + u, y), 1.1, 2.2, shade(shutter, 0.7), wall));
      else {
        // stone surround and sill, then the glass with the sky in it
        out.push(`<polygon points="${pts([project(x, zz - 0.12, y0 - 0.18), project(x, zz + 1.22, y0 - 0.18), project(x, zz + 1.22, y0 + 1.72), project(x, zz - 0.12, y0 + 1.72)])}" fill="${shade(wall, 1.1)}"/>`);
        out.push(`<polygon points="${pts(w)}" fill="url(#glass)"/>`);
        // rain washes dirt off the sill down the wall
        out.push(`<polygon points="${pts([project(x, zz - 0.05, y0 - 0.18), project(x, zz + 1.15, y0 - 0.18), project(x, zz + 1.15, y0 - 0.18 - streak(zz, x, y0 - 0.18)), project(x, zz - 0.05, y0 - 0.18 - streak(zz, x, y0 - 0.18))])}" fill="url(#streak)"/>`);
        out.push(`<polygon points="${pts([project(x, zz - 0.5, y0), project(x, zz, y0), project(x, zz, y0 + 1.6), project(x, zz - 0.5, y0 + 1.6)])}" fill="${shutter}"/>`);
      }
    }
  }
  void light;
  return out.join('');
}

function frontFacade(rng: Rng, project: Project, x0: number, x1: number, z: number, h: number, light: Light): string {
  const wall = rng.pick(STONE);
  const a = project(x0, z);
  const b = project(x1, z);
  const c = project(x1, z, h);
  const d = project(x0, z, h);
  const ridge = [project(x1, z + 3, h + 3), project(x0, z + 3, h + 3)];
  const out = [`<polygon points="${pts([d, c, ridge[0]!, ridge[1]!])}" fill="${rng.pick(['#8a4a35', '#7a4636', '#5d5f66'])}"/>`];
  out.push(tileRows(d, c, ridge[0]!, ridge[1]!));
  out.push(`<polygon points="${pts([a, b, c, d])}" fill="${wall}"/>`);
  out.push(weathering([a, b, c, d], [a, b, project(x1, z, 0.5), project(x0, z, 0.5)], wall));
  out.push(grained([a, b, c, d]), grained([d, c, ridge[0]!, ridge[1]!], 1.6));
  const shutter = rng.pick(SHUTTER);
  for (let f = 0; f < (h > 8 ? 2 : 1); f++) {
    for (let xx = x0 + 1.2; xx < x1 - 1.4; xx += rng.range(2.4, 3.2)) {
      const y0 = 1.1 + f * 3.1;
      const isDoor = f === 0 && rng.chance(0.25);
      const top = isDoor ? 2.3 : y0 + 1.5;
      const bot = isDoor ? 0 : y0;
      if (isDoor) out.push(doorway((u, y) => project(xx + u, z, y), 1, top, shade(shutter, 0.6), wall));
      else {
        out.push(`<polygon points="${pts([project(xx - 0.1, z, bot - 0.15), project(xx + 1.1, z, bot - 0.15), project(xx + 1.1, z, top + 0.1), project(xx - 0.1, z, top + 0.1)])}" fill="${shade(wall, 1.1)}"/>`);
        out.push(`<polygon points="${pts([project(xx, z, bot), project(xx + 1, z, bot), project(xx + 1, z, top), project(xx, z, top)])}" fill="url(#glass)"/>`);
        out.push(`<polygon points="${pts([project(xx - 0.05, z, bot - 0.15), project(xx + 1.05, z, bot - 0.15), project(xx + 1.05, z, bot - 0.15 - streak(xx, z, bot - 0.15)), project(xx - 0.05, z, bot - 0.15 - streak(xx, z, bot - 0.15))])}" fill="url(#streak)"/>`);
        out.push(`<polygon points="${pts([project(xx - 0.45, z, bot), project(xx, z, bot), project(xx, z, top), project(xx - 0.45, z, top)])}" fill="${shutter}"/>`);
        out.push(`<polygon points="${pts([project(xx + 1, z, bot), project(xx + 1.45, z, bot), project(xx + 1.45, z, top), project(xx + 1, z, top)])}" fill="${shutter}"/>`);
      }
    }
  }
  void light;
  return out.join('');
}

/**
 * A village front door on a wall plane (`at(u, y)`: u metres along the wall, y up): stone
 * surround and step, the leaf with its panels and handle, a glazed transom under the lintel.
 */
function doorway(at: (u: number, y: number) => [number, number], w: number, h: number, leaf: string, wall: string): string {
  const rect = (u0: number, u1: number, y0: number, y1: number, fill: string) => poly([at(u0, y0), at(u1, y0), at(u1, y1), at(u0, y1)], fill);
  const panels = [0.12, w / 2 + 0.05].map((u) => rect(u, u + w / 2 - 0.17, 0.3, h * 0.46, shade(leaf, 0.8)) + rect(u, u + w / 2 - 0.17, h * 0.52, h - 0.55, shade(leaf, 0.8))).join('');
  const [hx, hy] = at(w * 0.84, h * 0.47);
  const [hx2] = at(w * 0.84 + 0.06, h * 0.47);
  return [
    rect(-0.16, w + 0.16, 0, h + 0.22, shade(wall, 1.1)),
    rect(0, w, 0, h, leaf),
    panels,
    rect(0.08, w - 0.08, h - 0.42, h - 0.08, 'url(#glass)'),
    rect(0, w, h - 0.5, h - 0.44, shade(leaf, 0.7)),
    `<circle cx="${hx.toFixed(1)}" cy="${hy.toFixed(1)}" r="${Math.max(0.3, Math.abs(hx2 - hx) / 2).toFixed(1)}" fill="#c8b070"/>`,
    rect(-0.25, w + 0.25, 0, 0.14, shade(wall, 0.95)),
  ].join('');
}

function church(project: Project, x: number, z: number, light: Light): string {
  const tw = 2.6;
  const base = [project(x - tw, z), project(x + tw, z), project(x + tw, z, 16), project(x - tw, z, 16)];
  const spire = [project(x - tw, z, 16), project(x + tw, z, 16), project(x, z, 24)];
  void light;
  return `<polygon points="${pts(base)}" fill="#d3c6a6"/>${grained(base)}<polygon points="${pts(spire)}" fill="#55595f"/>${grained(spire, 1.6)}<polygon points="${pts([project(x - 0.6, z, 11), project(x + 0.6, z, 11), project(x + 0.6, z, 13.5), project(x - 0.6, z, 13.5)])}" fill="#2a2a2e"/><circle cx="${project(x, z, 14.8)[0].toFixed(1)}" cy="${project(x, z, 14.8)[1].toFixed(1)}" r="${(3 / z * 100 * 0.12).toFixed(1)}" fill="#e8e0c8" stroke="#333" stroke-width="0.5"/>`;
}

function tree(project: Project, x: number, z: number, h: number, light: Light): { svg: string; shape: Shape } {
  const [bx, by] = project(x, z);
  const [, ty] = project(x, z, h);
  const r = (by - ty) * 0.42;
  const trunkW = Math.max(1.5, r * 0.12);
  const crown = foliage(bx, ty + r, r, x * 31 + z, light);
  // the leaves as drawn, where they are mostly opaque, and the trunk hide what stands behind them
  const shape: Shape = [...crown.cover, [bx - trunkW / 2, ty + r, bx + trunkW / 2, by]];
  const svg = `<ellipse cx="${(bx + light.shadowDx * 8).toFixed(1)}" cy="${by.toFixed(1)}" rx="${(r * 1.1).toFixed(1)}" ry="${(r * 0.24).toFixed(1)}" fill="url(#softShadow)" fill-opacity="${light.shadowOpacity * 0.75}"/><rect x="${(bx - trunkW / 2).toFixed(1)}" y="${(ty + r).toFixed(1)}" width="${trunkW.toFixed(1)}" height="${(by - ty - r).toFixed(1)}" fill="#6b5a48"/><rect x="${(bx - trunkW / 2).toFixed(1)}" y="${(ty + r).toFixed(1)}" width="${trunkW.toFixed(1)}" height="${(by - ty - r).toFixed(1)}" fill="url(#bodyShade)"/>${crown.svg}`;
  return { svg, shape };
}

/**
 * A crown as a photograph shows it, computed per pixel: a ragged silhouette of lobes, clumps of leaves lit
 * on the sun's side and dark beneath and inside, single leaves at the pixel scale, and sky showing through
 * the gaps towards the edge. Placed by hashing (the scene's random stream is left as it was). `cover`, the
 * pixels at least half opaque, is what the crown hides of those behind it.
 */
export function foliage(cx: number, cy: number, r: number, key: number, light: Pick<Light, 'shadowDx' | 'shadowOpacity'>): { svg: string; cover: Shape } {
  const half = Math.ceil(r * 1.3);
  const size = 2 * half;
  const rgba = new Uint8Array(size * size * 4);
  const ox = hash01(key, 1) * 900, oy = hash01(key, 2) * 900;
  // clumps about a sixth of the crown across, leaves at two or three pixels
  const clump = 16 / Math.max(6, r / 3.2), leaf = 16 / 2.5;
  // where the light comes from: the sun's side (shadows fall the other way) and above
  const lx = light.shadowDx >= 0 ? -0.55 : 0.55, ly = -0.6, lz = 0.58;
  const sun = 1 - light.shadowOpacity * 0.9;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      const dx = (px + 0.5 - half) / r, dy = (py + 0.5 - half) / (r * 0.92);
      const theta = Math.atan2(dy, dx);
      const edge = 0.86 + 0.14 * sampleNoiseSmooth(broadNoise, Math.cos(theta) * 40 + ox, Math.sin(theta) * 40 + oy) * 2.2;
      const d = Math.hypot(dx, dy) / edge;
      if (d > 1.15) continue;
      const c = sampleNoiseSmooth(fineNoise, px * clump + ox, py * clump + oy);
      const cUp = sampleNoiseSmooth(fineNoise, px * clump + ox, (py - 1.5) * clump + oy);
      const cSide = sampleNoiseSmooth(fineNoise, (px - 1.5) * clump + ox, py * clump + oy);
      const l = sampleNoiseSmooth(fineNoise, px * leaf + oy, py * leaf + ox);
      // leaves thin out towards the rim: the clumps stand apart there and the sky shows between them
      const cover = (1 - d) * 3 + c * 2.6 + l * 0.9 - 0.1;
      if (cover <= 0) continue;
      const alpha = Math.min(1, cover * 3);
      // the crown's roundness, then each clump's own bulge (its slope towards the light)
      const nz = Math.sqrt(Math.max(0, 1 - Math.min(1, d * d)));
      const round = Math.max(0, dx * lx + dy * ly + nz * lz);
      const bulge = (c - cUp) * 6 * -ly + (c - cSide) * 6 * -lx;
      const depth = Math.max(0, Math.min(1, 0.5 + c * 1.6)); // low clumps sit deeper in the crown's shade
      let k = (0.22 + 0.78 * sun * Math.max(0, round + bulge)) * (0.45 + 0.55 * depth) * (1 + 0.35 * l);
      k = Math.max(0.12, Math.min(1.25, k));
      // sunlit leaves go yellow-green, shaded ones blue-green
      const warm = Math.max(0, Math.min(1, k - 0.55));
      const i = (py * size + px) * 4;
      rgba[i] = clampByte((70 + 70 * warm) * k + 8);
      rgba[i + 1] = clampByte((104 + 40 * warm) * k + 10);
      rgba[i + 2] = clampByte((52 - 10 * warm) * k + 12);
      rgba[i + 3] = clampByte(255 * alpha);
    }
  }
  const x0 = Number((cx - half).toFixed(1)), y0 = Number((cy - half).toFixed(1));
  return { svg: svgImage(x0, y0, size, size, rgba), cover: opaqueRuns(rgba, size, x0, y0) };
}

/** The rows' runs of pixels at least half opaque, as rectangles placed where the image is drawn. */
function opaqueRuns(rgba: Uint8Array, size: number, x0: number, y0: number): Shape {
  const runs: Shape = [];
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      if (rgba[(py * size + px) * 4 + 3]! < 128) continue;
      const start = px;
      while (px + 1 < size && rgba[(py * size + px + 1) * 4 + 3]! >= 128) px++;
      runs.push([x0 + start, y0 + py, x0 + px + 1, y0 + py + 1]);
    }
  }
  return runs;
}

function clip(x0: number, y0: number, x1: number, y1: number, W: number, H: number, cls: FrameBox['cls']): FrameBox | undefined {
  const a = Math.max(0, x0);
  const b = Math.max(0, y0);
  const c = Math.min(W, x1);
  const d = Math.min(H, y1);
  if (c - a < 2 || d - b < 2) return undefined;
  return { cls, x: Math.round(a * 10) / 10, y: Math.round(b * 10) / 10, w: Math.round((c - a) * 10) / 10, h: Math.round((d - b) * 10) / 10 };
}

function person(rng: Rng, project: Project, x: number, z: number, light: Light, W: number, H: number): Drawable | undefined {
  const child = rng.chance(0.12);
  const height = child ? rng.range(1.0, 1.35) : rng.range(1.55, 1.92);
  const [fx, fy] = project(x, z);
  const [, hy] = project(x, z, height);
  const ph = fy - hy;
  if (ph < 6 || fy < 0) return undefined;
  const pw = ph * 0.27;
  const walking = rng.chance(0.6);
  const stride = walking ? rng.range(0.12, 0.22) * ph : 0.03 * ph;
  const skin = rng.pick(SKIN);
  const top = rng.pick(CLOTHES);
  // details drawn from a hash of the position: the scene's random stream (and so its layout) stays as it was
  const detail = (k: number) => hash01(Math.round(x * 1e3), Math.round(z * 1e3), k);
  const legs = rng.pick([...TROUSERS, top]);
  const hair = rng.pick(HAIR);
  const head = ph * 0.13;
  // the sun's side: the far side of the figure is in shade
  const away = light.shadowDx >= 0 ? 1 : -1;
  const s: string[] = [];
  s.push(`<ellipse cx="${(fx + light.shadowDx * ph * 0.25).toFixed(1)}" cy="${fy.toFixed(1)}" rx="${(pw * 0.8 + Math.abs(light.shadowDx) * ph * 0.25).toFixed(1)}" ry="${(pw * 0.22).toFixed(1)}" fill="url(#softShadow)" fill-opacity="${light.shadowOpacity}"/>`);
  s.push(`<ellipse cx="${fx.toFixed(1)}" cy="${fy.toFixed(1)}" rx="${(pw * 0.5 + stride * 0.4).toFixed(1)}" ry="${(pw * 0.12).toFixed(1)}" fill="url(#softShadow)" fill-opacity="0.5"/>`);
  const hip = fy - ph * 0.47;
  const lw = Math.max(1, pw * 0.32);
  const f = (n: number) => n.toFixed(1);
  // Legs in two parts, the thigh wider than the shin; walking, the knees bend forward of the line hip–foot.
  const knee = fy - ph * 0.25;
  const bend = walking ? pw * 0.06 : 0;
  const legPath = (off: number, part: 'thigh' | 'shin' | 'whole') =>
    [-1, 1]
      .map((side) => {
        const hx = fx + side * pw * 0.13 + off;
        const ax = fx + (side * stride) / 2 + off;
        const kx = (hx + ax) / 2 + side * bend;
        const ay = fy - lw * 0.3;
        if (part === 'thigh') return `M${f(hx)},${f(hip)} L${f(kx)},${f(knee)}`;
        if (part === 'shin') return `M${f(kx)},${f(knee)} L${f(ax)},${f(ay)}`;
        return `M${f(hx)},${f(hip)} L${f(kx)},${f(knee)} L${f(ax)},${f(ay)}`;
      })
      .join(' ');
  const limb = `fill="none" stroke-linecap="round" stroke-linejoin="round"`;
  s.push(`<path d="${legPath(0, 'thigh')}" ${limb} stroke="${legs}" stroke-width="${f(lw * 1.12)}"/><path d="${legPath(0, 'shin')}" ${limb} stroke="${legs}" stroke-width="${f(lw * 0.85)}"/>`);
  // each leg rounded: its shaded half
  if (lw > 1.6) s.push(`<path d="${legPath(away * lw * 0.24, 'whole')}" ${limb} stroke="${shade(legs, 0.62)}" stroke-width="${f(lw * 0.4)}"/>`);
  const shoe = Math.max(0.6, pw * 0.2);
  for (const dx of [-stride / 2, stride / 2]) s.push(`<ellipse cx="${f(fx + dx + shoe * 0.3)}" cy="${f(fy - shoe * 0.3)}" rx="${f(shoe)}" ry="${f(shoe * 0.5)}" fill="#1b1a19"/>`);
  if (!child && detail(1) < 0.25) {
    // a coat or a dress down to the knees, flared
    const hem = fy - ph * 0.24;
    const skirt = `M${f(fx - pw * 0.4)},${f(hip - ph * 0.04)} L${f(fx + pw * 0.4)},${f(hip - ph * 0.04)} Q${f(fx + pw * 0.5)},${f(hip + ph * 0.1)} ${f(fx + pw * 0.56)},${f(hem)} Q${f(fx)},${f(hem + ph * 0.015)} ${f(fx - pw * 0.56)},${f(hem)} Q${f(fx - pw * 0.5)},${f(hip + ph * 0.1)} ${f(fx - pw * 0.4)},${f(hip - ph * 0.04)} Z`;
    s.push(`<path d="${skirt}" fill="${shade(top, 0.9)}"/><path d="${skirt}" fill="url(#bodyShade)"/>`);
  }
  const shoulder = fy - ph * 0.81;
  const cloth = shade(top, 0.82 + 0.3 * detail(5)); // the same colour, worn and washed differently
  // Neck, sloping shoulders rounded over the arms, a waist and the hips: a body, not a box.
  const waist = fy - ph * 0.6;
  const at = (side: number, k: number, y: number) => `${f(fx + side * pw * k)},${f(y)}`;
  const torso = [
    `M${at(-1, 0.16, shoulder - ph * 0.012)}`,
    `Q${at(-1, 0.36, shoulder)} ${at(-1, 0.47, shoulder + ph * 0.025)}`,
    `Q${at(-1, 0.55, shoulder + ph * 0.05)} ${at(-1, 0.5, shoulder + ph * 0.12)}`,
    `L${at(-1, 0.41, waist)}`,
    `Q${at(-1, 0.4, waist + ph * 0.07)} ${at(-1, 0.44, hip + ph * 0.03)}`,
    `L${at(1, 0.44, hip + ph * 0.03)}`,
    `Q${at(1, 0.4, waist + ph * 0.07)} ${at(1, 0.41, waist)}`,
    `L${at(1, 0.5, shoulder + ph * 0.12)}`,
    `Q${at(1, 0.55, shoulder + ph * 0.05)} ${at(1, 0.47, shoulder + ph * 0.025)}`,
    `Q${at(1, 0.36, shoulder)} ${at(1, 0.16, shoulder - ph * 0.012)} Z`,
  ].join(' ');
  // the clothes, then the side away from the sun in shade
  s.push(`<path d="${torso}" fill="${cloth}"/><path d="${torso}" fill="url(#grain)" fill-opacity="0.3"/><path d="${torso}" fill="url(#sheen)"/><path d="${torso}" fill="url(#bodyShade)"/>`);
  if (detail(6) < 0.3 && pw > 4) {
    // an open jacket: the shirt or pullover under it down the middle
    const under = CLOTHES[Math.floor(detail(7) * CLOTHES.length)]!;
    s.push(`<path d="M${f(fx - pw * 0.14)},${f(shoulder - ph * 0.008)} L${f(fx + pw * 0.14)},${f(shoulder - ph * 0.008)} L${f(fx + pw * 0.09)},${f(hip + ph * 0.02)} L${f(fx - pw * 0.09)},${f(hip + ph * 0.02)} Z" fill="${under}"/>`);
  }
  // the belt line where the top meets the trousers
  if (pw > 5) s.push(`<path d="M${f(fx - pw * 0.42)},${f(hip + ph * 0.02)} L${f(fx + pw * 0.42)},${f(hip + ph * 0.02)}" stroke="#000" stroke-opacity="0.25" stroke-width="${f(Math.max(0.5, ph * 0.01))}"/>`);
  // walking, one hand comes forward and up, the other back: seen from the front it moves little sideways
  const swing = walking ? stride * 0.18 : 0;
  const aw = Math.max(0.8, pw * 0.22);
  // Arms bend at the elbow, the hand a little forward of the hip; sleeve wider than the forearm.
  const elbowY = fy - ph * 0.62;
  const wristY = hip + ph * 0.02;
  const arm = (side: number, sw: number) => `M${f(fx + side * pw * 0.44)},${f(shoulder + ph * 0.04)} L${f(fx + side * pw * 0.53 + sw * 0.4)},${f(elbowY)} L${f(fx + side * pw * 0.48 + sw)},${f(wristY - sw)}`;
  s.push(`<path d="${arm(-1, swing)} ${arm(1, -swing)}" ${limb} stroke="${shade(cloth, 0.85)}" stroke-width="${f(aw * 1.05)}"/>`);
  // the arm on the shaded side is darker all along
  s.push(`<path d="${arm(away, -away * swing)}" ${limb} stroke="${shade(cloth, 0.6)}" stroke-width="${f(aw * 1.05)}"/>`);
  const hand = Math.max(0.5, pw * 0.11);
  for (const side of [-1, 1]) s.push(`<ellipse cx="${f(fx + side * (pw * 0.48 - swing))}" cy="${f(wristY + side * swing + hand * 0.9)}" rx="${f(hand * 0.85)}" ry="${f(hand * 1.15)}" fill="${skin}"/>`);
  // the neck, narrower than the head, shaded under the chin
  s.push(`<rect x="${f(fx - head * 0.2)}" y="${f(hy + head * 0.85)}" width="${f(head * 0.4)}" height="${f(head * 0.45)}" fill="${shade(skin, 0.8)}"/>`);
  const face = `cx="${f(fx)}" cy="${f(hy + head * 0.55)}" rx="${f(head * 0.42)}" ry="${f(head * 0.55)}"`;
  const [behind, over] = hairdo(fx, hy, head, hair, detail(4));
  s.push(`${behind}<ellipse ${face} fill="${skin}"/><ellipse ${face} fill="url(#headShade)"/>${over}`);
  if (detail(2) < 0.12) s.push(`<path d="M${f(fx - head * 0.5)},${f(hy + head * 0.35)} Q${f(fx)},${f(hy - head * 0.3)} ${f(fx + head * 0.5)},${f(hy + head * 0.35)} L${f(fx + head * 0.75)},${f(hy + head * 0.42)} Z" fill="${CLOTHES[Math.floor(detail(3) * CLOTHES.length)]}"/>`);
  if (rng.chance(0.2)) s.push(`<rect x="${f(fx + pw * 0.3)}" y="${f(hip - ph * 0.05)}" width="${f(pw * 0.35)}" height="${f(ph * 0.14)}" rx="${f(pw * 0.05)}" fill="${rng.pick(CLOTHES)}"/>`);
  const key: Shape = [[fx - head * 0.45, hy, fx + head * 0.45, hy + head * 1.1]];
  const shape: Shape = [...key, [fx - pw / 2, shoulder, fx + pw / 2, hip], [fx - pw * 0.25 - stride / 2, hip, fx + pw * 0.25 + stride / 2, fy]];
  return { z, svg: `<g>${s.join('')}</g>`, box: clip(fx - pw / 2 - stride / 2, hy, fx + pw / 2 + stride / 2, fy, W, H, 'person'), shape, key };
}

/** Short hair, long hair falling to the shoulders, a bun, or cropped close: [behind the face, over it]. */
function hairdo(fx: number, hy: number, head: number, hair: string, style: number): [string, string] {
  const cap = (lift: number, drop: number, colour: string) => `<path d="M${(fx - head * 0.44).toFixed(1)},${(hy + head * drop).toFixed(1)} Q${fx.toFixed(1)},${(hy - head * lift).toFixed(1)} ${(fx + head * 0.44).toFixed(1)},${(hy + head * drop).toFixed(1)} Z" fill="${colour}"/>`;
  if (style < 0.5) return ['', cap(0.15, 0.5, hair)];
  if (style < 0.72) return [`<rect x="${(fx - head * 0.52).toFixed(1)}" y="${(hy + head * 0.2).toFixed(1)}" width="${(head * 1.04).toFixed(1)}" height="${(head * 1.05).toFixed(1)}" rx="${(head * 0.3).toFixed(1)}" fill="${hair}"/>`, cap(0.18, 0.42, hair)];
  if (style < 0.85) return [`<circle cx="${fx.toFixed(1)}" cy="${(hy - head * 0.02).toFixed(1)}" r="${(head * 0.2).toFixed(1)}" fill="${hair}"/>`, cap(0.15, 0.45, hair)];
  return ['', cap(0.02, 0.42, shade(hair, 0.9))];
}

function vehicle(rng: Rng, project: Project, kind: 'car' | 'van' | 'bike', x: number, z: number, light: Light, W: number, H: number): Drawable | undefined {
  const color = rng.pick(CAR);
  if (kind === 'bike') {
    const [fx, fy] = project(x, z);
    const [, ty] = project(x, z, 1.0);
    const h = fy - ty;
    const r = h * 0.35;
    const svg = `<g fill="none" stroke="#222" stroke-width="${Math.max(0.8, h * 0.05).toFixed(1)}"><circle cx="${(fx - r * 1.1).toFixed(1)}" cy="${(fy - r).toFixed(1)}" r="${r.toFixed(1)}"/><circle cx="${(fx + r * 1.1).toFixed(1)}" cy="${(fy - r).toFixed(1)}" r="${r.toFixed(1)}"/><path d="M${(fx - r * 1.1).toFixed(1)},${(fy - r).toFixed(1)} L${fx.toFixed(1)},${(fy - r * 2.1).toFixed(1)} L${(fx + r * 1.1).toFixed(1)},${(fy - r).toFixed(1)}" stroke="${color}"/></g>`;
    const outline: Shape[number] = [fx - r * 2.2, fy - h, fx + r * 2.2, fy];
    return { z, svg, box: clip(...outline, W, H, 'vehicle'), shape: [outline] };
  }
  const len = kind === 'van' ? 5.2 : rng.range(3.9, 4.6);
  const hgt = kind === 'van' ? 2.2 : 1.45;
  const wid = kind === 'van' ? 2 : 1.8;
  // Seen along the street axis: rear/front face plus the visible side.
  const zf = z;
  const zb = z + len;
  const near = x < 0 ? x + wid / 2 : x - wid / 2;
  const far = x < 0 ? x - wid / 2 : x + wid / 2;
  const rear = [project(near, zf), project(far, zf), project(far, zf, hgt), project(near, zf, hgt)];
  const side = [project(near, zf), project(near, zb), project(near, zb, hgt * 0.95), project(near, zf, hgt)];
  const top = [project(near, zf, hgt), project(far, zf, hgt), project(far, zb, hgt * 0.95), project(near, zb, hgt * 0.95)];
  const wheel = (zz: number) => {
    const [wx, wy] = project(near, zz, 0.33);
    const [, wy2] = project(near, zz, 0);
    const r = wy2 - wy;
    return `<ellipse cx="${wx.toFixed(1)}" cy="${wy.toFixed(1)}" rx="${(r * 0.45).toFixed(1)}" ry="${r.toFixed(1)}" fill="#151515"/>`;
  };
  const shadow = [project(near - 0.2, zf - 0.2), project(far + 0.2, zf - 0.2), project(far + 0.2 + light.shadowDx, zb + 0.3), project(near - 0.2 + light.shadowDx, zb + 0.3)];
  const across = (t: number) => near * (1 - t) + far * t;
  const rearBand = (t0: number, t1: number, h0: number, h1: number) => [project(across(t0), zf, h0), project(across(t1), zf, h0), project(across(t1), zf, h1), project(across(t0), zf, h1)];
  const lights = (h0: number, h1: number, w: number) => poly(rearBand(0, w, h0, h1), '#b3261e') + poly(rearBand(1 - w, 1, h0, h1), '#b3261e');
  const plate = poly([project(x - 0.26, zf, hgt * 0.22), project(x + 0.26, zf, hgt * 0.22), project(x + 0.26, zf, hgt * 0.3), project(x - 0.26, zf, hgt * 0.3)], '#f2f2ee');
  const bumper = poly([project(near, zf, 0.12), project(far, zf, 0.12), project(far, zf, 0.32), project(near, zf, 0.32)], '#101010', ' fill-opacity="0.55"');
  const parts = [poly(shadow, '#000', ` fill-opacity="${light.shadowOpacity}"`)];
  if (kind === 'car') {
    // A body to the waistline, then the cabin, narrower and shorter, its rear window sloping back.
    const hb = hgt * 0.62;
    const inset = wid * 0.09;
    const nearC = near + (x < 0 ? -inset : inset);
    const farC = far + (x < 0 ? inset : -inset);
    const z0 = zf + len * 0.1;
    const zr = zf + len * 0.26;
    const zw = zb - len * 0.3;
    const z1 = zb - len * 0.14;
    parts.push(
      poly([project(near, zf), project(near, zb), project(near, zb, hb * 0.92), project(near, zf, hb)], shade(color, 0.82)),
      poly([project(near, zf, hb), project(far, zf, hb), project(far, zb, hb * 0.92), project(near, zb, hb * 0.92)], shade(color, 1.05)),
      poly([project(nearC, z0, hb), project(nearC, z1, hb * 0.95), project(nearC, zw, hgt), project(nearC, zr, hgt)], shade(color, 0.78)),
      poly([project(nearC, z0 + len * 0.1, hb * 1.06), project(nearC, z1 - len * 0.06, hb * 1.04), project(nearC, zw - len * 0.03, hgt * 0.95), project(nearC, zr + len * 0.03, hgt * 0.95)], '#2a3138', ' fill-opacity="0.9"'),
      poly([project(nearC, zr, hgt), project(farC, zr, hgt), project(farC, zw, hgt), project(nearC, zw, hgt)], shade(color, 1.12)),
      poly([project(nearC, z0, hb), project(farC, z0, hb), project(farC, zr, hgt), project(nearC, zr, hgt)], shade(color, 0.9)),
      poly([project(across(0.16), z0, hb * 1.04), project(across(0.84), z0, hb * 1.04), project(across(0.8), zr, hgt * 0.97), project(across(0.2), zr, hgt * 0.97)], 'url(#glass)'),
      wheel(zf + 0.8),
      wheel(zb - 0.8),
      poly(rearBand(0, 1, 0, hb), color),
      lights(hb * 0.62, hb * 0.9, 0.2),
      bumper,
      plate,
      poly(rearBand(0, 1, 0, hb), 'url(#paint)'),
    );
  } else {
    // A van: a tall box, its two rear doors split down the middle, windows high in them, a sliding side door.
    parts.push(
      poly(side, shade(color, 0.82)),
      poly(top, shade(color, 1.08)),
      poly([project(near, zb - len * 0.3, hgt * 0.88), project(near, zb - len * 0.08, hgt * 0.84), project(near, zb - len * 0.08, hgt * 0.55), project(near, zb - len * 0.3, hgt * 0.55)], '#2a3138', ' fill-opacity="0.9"'),
      `<path d="M${pts([project(near, zf + len * 0.45, hgt * 0.9), project(near, zf + len * 0.45, hgt * 0.08)])}" stroke="#000" stroke-opacity="0.35" stroke-width="0.8"/>`,
      wheel(zf + 0.8),
      wheel(zb - 0.8),
      poly(rear, color),
      poly(rearBand(0.08, 0.47, hgt * 0.62, hgt * 0.88), 'url(#glass)'),
      poly(rearBand(0.53, 0.92, hgt * 0.62, hgt * 0.88), 'url(#glass)'),
      `<path d="M${pts([project(x, zf, hgt * 0.95), project(x, zf, hgt * 0.14)])}" stroke="#000" stroke-opacity="0.45" stroke-width="0.9"/>`,
      lights(hgt * 0.25, hgt * 0.5, 0.08),
      bumper,
      plate,
      poly(rear, 'url(#paint)'),
    );
  }
  const svg = `<g>${parts.join('')}</g>`;
  const all = [...rear, ...side, ...top];
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const outline: Shape[number] = [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
  return { z: z + len / 2, svg, box: clip(...outline, W, H, 'vehicle'), shape: [outline] };
}

/**
 * The labelled drawables a camera can count: walking from the nearest to the farthest over a mask of
 * what is already hidden, an object counts when enough of its shape shows inside the frame (a person
 * also when its head shows). Drawables come sorted far to near.
 */
export function visible(drawables: Drawable[], W: number, H: number): Set<Drawable> {
  const hidden = new Uint8Array(W * H);
  const shown = new Set<Drawable>();
  const share = (shape: Shape) => {
    let total = 0;
    let seen = 0;
    for (const [x0, y0, x1, y1] of shape) {
      total += Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
      for (let y = Math.max(0, Math.ceil(y0 - 0.5)); y < Math.min(H, y1 - 0.5); y++) {
        for (let x = Math.max(0, Math.ceil(x0 - 0.5)); x < Math.min(W, x1 - 0.5); x++) if (!hidden[y * W + x]) seen++;
      }
    }
    return total > 0 ? seen / total : 0;
  };
  for (let i = drawables.length - 1; i >= 0; i--) {
    const d = drawables[i]!;
    if (!d.shape) continue;
    if (d.box) {
      const need = d.box.cls === 'person' ? VISIBLE_SHARE.person : VISIBLE_SHARE.vehicle;
      if (share(d.shape) >= need || (d.key && share(d.key) >= VISIBLE_SHARE.head)) shown.add(d);
    }
    for (const [x0, y0, x1, y1] of d.shape) {
      for (let y = Math.max(0, Math.ceil(y0 - 0.5)); y < Math.min(H, y1 - 0.5); y++) hidden.fill(1, y * W + Math.max(0, Math.ceil(x0 - 0.5)), y * W + Math.max(0, Math.min(W, Math.ceil(x1 - 0.5))));
    }
  }
  return shown;
}
