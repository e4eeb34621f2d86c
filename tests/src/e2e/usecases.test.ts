import fs from 'node:fs';
import path from 'node:path';
import { startWorker, type WorkerHandle } from '@vigie/workers/worker';
import { closeFrameCounter } from '@vigie/api/affluence';
import { installFrameCounter } from '@vigie/workers/affluence';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoStack } from '../support/demo';
import { waitForRun } from '../support/runs';
import { ADMIN_EMAIL, ADMIN_PASSWORD, type Client, type TestStack, login } from '../support/stack';
import { ROOT, buildWeb, launchChromium, openView, shoot, signIn } from './browser';
import type { Nomenclature } from '@vigie/api/contract';

/**
 * The three use-case views against the real API over the demo territory: a real dumps run and real ZAN
 * runs (shipped models, real worker), a sensor created through the interface that counts a real camera
 * frame, then the public affluence page.
 */
const DUMPS_MODEL = path.join(ROOT, 'models/dumps-detector/model.onnx');
/** two vintages give one period of flows, change polygons and a 2021-based trajectory */
const ZAN_YEARS = [2021, 2024];

/** How many distinct colours the map shows (land cover, change polygons): a blank or flat map has few. */
async function mapColours(page: Page) {
  const png = await page.locator('[data-testid=map]').screenshot();
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const colours = new Set<number>();
  for (let o = 0; o < data.length; o += 3) colours.add((data[o]! >> 4) * 256 + (data[o + 1]! >> 4) * 16 + (data[o + 2]! >> 4));
  return { colours: colours.size, pixels: info.width * info.height };
}

describe('use-case views in headless Chromium over the demo territory', () => {
  let stack: TestStack & { demoDir: string; manifest: { vintages: { year: number }[] } };
  let admin: Client;
  let worker: WorkerHandle;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    buildWeb();
    stack = await startDemoStack({ tileOrthophotos: [2024] }); // the map opens on the latest vintage
    admin = await login(stack.baseUrl);
    worker = await startWorker(stack.platform, { concurrency: 2 });
    // this process's API counts pushed frames with the shipped crowd model, as `vigie start` does
    installFrameCounter(stack.platform);
    const started = Date.now();
    const runs: string[] = [];
    const start = async (body: object) => {
      const res = await admin.fetch('/api/runs', { method: 'POST', body: JSON.stringify(body) });
      expect(res.status, await res.clone().text()).toBe(201);
      runs.push(((await res.json()) as { id: string }).id);
    };
    if (fs.existsSync(DUMPS_MODEL)) await start({ useCase: 'dumps', vintage: 2024 });
    for (const year of ZAN_YEARS) await start({ useCase: 'zan', vintage: year });
    for (const id of runs) {
      const run = await waitForRun(stack.platform.db, id, 1_500_000);
      expect(run.status, run.error ?? '').toBe('succeeded');
    }
    console.log(`e2e use cases: ${runs.length} runs done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    if (!fs.existsSync(DUMPS_MODEL)) throw new Error('models/dumps-detector/model.onnx is missing: the dumps view needs a real run');

    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1366, height: 768 }, locale: 'fr-FR' });
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    await signIn(page, stack.baseUrl, ADMIN_EMAIL, ADMIN_PASSWORD);
  }, 1_800_000);

  afterAll(async () => {
    await browser?.close();
    await closeFrameCounter();
    await worker?.stop();
    await stack?.stop();
  });

  it('lists the detections and a keyboard review (C) confirms one in the database', async () => {
    const db = stack.platform.db;
    const total = (await db.selectFrom('dumpDetection').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n;
    expect(Number(total)).toBeGreaterThan(0);
    await openView(page, 'Dépôts sauvages', /Dépôts sauvages/);
    await page.getByText(new RegExp(`^${Number(total)} détections$`)).waitFor({ timeout: 30_000 });
    const card = page.getByTestId('detection');
    const heading = await card.getByRole('heading', { level: 3 }).textContent();
    const id = Number(/n° (\d+)/.exec(heading ?? '')![1]);
    const before = await db.selectFrom('dumpDetection').select('status').where('id', '=', id).executeTakeFirstOrThrow();
    expect(before.status).toBe('a_verifier');
    // the thumbnail is a real JPEG from the run
    await expect.poll(() => card.getByRole('img').evaluate((img) => (img as unknown as { complete: boolean; naturalWidth: number }).complete && (img as unknown as { naturalWidth: number }).naturalWidth > 0)).toBe(true);
    // transitions come with the detail; the C button is enabled once they are known
    await expect.poll(() => card.getByRole('button', { name: /Confirmer/ }).isEnabled()).toBe(true);
    await shoot(page, 'dumps-queue');

    await page.locator('body').press('c');
    await page.getByText(`Dépôt n° ${id} : confirmé.`).waitFor();
    await expect.poll(async () => (await db.selectFrom('dumpDetection').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status).toBe('confirme');
    const audit = await db.selectFrom('auditLog').select(['action', 'after']).where('entity', '=', 'dump_detection').where('entityId', '=', String(id)).execute();
    expect(audit.map((a) => a.action)).toContain('dump.review');
    // the queue moved on (J); K brings the confirmed one back with its history
    const next = await card.getByRole('heading', { level: 3 }).textContent();
    expect(next).not.toBe(heading);
    await page.locator('body').press('k');
    await card.getByText('à vérifier → confirmé', { exact: false }).waitFor();
    expect(await card.getByTestId('detection-status').textContent()).toContain('confirmé');
    await page.waitForTimeout(800); // the map eases to the detection
    await shoot(page, 'dumps');
  });

  it('shows a commune’s ZAN charts, its trajectory once a reference is entered, and the change polygons', async () => {
    await openView(page, 'ZAN', /ZAN/);
    const table = page.locator('table.zan-communes');
    await table.waitFor();
    const first = table.getByRole('button').first();
    const name = await first.textContent();
    await first.click();
    const panel = page.getByTestId('zan-commune');
    await panel.getByRole('heading', { level: 3, name: new RegExp(name!) }).waitFor();
    await panel.getByTestId('zan-chart-classes').waitFor();
    await panel.getByTestId('zan-chart-flows').waitFor();
    // one stacked bar per analysed vintage, one segment per class
    expect(await panel.getByTestId('zan-chart-classes').locator('rect').count()).toBeGreaterThan(ZAN_YEARS.length * 3);
    await panel.getByLabel('Consommation 2011–2020 (ha)').fill('12');
    await panel.getByRole('button', { name: 'Enregistrer' }).click();
    await panel.getByTestId('zan-chart-trajectory').waitFor();
    expect(await panel.getByText('Enveloppe 2021–2031').count()).toBe(1);
    await page.getByText(/polygones de changement affichés/).waitFor();
    await page.waitForTimeout(1500); // land-cover tiles
    expect((await mapColours(page)).colours).toBeGreaterThan(12);
    await shoot(page, 'zan');
    await page.getByLabel('Artificialisation nette par commune').check();
    await page.waitForTimeout(500);
    await shoot(page, 'zan-choropleth');
    const report = await admin.fetch(`/api/zan/communes/${(await panel.getByRole('link', { name: 'HTML' }).getAttribute('href'))!.split('/')[4]}/report.html`);
    expect(report.status).toBe(200);
    // the nomenclature, as a planner sets it for the next runs: a threshold and a class's category
    await page.getByText('Nomenclature et seuils').click();
    await page.getByLabel('Écart franchi sous un arbre (m)').fill('6');
    await page.getByLabel('Catégorie de « Prairies').selectOption('4');
    await page.getByRole('button', { name: 'Enregistrer la nomenclature' }).click();
    await page.getByText('Nomenclature enregistrée').waitFor();
    const saved = (await (await admin.fetch('/api/zan/nomenclature')).json()) as Nomenclature;
    expect(saved.regionGapM).toBe(6);
    expect(saved.classes.find((c) => c.key === 'prairies')).toMatchObject({ category: 4, artificialised: true, sealed: false });
    await shoot(page, 'zan-nomenclature');
  });

  it('creates a sensor with its key shown once, counts a real frame and charts it; the public page shows levels', async () => {
    const db = stack.platform.db;
    await openView(page, 'Affluence', /Affluence/);
    await page.getByRole('button', { name: 'Ajouter un capteur' }).click();
    await page.getByLabel('Nom').fill('Halles');
    await page.getByLabel('Zone').fill('halles');
    await page.getByRole('button', { name: 'Placer sur la carte' }).click();
    const map = await page.locator('[data-testid=map]').boundingBox();
    await page.mouse.click(map!.x + map!.width / 2, map!.y + map!.height / 2);
    await page.getByText(/^Position :/).waitFor();
    await page.getByLabel('Calme jusqu’à').first().fill('3');
    await page.getByLabel('Fréquenté jusqu’à').first().fill('8');
    await page.getByRole('button', { name: 'Créer le capteur' }).click();
    const key = (await page.getByTestId('sensor-key').locator('code').textContent())!.trim();
    expect(key.length).toBeGreaterThan(20);
    const sensor = await db.selectFrom('sensor').select(['id', 'keyHash']).where('name', '=', 'Halles').executeTakeFirstOrThrow();
    expect(sensor.keyHash).not.toContain(key);

    // a week of hourly counts before now (fixture for the charts), then a real frame counted by the shipped model
    const now = Date.now();
    const history = Array.from({ length: 7 * 24 }, (_, h) => {
      const at = new Date(now - (7 * 24 - h) * 3_600_000);
      const hour = at.getUTCHours();
      return { sensorId: sensor.id, observedAt: at, people: hour >= 8 && hour <= 18 ? 4 + ((h * 7) % 9) : (h % 3), vehicles: h % 4 };
    });
    await db.insertInto('sensorCount').values(history).execute();
    const frame = fs.readFileSync(path.join(stack.demoDir, 'frames/cam-place-eglise-001.jpg'));
    const pushed = await fetch(`${stack.baseUrl}/api/affluence/sensors/${sensor.id}/frames`, { method: 'POST', headers: { 'content-type': 'image/jpeg', 'x-sensor-key': key }, body: frame });
    expect(pushed.status, await pushed.clone().text()).toBe(201);
    const counted = (await pushed.json()) as { people: number };
    console.log(`e2e affluence: the frame counted ${JSON.stringify(counted)}`);

    // reopening the view re-reads the sensors
    await openView(page, 'Carte', /Territoire/);
    await openView(page, 'Affluence', /Affluence/);
    const item = page.getByRole('button', { name: /Halles/ });
    await expect.poll(() => item.getByTestId('sensor-level').textContent()).toMatch(/^(calme|fréquenté|très fréquenté) · \d+ personnes/);
    await item.click();
    await page.getByTestId('affluence-chart-day').waitFor();
    await page.getByRole('button', { name: '7 jours' }).click();
    await page.getByTestId('affluence-chart-week').waitFor();
    expect((await page.getByTestId('affluence-chart-week').locator('path').first().getAttribute('d'))!.length).toBeGreaterThan(100);
    await shoot(page, 'affluence');

    const publicPage = await browser.newPage({ viewport: { width: 1024, height: 700 }, locale: 'fr-FR' });
    await publicPage.goto(`${stack.baseUrl}/affluence`);
    const zone = publicPage.locator('li.zone[data-zone="halles"]');
    await zone.waitFor();
    expect(await zone.getAttribute('data-level')).toMatch(/^(calme|frequente|tres_frequente)$/);
    expect(await zone.locator('.level').textContent()).toMatch(/calme|fréquenté/i);
    await shoot(publicPage, 'affluence-public');
    await publicPage.close();
    expect(consoleErrors.filter((e) => !/404|Failed to load resource/.test(e))).toEqual([]);
  });
});
