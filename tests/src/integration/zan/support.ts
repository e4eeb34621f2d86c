import path from 'node:path';
import type { Kysely } from 'kysely';
import type { Database } from '@vigie/api/db';
import { type ClassRaster, Nomenclature } from '@vigie/api/zan';
import { openGeoTiff, describeGeoTiff } from '@vigie/workers/imagery';
import { type AnalysedVintage, artificialisedMask, communeClassAreas, compareVintages, pixelAreaM2, rasterisePolygons } from '@vigie/workers/zan';
import type { LabelledPolygon } from '@vigie/workers/zan';
type Geometry = LabelledPolygon['geometry'];

export interface TruthVintage {
  year: number;
  analysed: AnalysedVintage;
  /** artificialised m² per commune INSEE */
  artificialisedM2: Map<string, number>;
}

/**
 * The generator's ground-truth land cover of a vintage, through the same nomenclature (thresholds included)
 * and the same commune rasterisation as the pipeline: what each commune's artificialised area should be.
 */
export async function truthVintage(db: Kysely<Database>, authorityId: number, demoDir: string, year: number, file: string): Promise<TruthVintage> {
  const setting = await db.selectFrom('zanSetting').select('nomenclature').where('authorityId', '=', authorityId).executeTakeFirstOrThrow();
  const nomenclature = Nomenclature.parse(setting.nomenclature);
  const communes = await db.selectFrom('commune').select(['insee', 'geometry']).where('authorityId', '=', authorityId).orderBy('insee').execute();
  const tif = path.join(demoDir, file);
  const info = await describeGeoTiff(tif);
  const { image } = await openGeoTiff(tif);
  const data = (await image.readRasters({ interleave: true, samples: [0] })) as unknown as Uint8Array;
  const labels = rasterisePolygons(communes.map((c) => ({ geometry: c.geometry as unknown as Geometry })), info.geoTransform, info.width, info.height);
  const classes = Uint8Array.from(data);
  for (let p = 0; p < classes.length; p++) if (labels[p] === 0) classes[p] = 255;
  const raster: ClassRaster = { classes, width: info.width, height: info.height, geoTransform: info.geoTransform, vintageId: 0, runId: 'truth' };
  const artificialised = artificialisedMask(raster, nomenclature, pixelAreaM2(info.geoTransform));
  const areas = communeClassAreas(classes, artificialised, labels, communes.length, pixelAreaM2(info.geoTransform));
  const artificialisedM2 = new Map<string, number>(communes.map((c) => [c.insee, 0]));
  for (const a of areas) artificialisedM2.set(communes[a.commune]!.insee, artificialisedM2.get(communes[a.commune]!.insee)! + a.artificialisedM2);
  return { year, analysed: { raster, artificialised }, artificialisedM2 };
}

/** Truth flows between two vintages, per commune: gross artificialisation and renaturation, m². */
export async function truthFlows(db: Kysely<Database>, authorityId: number, earlier: TruthVintage, later: TruthVintage) {
  const setting = await db.selectFrom('zanSetting').select('nomenclature').where('authorityId', '=', authorityId).executeTakeFirstOrThrow();
  const { classLookup } = await import('@vigie/api/zan');
  const communes = await db.selectFrom('commune').select(['insee', 'geometry']).where('authorityId', '=', authorityId).orderBy('insee').execute();
  const r = later.analysed.raster;
  const labels = rasterisePolygons(communes.map((c) => ({ geometry: c.geometry as unknown as Geometry })), r.geoTransform, r.width, r.height);
  const { flows } = compareVintages(earlier.analysed, later.analysed, { communeLabels: labels, minChangeM2: 100, lookup: classLookup(Nomenclature.parse(setting.nomenclature)), polygons: false });
  const byCommune = new Map<string, { artificialisedM2: number; renaturedM2: number }>(communes.map((c) => [c.insee, { artificialisedM2: 0, renaturedM2: 0 }]));
  for (const f of flows) {
    const entry = byCommune.get(communes[f.commune]!.insee)!;
    entry.artificialisedM2 += f.artificialisedM2;
    entry.renaturedM2 += f.renaturedM2;
  }
  return byCommune;
}
