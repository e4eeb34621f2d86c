import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ensureAuthority } from '@vigie/api/auth';
import type { Platform } from '@vigie/api/platform';
import { createRun } from '@vigie/api/runs';
import { type DemoManifest, type DemoOptions, ensureDemoTerritory } from '@vigie/data';
import { registerGeoTiff } from '../imagery/register';
import { importCommunes } from '../territory/communes';
import { progressReporter } from './progress';

/**
 * `vigie demo` / `vigie start --demo`: generates the demo territory under VIGIE_DATA_DIR/demo if missing,
 * then loads it for the default authority (communes, vintages, cameras) and tiles the orthophotos for the map.
 * Every step is an upsert: running it again changes nothing.
 */
export interface LoadedDemo {
  manifest: DemoManifest;
  authorityId: number;
  dir: string;
}

export async function loadDemo(platform: Platform, options: Partial<DemoOptions> & { tileOrthophotos?: boolean | number[] } = {}): Promise<LoadedDemo> {
  const { db, config } = platform;
  const { tileOrthophotos = true, ...generation } = options;
  const outDir = generation.outDir ?? path.join(config.dataDir, 'demo');
  const bar = progressReporter('Territoire de démonstration');
  const { manifest, generated } = await ensureDemoTerritory({ ...generation, outDir, onProgress: (done, total, label) => bar.update(done, total, label) });
  if (generated) console.log(`Territoire généré en ${(manifest.generatedInMs / 1000).toFixed(1)} s dans ${outDir}`);

  const authorityId = await ensureAuthority(db, process.env.VIGIE_AUTHORITY_SLUG ?? 'demo', process.env.VIGIE_AUTHORITY_NAME ?? 'Territoire de démonstration');
  const communes = JSON.parse(fs.readFileSync(path.join(outDir, manifest.communesFile), 'utf8'));
  await importCommunes(db, authorityId, communes);

  for (const vintage of manifest.vintages) {
    const { vintageId } = await registerGeoTiff(db, {
      authorityId,
      year: vintage.year,
      file: path.join(outDir, vintage.ortho),
      acquisitionDate: vintage.acquisitionDate,
    });
    const tiled = await db
      .selectFrom('run')
      .select('id')
      .where('useCase', '=', 'ortho')
      .where('vintageId', '=', vintageId)
      .where('status', 'in', ['queued', 'running', 'succeeded'])
      .executeTakeFirst();
    const wanted = Array.isArray(tileOrthophotos) ? tileOrthophotos.includes(vintage.year) : tileOrthophotos;
    if (!tiled && wanted) await createRun(db, platform.boss, { authorityId, useCase: 'ortho', vintageId });
  }

  for (const camera of manifest.cameras) {
    const exists = await db.selectFrom('sensor').select('id').where('authorityId', '=', authorityId).where('name', '=', camera.name).executeTakeFirst();
    if (exists) continue;
    // a random key nobody holds: `vigie start --demo` plays generated frames to them in process (affluence/demo-feed)
    const keyHash = createHash('sha256').update(randomBytes(32)).digest('hex');
    await db
      .insertInto('sensor')
      .values({ authorityId, name: camera.name, zone: camera.zone, lon: camera.lon, lat: camera.lat, calmMax: 10, busyMax: 30, intervalS: 60, countingPolygon: null, snapshotUrl: null, keyHash })
      .execute();
  }
  console.log(`Démo chargée : ${manifest.communes.length} communes, ${manifest.vintages.length} millésimes, ${manifest.cameras.length} caméras.`);
  return { manifest, authorityId, dir: outDir };
}
