/**
 * Web benchmark: the production build in headless Chromium (WebGL through SwiftShader, no GPU).
 *
 *   first render:  login page (first contentful paint), then the dashboard after sign-in until the base
 *                  map has loaded and the first deck.gl layers are drawn (User Timing marks set by MapView)
 *   dumps load:    a fresh load of the dumps view until 50,000 detections are in the table (the API pages
 *                  by 500) and until they are first drawn, from the navigation start
 *   panning:       frame times (requestAnimationFrame intervals) while dragging the map over 50,000
 *                  detections, zoomed out and 2, 3 and 5 steps in; each line says the zoom and what the
 *                  dumps view drew there (heat map, discs or footprints, as MapView's marks tell)
 *   reference:     the same drags on the plain map view (commune outlines only), in the same browser
 *
 * Run: pnpm bench web (or tsx tests/bench/main.ts web). WEB_BENCH_DETECTIONS overrides the 50,000.
 */
import { startStack, ADMIN_EMAIL, ADMIN_PASSWORD } from '../src/support/stack';
import { buildWeb, launchChromium, signIn } from '../src/e2e/browser';
import type { Page } from 'playwright-core';

const DETECTIONS = Number(process.env.WEB_BENCH_DETECTIONS ?? 50_000);
/** the bench territory: ~15 km × 15 km around Pontoise */
const WEST = 1.95, SOUTH = 49.0, EAST = 2.15, NORTH = 49.14;
const DRAGS = 4;
const DRAG_PX = 360;
const STEPS = 30;
/** zoom-in clicks from the view fitted to the territory, one drag series at each */
const ZOOM_STEPS = [0, 2, 3, 5];

export interface FrameStats {
  frames: number;
  meanMs: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  fps: number;
}

export interface WebBench {
  detections: number;
  loginFcpMs: number;
  dashboardMapLoadedMs: number;
  dashboardFirstLayersMs: number;
  dumpsLoadedMs: number;
  dumpsFirstDrawMs: number;
  panning: { zoom: string; reference: FrameStats; dumps: FrameStats; ratio: number }[];
}

/** A deterministic spread of detections: clusters along imaginary roads, scores and areas varied. */
function* detectionRows(authorityId: number, runId: string, vintageId: number, n: number) {
  let seed = 42;
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const statuses = ['a_verifier', 'a_verifier', 'a_verifier', 'confirme', 'faux_positif', 'signale', 'resorbe'] as const;
  for (let i = 0; i < n; i++) {
    const lon = WEST + random() * (EAST - WEST), lat = SOUTH + random() * (NORTH - SOUTH);
    const side = 2 + random() * 10; // m
    const dLon = side / 2 / (111_320 * Math.cos((lat * Math.PI) / 180)), dLat = side / 2 / 110_540;
    const ring = [[lon - dLon, lat - dLat], [lon + dLon, lat - dLat], [lon + dLon, lat + dLat], [lon - dLon, lat + dLat], [lon - dLon, lat - dLat]];
    yield {
      authorityId, runId, vintageId, mergeKey: `bench-${i}`,
      footprint: JSON.stringify({ type: 'Polygon', coordinates: [ring] }) as never,
      bbox: `(${lon - dLon},${lat - dLat}),(${lon + dLon},${lat + dLat})`,
      lon, lat, xL93: 0, yL93: 0, score: 0.3 + random() * 0.7, areaM2: side * side, communeInsee: '95500',
      status: statuses[Math.floor(random() * statuses.length)]!, thumbnailPath: null, createdAt: new Date(), updatedAt: new Date(),
    };
  }
}

function stats(intervals: number[]): FrameStats {
  const sorted = [...intervals].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  const mean = intervals.reduce((s, v) => s + v, 0) / Math.max(1, intervals.length);
  return { frames: intervals.length, meanMs: mean, p50Ms: at(0.5), p95Ms: at(0.95), maxMs: sorted.at(-1) ?? NaN, fps: 1000 / mean };
}

/** Drags the map back and forth and returns the intervals between animation frames meanwhile. */
async function panFrames(page: Page): Promise<number[]> {
  const box = (await page.locator('[data-testid=map]').boundingBox())!;
  const cx = box.x + box.width / 2, cy = box.y + box.height / 2;
  // a string, not a function: tsx would wrap named functions in a helper the page does not have
  await page.evaluate(`(() => {
    window.__frames = [];
    window.__recording = true;
    const tick = (t) => {
      window.__frames.push(t);
      if (window.__recording) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  })()`);
  for (let d = 0; d < DRAGS; d++) {
    const dir = d % 2 === 0 ? 1 : -1;
    await page.mouse.move(cx - (dir * DRAG_PX) / 2, cy);
    await page.mouse.down();
    await page.mouse.move(cx + (dir * DRAG_PX) / 2, cy + dir * 40, { steps: STEPS });
    await page.mouse.up();
  }
  const frames = (await page.evaluate('(() => { window.__recording = false; return window.__frames; })()')) as number[];
  return frames.slice(1).map((t, i) => t - frames[i]!);
}

/** The first User Timing mark `name` after `after` ms whose detail mentions `detailPart` (layer ids…). */
const markTime = (page: Page, name: string, after: number, detailPart: string) =>
  page.evaluate(
    ([n, a, part]) => performance.getEntriesByName(n as string).find((e) => e.startTime > (a as number) && JSON.stringify((e as unknown as { detail?: unknown }).detail ?? null).includes(part as string))?.startTime ?? null,
    [name, after, detailPart],
  );

async function waitForMark(page: Page, name: string, after = 0, detailPart = '', timeout = 180_000): Promise<number> {
  console.error(`web bench: waiting for ${name}${detailPart ? ` (${detailPart})` : ''}`);
  const deadline = Date.now() + timeout;
  for (;;) {
    const t = await markTime(page, name, after, detailPart);
    if (t !== null && t > after) return t;
    if (Date.now() > deadline) {
      const seen = await page.evaluate(() => performance.getEntriesByType('mark').map((e) => `${e.name}@${e.startTime.toFixed(0)} ${JSON.stringify((e as unknown as { detail?: unknown }).detail ?? null)}`));
      throw new Error(`no ${name} mark after ${after} ms; marks seen: ${seen.join(' | ') || 'none'}`);
    }
    await page.waitForTimeout(50);
  }
}

/** The zoom and the dumps layers of the last frame drawn after a change of layers. */
async function drawnNow(page: Page): Promise<string> {
  const detail = (await page.evaluate(() => (performance.getEntriesByName('vigie:layers-rendered').at(-1) as unknown as { detail?: { zoom?: number; layers?: string[] } } | undefined)?.detail)) ?? {};
  const names: Record<string, string> = { 'dumps-heat': 'heat map', 'dumps-points': 'discs', 'dumps-footprints': 'footprints' };
  const drawn = (detail.layers ?? []).map((id) => names[id]).filter(Boolean);
  return `z${(detail.zoom ?? NaN).toFixed(1)} ${drawn.join('+') || 'map'}`;
}

/** Clicks the zoom-in control `times` times and waits for the view (and the layers) to settle. */
async function zoomIn(page: Page, times: number) {
  for (let i = 0; i < times; i++) {
    await page.getByRole('button', { name: 'Zoom avant' }).click();
    await page.waitForTimeout(350);
  }
  await page.waitForTimeout(1200);
}

export async function benchWeb(): Promise<WebBench> {
  buildWeb();
  const stack = await startStack();
  const browser = await launchChromium();
  try {
    const db = stack.platform.db;
    const { authorityId } = await db.selectFrom('appUser').select('authorityId').where('email', '=', ADMIN_EMAIL).executeTakeFirstOrThrow();
    const ring = [[WEST, SOUTH], [EAST, SOUTH], [EAST, NORTH], [WEST, NORTH], [WEST, SOUTH]];
    await db.insertInto('commune').values({ authorityId, insee: '95500', name: 'Pontoise', population: 31_000, geometry: JSON.stringify({ type: 'Polygon', coordinates: [ring] }) as never, bbox: `(${WEST},${SOUTH}),(${EAST},${NORTH})`, areaM2: 15_000 * 15_500 }).execute();
    const { id: vintageId } = await db.insertInto('vintage').values({ authorityId, year: 2024, label: 'Orthophotographie 2024', acquisitionDate: '2024-06-15' }).returning('id').executeTakeFirstOrThrow();
    const { id: runId } = await db.insertInto('run').values({ authorityId, useCase: 'dumps', modelId: null, vintageId, area: null, communeInsees: [], options: JSON.stringify({}) as never, createdBy: null, createdAt: new Date(), startedAt: null, finishedAt: null, error: null }).returning('id').executeTakeFirstOrThrow();
    let batch = [];
    for (const row of detectionRows(authorityId, runId, vintageId, DETECTIONS)) {
      batch.push(row);
      if (batch.length === 2000) {
        await db.insertInto('dumpDetection').values(batch).execute();
        batch = [];
      }
    }
    if (batch.length > 0) await db.insertInto('dumpDetection').values(batch).execute();

    const page = await browser.newPage({ viewport: { width: 1366, height: 768 }, locale: 'fr-FR' });
    await page.goto(`${stack.baseUrl}/`);
    await page.getByRole('heading', { name: 'Connexion' }).waitFor();
    const loginFcpMs = (await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN)) as number;

    // sign in, then time the dashboard from a fresh load of it (the session cookie is set)
    await signIn(page, stack.baseUrl, ADMIN_EMAIL, ADMIN_PASSWORD);
    await page.goto(`${stack.baseUrl}/`);
    const dashboardMapLoadedMs = await waitForMark(page, 'vigie:map-loaded');
    const dashboardFirstLayersMs = await waitForMark(page, 'vigie:layers-rendered');
    await page.waitForTimeout(1500);

    const panning: WebBench['panning'] = [];
    const referenceAt: FrameStats[] = [];
    // reference: the plain map at the same zooms
    for (const [i, steps] of ZOOM_STEPS.entries()) {
      if (steps) await zoomIn(page, steps - (ZOOM_STEPS[i - 1] ?? 0));
      referenceAt[i] = stats(await panFrames(page));
      console.error(`web bench: reference at +${steps} zoom steps, ${referenceAt[i]!.frames} frames, mean ${referenceAt[i]!.meanMs.toFixed(0)} ms`);
    }

    // the dumps view from a fresh load (fitted again to the territory)
    await page.goto(`${stack.baseUrl}/dumps`);
    const dumpsLoadedMs = await waitForMark(page, 'vigie:dumps-loaded', 0, `"detections":${DETECTIONS}`);
    const dumpsFirstDrawMs = await waitForMark(page, 'vigie:layers-rendered', 0, '"dumps-');
    const total = new Intl.NumberFormat('fr-FR').format(DETECTIONS);
    await page.getByText(`${total} détections`, { exact: true }).waitFor();
    await page.waitForTimeout(1500);
    for (const [i, steps] of ZOOM_STEPS.entries()) {
      if (steps) await zoomIn(page, steps - (ZOOM_STEPS[i - 1] ?? 0));
      const label = await drawnNow(page);
      const dumps = stats(await panFrames(page));
      console.error(`web bench: ${label}, ${dumps.frames} frames, mean ${dumps.meanMs.toFixed(0)} ms`);
      panning.push({ zoom: label, reference: referenceAt[i]!, dumps, ratio: dumps.meanMs / referenceAt[i]!.meanMs });
    }
    await page.close();
    return { detections: DETECTIONS, loginFcpMs, dashboardMapLoadedMs, dashboardFirstLayersMs, dumpsLoadedMs, dumpsFirstDrawMs, panning };
  } finally {
    await browser.close();
    await stack.stop();
  }
}

export function printWeb(b: WebBench): void {
  const ms = (v: number) => `${v.toFixed(0)} ms`;
  console.log(`Chromium sans GPU (SwiftShader), 1366 × 768, build de production servi par l’API`);
  console.log(`  premier affichage (page de connexion, FCP) : ${ms(b.loginFcpMs)}`);
  console.log(`  tableau de bord : fond de carte chargé ${ms(b.dashboardMapLoadedMs)}, premières couches deck.gl ${ms(b.dashboardFirstLayersMs)}`);
  console.log(`  dépôts : ${b.detections} détections chargées (pages de 500) en ${ms(b.dumpsLoadedMs)}, dessinées à ${ms(b.dumpsFirstDrawMs)}`);
  console.log('\n  déplacement de la carte (intervalles entre images) : dépôts / référence (carte seule)');
  console.log('  zoom, dessin             images  moyenne  p50     p95     max      i/s    | réf. moyenne  réf. p95 | rapport');
  for (const p of b.panning) {
    const d = p.dumps, r = p.reference;
    console.log(`  ${p.zoom.padEnd(23)}  ${String(d.frames).padStart(6)}  ${d.meanMs.toFixed(1).padStart(6)}  ${d.p50Ms.toFixed(1).padStart(6)}  ${d.p95Ms.toFixed(1).padStart(6)}  ${d.maxMs.toFixed(0).padStart(6)}  ${d.fps.toFixed(1).padStart(6)}  | ${r.meanMs.toFixed(1).padStart(11)}  ${r.p95Ms.toFixed(1).padStart(8)} | ${p.ratio.toFixed(2)}`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) printWeb(await benchWeb());
