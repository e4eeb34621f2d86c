import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest } from '@vigie/api/db';
import { up as renumberNomenclatures } from '../../../../api/src/db/migrations/0006_nomenclature_2023';
import { up as addBandNames } from '../../../../api/src/db/migrations/0007_imagery_bands';
import { sql } from 'kysely';
import { LAMBERT93, WEB_MERCATOR, parseTileKey, projector, tileBounds } from '@vigie/api/geo';
import { registerGeoTiff } from '@vigie/workers/imagery';
import { planRun, startWorker } from '@vigie/workers/worker';
import { startExternalPostgres } from '../../support/external-postgres';
import { writeGradientOrtho, writeSmallGeoTiff } from '../../support/fixtures';
import { BUILT, FIELD, GARDEN, nomenclature } from '../../support/nomenclature';
import { waitForRun, tableCounts } from '../../support/runs';
import { type Client, type TestStack, login, startStack } from '../../support/stack';

const ROOT = path.resolve(import.meta.dirname, '../../../..');
// A 1.6 km x 1.6 km corner of the Vexin, in Lambert-93
const ORIGIN = { originX: 612_000, originY: 6_892_000 };

/** A POST through node:http: the server answers 413 before reading a huge body, which fetch reports as a socket error. */
function rawPost(url: string, client: Client, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), cookie: client.cookie, 'x-csrf-token': client.csrfToken },
    });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
    });
    req.end(body);
  });
}

function foundationSuite(mode: 'embedded' | 'external') {
  describe(`foundation (${mode} PostgreSQL)`, () => {
    let stack: TestStack;
    let admin: Client;
    let external: Awaited<ReturnType<typeof startExternalPostgres>> | undefined;
    let authorityId: number;
    let vintageYear = 2024;

    beforeAll(async () => {
      if (mode === 'external') external = await startExternalPostgres();
      stack = await startStack(external ? { DATABASE_URL: external.url } : {});
      admin = await login(stack.baseUrl);
      authorityId = (await stack.platform.db.selectFrom('authority').select('id').executeTakeFirstOrThrow()).id;
    });
    afterAll(async () => {
      await stack?.stop();
      external?.destroy();
    });

    it('migrates from empty, and again without change', async () => {
      const tables = await stack.platform.db.introspection.getTables();
      expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['commune', 'run', 'run_chip', 'dump_detection', 'sensor_count', 'audit_log']));
      expect(await migrateToLatest(stack.platform.db)).toEqual([]);
    });

    it('names the bands of sources registered before band names existed: R, G, B for 3 bands, unknown otherwise', async () => {
      // migration 0007 replayed on the schema before it, inside a transaction rolled back at the end
      const rolledBack = new Error('rolled back');
      await expect(stack.platform.db.transaction().execute(async (trx) => {
        await sql`alter table imagery_source drop column band_names`.execute(trx);
        const vintage = await sql<{ id: number }>`insert into vintage (authority_id, year, label) values (${authorityId}, 1999, 'avant 0007') returning id`.execute(trx);
        for (const [uri, bands] of [['/ortho-rgb.tif', 3], ['/ortho-rgbn.tif', 4]] as const) {
          await sql`insert into imagery_source (authority_id, vintage_id, kind, uri, epsg, bounds, bbox, gsd_m, bands)
            values (${authorityId}, ${vintage.rows[0]!.id}, 'geotiff', ${uri}, 2154, '[0,0,1,1]'::jsonb, box(point(2,48), point(2.1,48.1)), 0.2, ${bands})`.execute(trx);
        }
        await addBandNames(trx);
        const rows = await trx.selectFrom('imagerySource').select(['uri', 'bandNames']).where('vintageId', '=', vintage.rows[0]!.id).orderBy('uri').execute();
        expect(rows).toEqual([{ uri: '/ortho-rgb.tif', bandNames: ['R', 'G', 'B'] }, { uri: '/ortho-rgbn.tif', bandNames: null }]);
        throw rolledBack;
      })).rejects.toBe(rolledBack);
      expect(await migrateToLatest(stack.platform.db)).toEqual([]);
    });

    it('renumbers a nomenclature stored after the 2022 annex, keeping the categories an authority chose', async () => {
      const db = stack.platform.db;
      const classes = [
        { id: 0, key: 'bati', category: 1 }, { id: 5, key: 'eau', category: 5 }, { id: 10, key: 'cultures', category: 6 },
        { id: 8, key: 'broussailles', category: 10 }, // set by the authority: not an old default, kept
      ].map((c) => ({ ...c, label: c.key, ocsge: '', color: '#808080', artificialised: c.key === 'bati', sealed: c.key === 'bati' }));
      const stored = { builtMinM2: 50, sealedMinM2: 2500, classes };
      await db.insertInto('zanSetting').values({ authorityId, nomenclature: stored, updatedAt: new Date() }).execute();
      try {
        await renumberNomenclatures(db);
        const row = await db.selectFrom('zanSetting').select('nomenclature').where('authorityId', '=', authorityId).executeTakeFirstOrThrow();
        const after = row.nomenclature as { classes: { key: string; category: number }[]; sealedMinM2: number };
        expect(after.classes.map((c) => [c.key, c.category])).toEqual([['bati', 1], ['eau', 6], ['cultures', 7], ['broussailles', 10]]);
        expect(after.sealedMinM2).toBe(2500);
      } finally {
        await db.deleteFrom('zanSetting').where('authorityId', '=', authorityId).execute();
      }
    });

    it('lets a planner remap classes to categories, refusing a mapping that contradicts the annex and changing nothing', async () => {
      const put = (body: unknown) => admin.fetch('/api/zan/nomenclature', { method: 'PUT', body: JSON.stringify(body) });
      expect((await admin.fetch('/api/zan/nomenclature')).status).toBe(404); // set at the first land-cover run, or here
      const meadows = { ...nomenclature, classes: nomenclature.classes.map((c) => (c.id === FIELD ? { ...c, category: 10 } : c)) };
      expect((await put(meadows)).status).toBe(200);
      const contradictions: [unknown, RegExp][] = [
        [{ ...meadows, classes: meadows.classes.map((c) => (c.id === FIELD ? { ...c, artificialised: true } : c)) }, /catégorie 10° n’est pas artificialisée/],
        [{ ...meadows, classes: meadows.classes.map((c) => (c.id === GARDEN ? { ...c, sealed: true } : c)) }, /seules les catégories 1° et 2° sont imperméabilisées/],
        [{ ...meadows, classes: meadows.classes.map((c) => (c.id === BUILT ? { ...c, category: 11 } : c)) }, /category/],
        [{ ...meadows, sealedMinM2: -1 }, /sealedMinM2/],
        [{ ...meadows, regionGapM: 50 }, /regionGapM/],
        [{ ...meadows, classes: [...meadows.classes, meadows.classes[0]] }, /en double/],
      ];
      try {
        for (const [body, message] of contradictions) {
          const res = await put(body);
          expect(res.status).toBe(400);
          expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(message);
        }
        expect(await (await admin.fetch('/api/zan/nomenclature')).json()).toEqual(meadows);
      } finally {
        await stack.platform.db.deleteFrom('zanSetting').where('authorityId', '=', authorityId).execute();
      }
    });

    it('registers one orthophoto per vintage: refuses a second file, an unknown CRS, an image without georeferencing and 16-bit samples, writing nothing', async () => {
      const db = stack.platform.db;
      const year = 2015;
      const first = path.join(stack.config.dataDir, 'dalle-a.tif'), second = path.join(stack.config.dataDir, 'dalle-b.tif');
      writeGradientOrtho(first, { width: 256, height: 256, ...ORIGIN });
      writeGradientOrtho(second, { width: 256, height: 256, originX: ORIGIN.originX + 51.2, originY: ORIGIN.originY });
      const sources = () => db.selectFrom('imagerySource').innerJoin('vintage', 'vintage.id', 'imagerySource.vintageId').select('uri').where('vintage.year', '=', year).execute();
      await registerGeoTiff(db, { authorityId, year, file: first });
      await registerGeoTiff(db, { authorityId, year, file: first }); // the same file again: an update, not a second image
      await expect(registerGeoTiff(db, { authorityId, year, file: second })).rejects.toThrow(/déjà son orthophoto.*mosaïque.*--replace/);
      expect(await sources()).toEqual([{ uri: first }]);
      const replaced = await registerGeoTiff(db, { authorityId, year, file: second, replace: true });
      expect(replaced.replaced).toEqual([first]);
      expect(await sources()).toEqual([{ uri: second }]);

      const before = await tableCounts(db);
      const wgs84 = path.join(stack.config.dataDir, 'dalle-4326.tif');
      writeGradientOrtho(wgs84, { width: 256, height: 256, originX: 1.9, originY: 49.1, gsd: 0.000002, epsg: 4326 });
      await expect(registerGeoTiff(db, { authorityId, year: 2014, file: wgs84 })).rejects.toThrow(/EPSG:4326 non pris en charge : reprojetez en Lambert-93/);
      const plain = path.join(stack.config.dataDir, 'photo.tif');
      await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } }).tiff().toFile(plain);
      await expect(registerGeoTiff(db, { authorityId, year: 2014, file: plain })).rejects.toThrow(/géoréférencé|système de coordonnées/);
      await expect(registerGeoTiff(db, { authorityId, year: 2014, file: path.join(stack.config.dataDir, 'absente.tif') })).rejects.toThrow(/introuvable/);
      // georeferenced, but 16 bits per sample: read as 0–255 it would be garbage for the models and the map
      const deep = path.join(stack.config.dataDir, 'ortho-16bits.tif');
      writeSmallGeoTiff(deep, { samples: 3, bits: 16, value: 40_000, ...ORIGIN });
      await expect(registerGeoTiff(db, { authorityId, year: 2014, file: deep })).rejects.toThrow(/16 bits : Vigie lit des orthophotos en 8 bits.*gdal_translate -ot Byte -scale/);
      expect(await tableCounts(db)).toEqual(before);
    });

    it('knows what each band of an orthophoto is: RGB by default, alpha skipped, others named with --bands, and refuses a run whose model lacks a band', async () => {
      const db = stack.platform.db;
      const file = (name: string) => path.join(stack.config.dataDir, name);
      writeSmallGeoTiff(file('rgba.tif'), { samples: 4, alpha: true, ...ORIGIN });
      writeSmallGeoTiff(file('rgbn.tif'), { samples: 4, ...ORIGIN });
      writeSmallGeoTiff(file('irc.tif'), { samples: 3, ...ORIGIN });
      const before = await tableCounts(db);
      await expect(registerGeoTiff(db, { authorityId, year: 2013, file: file('rgbn.tif') })).rejects.toThrow(/4 bande\(s\) : précisez ce qu’est chacune avec --bands/);
      await expect(registerGeoTiff(db, { authorityId, year: 2013, file: file('rgbn.tif'), bands: 'R,G,B' })).rejects.toThrow(/3 bandes listées pour un fichier qui en a 4/);
      await expect(registerGeoTiff(db, { authorityId, year: 2013, file: file('rgbn.tif'), bands: 'R,G,B,UV' })).rejects.toThrow(/Bandes inconnues : UV/);
      await expect(registerGeoTiff(db, { authorityId, year: 2013, file: file('rgbn.tif'), bands: 'R,G,R,NIR' })).rejects.toThrow(/deux fois/);
      expect(await tableCounts(db)).toEqual(before);

      expect((await registerGeoTiff(db, { authorityId, year: 2013, file: file('rgba.tif') })).bandNames).toEqual(['R', 'G', 'B', null]);
      expect((await registerGeoTiff(db, { authorityId, year: 2012, file: file('rgbn.tif'), bands: 'r, g, b, nir' })).bandNames).toEqual(['R', 'G', 'B', 'NIR']);
      const irc = await registerGeoTiff(db, { authorityId, year: 2011, file: file('irc.tif'), bands: 'NIR,R,G' });
      expect(irc.bandNames).toEqual(['NIR', 'R', 'G']);

      // the dumps model reads R, G, B: refused on infrared colour before any chip, accepted on RGB + alpha
      const plan = async (year: number) => {
        const created = await admin.fetch('/api/runs', { method: 'POST', body: JSON.stringify({ useCase: 'dumps', vintage: year }) });
        const { id } = (await created.json()) as { id: string };
        await planRun(stack.platform, id);
        const planned = await db.selectFrom('run').select(['status', 'error', 'totalChips']).where('id', '=', id).executeTakeFirstOrThrow();
        if (planned.status === 'running') await admin.fetch(`/api/runs/${id}/cancel`, { method: 'POST' }); // the later tests' workers leave it
        return planned;
      };
      expect(await plan(2011)).toEqual({ status: 'failed', error: expect.stringMatching(/manque : B/), totalChips: 0 });
      expect(await plan(2013)).toEqual({ status: 'running', error: null, totalChips: 1 });
    });

    it('answers the health check', async () => {
      const res = await fetch(`${stack.baseUrl}/api/health`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: 'ok', db: 'ok', queue: 'ok' });
      expect(res.headers.get('x-request-id')).toBeTruthy();
    });

    it('refuses bad input with the JSON error envelope and writes nothing', async () => {
      const before = await tableCounts(stack.platform.db);
      const cases: [RequestInit & { path: string }, number, string][] = [
        [{ path: '/api/runs', method: 'POST', body: '{"useCase": "dumps",' }, 400, 'invalid_json'],
        [{ path: '/api/runs', method: 'POST', body: JSON.stringify({ useCase: 'dumps', vintage: 'x' }) }, 400, 'invalid_input'],
        [{ path: '/api/runs', method: 'POST', body: JSON.stringify({ useCase: 'nope', vintage: 2024 }) }, 400, 'invalid_input'],
        [{ path: '/api/runs', method: 'POST', body: JSON.stringify({ useCase: 'dumps', vintage: 1990 }) }, 400, 'unknown_vintage'],
        [{ path: '/api/nowhere' }, 404, 'not_found'],
        [{ path: '/api/health', method: 'DELETE' }, 405, 'method_not_allowed'],
        [{ path: '/api/runs/not-a-uuid' }, 404, 'not_found'],
        [{ path: '/api/runs/00000000-0000-0000-0000-000000000000' }, 404, 'not_found'],
      ];
      for (const [{ path: p, ...init }, status, code] of cases) {
        const res = await admin.fetch(p, init);
        const body = (await res.json()) as { error: { code: string; message: string } };
        expect([p, res.status, body.error?.code]).toEqual([p, status, code]);
        expect(body.error.message.length).toBeGreaterThan(5);
      }
      const tooBig = await rawPost(`${stack.baseUrl}/api/runs`, admin, JSON.stringify({ pad: 'x'.repeat(2 * 1024 * 1024) }));
      expect([tooBig.status, JSON.parse(tooBig.body).error.code]).toEqual([413, 'payload_too_large']);
      expect(await tableCounts(stack.platform.db)).toEqual(before);
    });

    it('runs a job end to end: API -> queue -> worker -> result rows, progress over SSE', async () => {
      const file = path.join(stack.config.dataDir, 'gradient.tif');
      writeGradientOrtho(file, { width: 1024, height: 1024, ...ORIGIN });
      await registerGeoTiff(stack.platform.db, { authorityId, year: vintageYear, file });
      const worker = await startWorker(stack.platform, { concurrency: 2 });
      try {
        const created = await admin.fetch('/api/runs', { method: 'POST', body: JSON.stringify({ useCase: 'ortho', vintage: vintageYear }) });
        expect(created.status).toBe(201);
        const { id } = (await created.json()) as { id: string };
        // the SSE stream ends by itself with the final state
        const events = await (await admin.fetch(`/api/runs/${id}/events`)).text();
        const last = JSON.parse(events.trim().split('\n').filter((l) => l.startsWith('data:')).at(-1)!.slice(5));
        expect(last.status).toBe('succeeded');
        expect(last.doneChips).toBe(last.totalChips);
        expect(last.totalChips).toBeGreaterThan(4);

        const chips = await stack.platform.db.selectFrom('runChip').selectAll().where('runId', '=', id).execute();
        expect(chips.every((c) => c.status === 'done')).toBe(true);
        // a tile fully inside the image carries the gradient colour of its centre
        const vintageId = (await stack.platform.db.selectFrom('vintage').select('id').where('year', '=', vintageYear).executeTakeFirstOrThrow()).id;
        const toL93 = projector(WEB_MERCATOR, LAMBERT93);
        const inner = chips.map((c) => parseTileKey(c.chipKey)).find((t) => {
          const [minX, minY, maxX, maxY] = tileBounds(t);
          const a = toL93([minX, minY]), b = toL93([maxX, maxY]);
          return a[0] > ORIGIN.originX + 20 && b[0] < ORIGIN.originX + 180 && a[1] > ORIGIN.originY - 180 && b[1] < ORIGIN.originY - 20;
        });
        expect(inner).toBeDefined();
        const tile = await stack.platform.storage.get(`tiles/ortho/${authorityId}/${vintageId}/${inner!.z}/${inner!.x}/${inner!.y}.webp`);
        const { data, info } = await sharp(tile!).raw().toBuffer({ resolveWithObject: true });
        const [minX, minY, maxX, maxY] = tileBounds(inner!);
        const centre = toL93([(minX + maxX) / 2, (minY + maxY) / 2]);
        const expectedRed = ((centre[0] - ORIGIN.originX) / 0.2 / 1024) * 255;
        const expectedGreen = ((ORIGIN.originY - centre[1]) / 0.2 / 1024) * 255;
        const o = (128 * 256 + 128) * info.channels;
        expect(Math.abs(data[o]! - expectedRed)).toBeLessThan(8);
        expect(Math.abs(data[o + 1]! - expectedGreen)).toBeLessThan(8);
      } finally {
        await worker.stop();
      }
    });

    it('loses and duplicates nothing when a worker process is killed mid-run', async () => {
      vintageYear = 2021;
      const file = path.join(stack.config.dataDir, 'gradient-big.tif');
      writeGradientOrtho(file, { width: 4096, height: 2048, ...ORIGIN });
      await registerGeoTiff(stack.platform.db, { authorityId, year: vintageYear, file });
      const created = await admin.fetch('/api/runs', { method: 'POST', body: JSON.stringify({ useCase: 'ortho', vintage: vintageYear }) });
      const { id } = (await created.json()) as { id: string };

      const spawnWorker = (): ChildProcess =>
        // node itself, with tsx as a loader: the tsx CLI would run the worker in a child that SIGKILL leaves running
        spawn(process.execPath, ['--import', 'tsx', 'workers/src/cli/main.ts', 'worker', '--concurrency', '1'], {
          cwd: ROOT,
          env: { ...process.env, ...stack.env, DATABASE_URL: stack.platform.database.url },
          stdio: 'ignore',
        });
      const first = spawnWorker();
      const db = stack.platform.db;
      for (;;) {
        const run = await db.selectFrom('run').select(['doneChips', 'totalChips']).where('id', '=', id).executeTakeFirstOrThrow();
        if (run.doneChips >= 3) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      first.kill('SIGKILL');
      await new Promise((r) => first.once('exit', r));
      const atKill = await db.selectFrom('run').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      expect(atKill.doneChips).toBeLessThan(atKill.totalChips);

      const second = spawnWorker();
      try {
        const run = await waitForRun(db, id, 180_000);
        expect(run.status).toBe('succeeded');
        const chips = await db.selectFrom('runChip').select(['chipKey', 'status']).where('runId', '=', id).execute();
        expect(chips.length).toBe(run.totalChips);
        expect(new Set(chips.map((c) => c.chipKey)).size).toBe(chips.length);
        expect(chips.every((c) => c.status === 'done')).toBe(true);
      } finally {
        second.kill('SIGTERM');
        await new Promise((r) => second.once('exit', r));
      }
    });

    it('fails only the chips of a corrupt image region, records why, and finishes the run', async () => {
      vintageYear = 2018;
      const file = path.join(stack.config.dataDir, 'gradient-corrupt.tif');
      writeGradientOrtho(file, { width: 1024, height: 1024, ...ORIGIN });
      // garble the compressed bytes of the first 256 px tile (tiles follow the 8-byte header)
      const fd = fs.openSync(file, 'r+');
      fs.writeSync(fd, Buffer.alloc(400, 0x5a), 0, 400, 8);
      fs.closeSync(fd);
      await registerGeoTiff(stack.platform.db, { authorityId, year: vintageYear, file });
      const worker = await startWorker(stack.platform, { concurrency: 2 });
      try {
        const created = await admin.fetch('/api/runs', { method: 'POST', body: JSON.stringify({ useCase: 'ortho', vintage: vintageYear }) });
        const { id } = (await created.json()) as { id: string };
        const run = await waitForRun(stack.platform.db, id);
        expect(run.status).toBe('succeeded');
        expect(run.failedChips).toBeGreaterThan(0);
        expect(run.doneChips).toBeGreaterThan(run.failedChips);
        expect(run.error).toContain(`${run.failedChips} tuile(s) en échec`);
        const failed = await stack.platform.db.selectFrom('runChip').select('error').where('runId', '=', id).where('status', '=', 'failed').execute();
        expect(failed.every((c) => c.error?.includes('Lecture de l’orthophoto impossible'))).toBe(true);
      } finally {
        await worker.stop();
      }
    });

    it('keeps data across a restart', async () => {
      const runsBefore = await tableCounts(stack.platform.db);
      const env = stack.env;
      await stack.stop();
      stack = await startStack({ ...env, ...(external ? { DATABASE_URL: external.url } : {}) });
      admin = await login(stack.baseUrl);
      expect(await tableCounts(stack.platform.db)).toMatchObject({ run: runsBefore.run, vintage: runsBefore.vintage, run_chip: runsBefore.run_chip });
      const res = await admin.fetch('/api/runs');
      expect(((await res.json()) as { runs: unknown[] }).runs.length).toBe(runsBefore.run);
    });
  });
}

foundationSuite('embedded');
foundationSuite('external');
