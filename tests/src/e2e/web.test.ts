import fs from 'node:fs';
import path from 'node:path';
import { toWgs84 } from '@vigie/api/geo';
import { registerGeoTiff } from '@vigie/workers/imagery';
import { startWorker, type WorkerHandle } from '@vigie/workers/worker';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeGradientOrtho } from '../support/fixtures';
import { ADMIN_EMAIL, ADMIN_PASSWORD, type TestStack, startStack } from '../support/stack';
import { ROOT, buildWeb, launchChromium, openView, shoot } from './browser';

/** Lambert-93 corner of the test orthophoto: 1024 px at 2 m = a 2 km square, split into two communes. */
const ORIGIN = { originX: 289_000, originY: 6_752_000 };
const SIDE_M = 2048;
/** the offline base map's land colour (web/src/map/basemap.ts) */
const LAND = [0xee, 0xf0, 0xe6];

function communeRing(x0: number, x1: number) {
  const { originX, originY } = ORIGIN;
  return [[originX + x0, originY], [originX + x1, originY], [originX + x1, originY - SIDE_M], [originX + x0, originY - SIDE_M], [originX + x0, originY]].map(
    (p) => toWgs84(p as [number, number]),
  );
}

/** Share of the map's pixels that are not the plain land background, and how many distinct colours it shows. */
async function mapPixels(page: Page) {
  const png = await page.locator('[data-testid=map]').screenshot();
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  let drawn = 0, gradient = 0;
  const colours = new Set<number>();
  for (let o = 0; o < data.length; o += 3) {
    const [r, g, b] = [data[o]!, data[o + 1]!, data[o + 2]!];
    if (Math.abs(r - LAND[0]!) + Math.abs(g - LAND[1]!) + Math.abs(b - LAND[2]!) > 30) drawn++;
    // the fixture ortho: blue fixed at 80, red/green ramps
    if (Math.abs(b - 80) < 12 && Math.abs(r - g) > 20) gradient++;
    colours.add((r >> 4) * 256 + (g >> 4) * 16 + (b >> 4));
  }
  const pixels = info.width * info.height;
  return { drawn: drawn / pixels, gradient: gradient / pixels, colours: colours.size };
}

/** the choropleth's outline of a commune covered in part (web/src/usecases/zan/layers.ts PARTIAL) */
const PARTIAL_OUTLINE = [230, 140, 0] as const;

/** Pixels of the map within a few levels of a colour. */
async function colourPixels(page: Page, [r, g, b]: readonly [number, number, number]) {
  const png = await page.locator('[data-testid=map]').screenshot();
  const { data } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  let count = 0;
  for (let o = 0; o < data.length; o += 3) if (Math.abs(data[o]! - r) + Math.abs(data[o + 1]! - g) + Math.abs(data[o + 2]! - b) < 30) count++;
  return count;
}

describe('web dashboard in headless Chromium', () => {
  let stack: TestStack;
  let worker: WorkerHandle;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    // the API serves web/dist only if it exists when the app is created
    buildWeb();
    stack = await startStack();
    const db = stack.platform.db;
    const { authorityId } = await db.selectFrom('appUser').select('authorityId').where('email', '=', ADMIN_EMAIL).executeTakeFirstOrThrow();

    const file = path.join(stack.config.dataDir, 'ortho-2024.tif');
    writeGradientOrtho(file, { width: 1024, height: 1024, gsd: 2, ...ORIGIN });
    await registerGeoTiff(db, { authorityId, year: 2024, file, acquisitionDate: '2024-06-15', label: 'Orthophotographie 2024' });
    await db.insertInto('vintage').values({ authorityId, year: 2021, label: 'Orthophotographie 2021', acquisitionDate: '2021-07-02' }).execute();
    for (const [insee, name, x0, x1, population] of [['56198', 'Rochefort-en-Terre', 0, 1024, 712], ['56123', 'Malansac', 1024, 2048, 2409]] as const) {
      const ring = communeRing(x0, x1);
      const lons = ring.map((p) => p[0]), lats = ring.map((p) => p[1]);
      await db
        .insertInto('commune')
        .values({
          authorityId, insee, name, population,
          geometry: JSON.stringify({ type: 'Polygon', coordinates: [ring] }) as never,
          bbox: `(${Math.min(...lons)},${Math.min(...lats)}),(${Math.max(...lons)},${Math.max(...lats)})`,
          areaM2: (x1 - x0) * SIDE_M,
        })
        .execute();
    }
    const card = JSON.parse(fs.readFileSync(path.join(ROOT, 'tests/fixtures/models/random-yolox/model.json'), 'utf8'));
    await db
      .insertInto('model')
      .values({ id: card.id, version: card.version, task: card.task, card: JSON.stringify(card) as never, filePath: 'tests/fixtures/models/random-yolox/model.onnx', sha256: card.sha256 })
      .execute();
    worker = await startWorker(stack.platform, { concurrency: 2 });

    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1366, height: 768 }, locale: 'fr-FR' });
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
    page.on('pageerror', (e) => consoleErrors.push(e.message));
  });

  afterAll(async () => {
    await browser?.close();
    await worker?.stop();
    await stack?.stop();
  });

  it('signs in through the login page', async () => {
    await page.goto(`${stack.baseUrl}/`);
    await page.getByRole('heading', { name: 'Connexion' }).waitFor();
    await shoot(page, 'login');
    await page.getByLabel('Adresse électronique').fill(ADMIN_EMAIL);
    await page.getByLabel('Mot de passe').fill('mauvais-mot-de-passe');
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.getByRole('alert').waitFor();
    await page.getByLabel('Mot de passe').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.getByRole('navigation', { name: 'Navigation principale' }).waitFor();
    await page.getByRole('link', { name: 'Modèles' }).waitFor();
    const nav = await page.getByRole('navigation').getByRole('link').allTextContents();
    expect(nav).toEqual(['Carte', 'Dépôts sauvages', 'ZAN', 'Affluence', 'Analyses', 'Modèles']);
  });

  it('draws the communes on a non-blank map, fitted to the territory', async () => {
    await page.getByRole('heading', { level: 2, name: 'Territoire' }).waitFor().catch(async (error) => {
      throw new Error(`${error}\n${consoleErrors.join('\n')}\n${(await page.content()).slice(0, 3000)}`);
    });
    await expect.poll(async () => (await mapPixels(page)).drawn, { timeout: 20_000 }).toBeGreaterThan(0.005);
    const pixels = await mapPixels(page);
    expect(pixels.colours).toBeGreaterThan(8);
    expect(await page.getByRole('row', { name: /Rochefort-en-Terre/ }).textContent()).toContain('2,1 km²');
    await shoot(page, 'map-offline');
  });

  it('starts an ortho tiling run and follows it to the end over SSE', async () => {
    await openView(page, 'Analyses', /Analyses/);
    await page.getByLabel('Type d’analyse').selectOption('ortho');
    await page.locator('#run-vintage').selectOption('2024');
    await page.getByRole('button', { name: 'Lancer l’analyse' }).click();
    await page.getByText('Analyse lancée.').waitFor();
    const run = page.getByTestId('run').first();
    await run.getByText('terminée', { exact: true }).waitFor({ timeout: 90_000 });
    expect(await run.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('100');
    // the finished ortho run gives the vintage its orthophoto without a reload
    await expect.poll(() => page.locator('#map-vintage option:checked').textContent()).toBe('Orthophotographie 2024 ');
    await shoot(page, 'runs');
  });

  it('shows the tiled orthophoto of the selected vintage', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Carte', exact: true }).click();
    await page.reload();
    await page.getByRole('heading', { level: 2, name: 'Territoire' }).waitFor();
    await expect.poll(() => page.locator('#map-vintage option:checked').textContent()).toMatch(/2024/);
    await expect.poll(async () => (await mapPixels(page)).gradient, { timeout: 30_000 }).toBeGreaterThan(0.2);
    await shoot(page, 'map-ortho');
  });

  it('says plainly when there are no detections, no ZAN analysis and no sensor yet', async () => {
    await openView(page, 'Dépôts sauvages', /Dépôts sauvages/);
    await page.getByText('Aucune détection ne correspond à ces filtres.', { exact: false }).waitFor();
    await shoot(page, 'dumps-empty');
    await openView(page, 'ZAN', /ZAN/);
    await page.getByText('Aucune analyse ZAN pour l’instant.').waitFor();
    await shoot(page, 'zan-empty');
    await openView(page, 'Affluence', /Affluence/);
    await page.getByText('Aucun capteur pour l’instant', { exact: false }).waitFor();
    await shoot(page, 'affluence-empty');
  });

  it('flags in the ZAN table a commune its orthophoto covers only in part', async () => {
    // figures as a land-cover run leaves them: 60 % of Rochefort-en-Terre analysed, all of Malansac
    const db = stack.platform.db;
    const { authorityId } = await db.selectFrom('appUser').select('authorityId').where('email', '=', ADMIN_EMAIL).executeTakeFirstOrThrow();
    const vintage = await db.selectFrom('vintage').select('id').where('year', '=', 2024).executeTakeFirstOrThrow();
    const run = await db.insertInto('run').values({ authorityId, useCase: 'zan', vintageId: vintage.id, options: {}, status: 'succeeded', finishedAt: new Date() }).returning('id').executeTakeFirstOrThrow();
    for (const [insee, share] of [['56198', 0.6], ['56123', 1]] as const) {
      const { areaM2 } = await db.selectFrom('commune').select('areaM2').where('insee', '=', insee).executeTakeFirstOrThrow();
      await db.insertInto('landcoverStat').values({ authorityId, vintageId: vintage.id, communeInsee: insee, classId: 0, areaM2: areaM2 * share, artificialisedM2: areaM2 * share * 0.1, runId: run.id }).execute();
    }
    try {
      await openView(page, 'Dépôts sauvages', /Dépôts sauvages/);
      await openView(page, 'ZAN', /ZAN/);
      const flags = page.getByTestId('zan-commune-partial');
      await flags.first().waitFor();
      expect(await flags.allTextContents()).toEqual(['⚠ couverte à 60 %']);
      const row = page.locator('table.zan-communes tr', { has: flags });
      expect(await row.getByRole('button').textContent()).toBe('Rochefort-en-Terre');
      await shoot(page, 'zan-partial');
      // on the choropleth, the partly covered commune has an orange outline, and the legend says why
      await page.getByLabel('Artificialisation nette par commune').check();
      await page.getByTestId('zan-partial-hint').waitFor();
      await expect.poll(() => colourPixels(page, PARTIAL_OUTLINE), { timeout: 10_000 }).toBeGreaterThan(200);
      await shoot(page, 'zan-partial-choropleth');
      await page.locator('input[name=zan-bg]').first().check();
    } finally {
      await db.deleteFrom('landcoverStat').where('runId', '=', run.id).execute();
      await db.deleteFrom('run').where('id', '=', run.id).execute();
    }
  });

  it('lists the models and switches to English', async () => {
    await openView(page, 'Modèles', /Modèles/);
    await page.getByRole('heading', { level: 3, name: 'random-yolox' }).waitFor();
    // the figures of `vigie models eval` read as labelled values with their target, not as JSON
    const crowd = page.getByRole('article', { name: 'crowd-counter' });
    await crowd.getByText('✗ Objectifs non atteints sur le jeu de test').waitFor();
    await crowd.getByText(/erreur moyenne ≤ 1 personne par image/).waitFor();
    const crowdCard = JSON.parse(fs.readFileSync(path.join(ROOT, 'models/crowd-counter/model.json'), 'utf8'));
    const mae = crowd.getByRole('row', { name: /^Erreur moyenne, personnes par image/ }).getByRole('cell');
    expect(await mae.textContent()).toBe(new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 3 }).format(crowdCard.metrics.results.maePeople));
    const landcover = page.getByRole('article', { name: 'landcover-segmenter' });
    await landcover.getByText('✓ Objectifs atteints sur le jeu de test').waitFor();
    // class labels from the card, in its order (jsonb reorders keys; the API once camel-cased them: sol_nu → solNu)
    const iouRows = await landcover.getByRole('row', { name: /^IoU · / }).allTextContents();
    expect(iouRows.map((r) => r.split(' · ')[1]!.replace(/[\d,]+$/, ''))).toEqual(landcoverLabels());
    expect(await page.locator('.model-card code').filter({ hasText: '{' }).count()).toBe(0);
    await landcover.getByRole('row', { name: /^IoU · Piscine/ }).scrollIntoViewIfNeeded();
    await shoot(page, 'models-landcover');
    await page.locator('aside.panel').evaluate((el) => el.scrollTo(0, 0));
    await shoot(page, 'models');
    await page.getByLabel('Langue').selectOption('en');
    await page.getByRole('navigation').getByRole('link', { name: 'Map', exact: true }).waitFor();
    await shoot(page, 'models-en');
    await page.getByLabel('Language').selectOption('fr');
    expect(consoleErrors.filter((e) => !/404|Failed to load resource/.test(e))).toEqual([]);
  });
});

function landcoverLabels(): string[] {
  const card = JSON.parse(fs.readFileSync(path.join(ROOT, 'models/landcover-segmenter/model.json'), 'utf8')) as { classes: { label: string }[] };
  return card.classes.map((c) => c.label);
}
