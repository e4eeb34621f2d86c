import type { Kysely } from 'kysely';
import type { CommuneZan, ZanCommuneSummary, ZanFlow } from '../contract';
import type { Database } from '../db/schema';
import { notFound } from '../errors';
import { Nomenclature, classById } from './nomenclature';
import { PERIOD_START, type Trajectory, territoryTrajectory, trajectory } from './trajectory';

type Db = Kysely<Database>;
export interface AnalysedVintage { id: number; year: number }

/** Vintages with land-cover statistics for the authority, oldest first. */
export async function analysedVintages(db: Db, authorityId: number): Promise<AnalysedVintage[]> {
  return db
    .selectFrom('vintage')
    .select(['vintage.id', 'vintage.year'])
    .where('vintage.authorityId', '=', authorityId)
    .where((eb) => eb.exists(eb.selectFrom('landcoverStat').select('landcoverStat.vintageId').whereRef('landcoverStat.vintageId', '=', 'vintage.id')))
    .orderBy('vintage.year')
    .execute();
}

export async function nomenclatureOf(db: Db, authorityId: number): Promise<Nomenclature | null> {
  const row = await db.selectFrom('zanSetting').select('nomenclature').where('authorityId', '=', authorityId).executeTakeFirst();
  return row ? Nomenclature.parse(row.nomenclature) : null;
}

/**
 * The period consumption is measured over: from the latest analysed vintage not after 2021 (else the
 * first) to the latest one. Before 2021, consumption is prorated to the years since 2021 (an estimate).
 */
export function consumptionPeriod(vintages: readonly AnalysedVintage[]) {
  if (vintages.length < 2) return null;
  const baseline = vintages.filter((v) => v.year <= PERIOD_START).at(-1) ?? vintages[0]!;
  const latest = vintages.at(-1)!;
  if (baseline.id === latest.id) return null;
  const share = baseline.year < PERIOD_START ? Math.max(0, latest.year - PERIOD_START) / (latest.year - baseline.year) : 1;
  return { baseline, latest, share, estimated: share !== 1 };
}

async function flowsBetween(db: Db, authorityId: number, insees: string[] | null, from: AnalysedVintage, to: AnalysedVintage, sealed: Set<number>): Promise<ZanFlow> {
  let query = db
    .selectFrom('landFlow')
    .select(['fromClass', 'toClass', (eb) => eb.fn.sum<number>('areaM2').as('areaM2'), (eb) => eb.fn.sum<number>('artificialisedM2').as('artificialisedM2'), (eb) => eb.fn.sum<number>('renaturedM2').as('renaturedM2')])
    .where('authorityId', '=', authorityId)
    .where('fromVintageId', '=', from.id)
    .where('toVintageId', '=', to.id)
    .groupBy(['fromClass', 'toClass'])
    .orderBy('areaM2', 'desc');
  if (insees) query = query.where('communeInsee', 'in', insees);
  const transitions = (await query.execute()).map((t) => ({ fromClass: t.fromClass, toClass: t.toClass, areaM2: Number(t.areaM2), artificialisedM2: Number(t.artificialisedM2), renaturedM2: Number(t.renaturedM2) }));
  const sum = (f: (t: (typeof transitions)[number]) => number) => transitions.reduce((s, t) => s + f(t), 0);
  const artificialisationM2 = sum((t) => t.artificialisedM2), renaturationM2 = sum((t) => t.renaturedM2);
  return {
    fromYear: from.year,
    toYear: to.year,
    artificialisationM2,
    renaturationM2,
    netM2: artificialisationM2 - renaturationM2,
    newlySealedM2: sum((t) => (sealed.has(t.toClass) && !sealed.has(t.fromClass) ? t.areaM2 : 0)),
    transitions,
  };
}

/** Everything the commune panel and the report show: areas per vintage and class, flows, trajectory. */
export async function communeZan(db: Db, authorityId: number, insee: string): Promise<CommuneZan> {
  const commune = await db.selectFrom('commune').select(['insee', 'name', 'areaM2', 'population']).where('authorityId', '=', authorityId).where('insee', '=', insee).executeTakeFirst();
  if (!commune) throw notFound('Commune');
  const vintages = await analysedVintages(db, authorityId);
  const nomenclature = await nomenclatureOf(db, authorityId);
  const classes = nomenclature ? classById(nomenclature) : new Map();
  const sealed = new Set(nomenclature?.classes.filter((c) => c.sealed).map((c) => c.id) ?? []);
  const stats = await db.selectFrom('landcoverStat').selectAll().where('authorityId', '=', authorityId).where('communeInsee', '=', insee).orderBy('classId').execute();
  const perVintage = vintages.map((v) => {
    const rows = stats.filter((s) => s.vintageId === v.id);
    const coveredM2 = rows.reduce((s, r) => s + r.areaM2, 0);
    const artificialisedM2 = rows.reduce((s, r) => s + r.artificialisedM2, 0);
    return {
      id: v.id,
      year: v.year,
      coveredM2,
      coveredPct: commune.areaM2 > 0 ? (coveredM2 / commune.areaM2) * 100 : 0,
      artificialisedM2,
      artificialisedPct: coveredM2 > 0 ? (artificialisedM2 / coveredM2) * 100 : 0,
      sealedM2: rows.filter((r) => sealed.has(r.classId)).reduce((s, r) => s + r.areaM2, 0),
      classes: rows.map((r) => {
        const c = classes.get(r.classId);
        return { classId: r.classId, key: c?.key ?? String(r.classId), label: c?.label ?? `classe ${r.classId}`, color: c?.color ?? '#9e9e9e', category: c?.category ?? 0, areaM2: r.areaM2, artificialisedM2: r.artificialisedM2 };
      }),
    };
  });
  const flows: ZanFlow[] = [];
  for (let i = 1; i < vintages.length; i++) flows.push(await flowsBetween(db, authorityId, [insee], vintages[i - 1]!, vintages[i]!, sealed));
  if (vintages.length > 2) flows.push(await flowsBetween(db, authorityId, [insee], vintages[0]!, vintages.at(-1)!, sealed));
  const period = consumptionPeriod(vintages);
  let consumption: CommuneZan['consumption'] = null;
  if (period) {
    const flow = await flowsBetween(db, authorityId, [insee], period.baseline, period.latest, sealed);
    consumption = { baselineYear: period.baseline.year, asOfYear: period.latest.year, consumedHa: (flow.artificialisationM2 * period.share) / 10_000, estimated: period.estimated };
  }
  const row = await db.selectFrom('zanTrajectory').selectAll().where('authorityId', '=', authorityId).where('communeInsee', '=', insee).executeTakeFirst();
  const settings = { referenceConsumptionHa: row?.referenceConsumptionHa ?? null, targetReductionPct: row?.targetReductionPct ?? 50, guarantee: row?.guarantee ?? false };
  return {
    commune,
    vintages: perVintage,
    flows,
    consumption,
    settings,
    trajectory: settings.referenceConsumptionHa === null || !consumption ? null : trajectory({
      referenceHa: settings.referenceConsumptionHa, targetReductionPct: settings.targetReductionPct, guarantee: settings.guarantee,
      consumedHa: consumption.consumedHa, asOfYear: consumption.asOfYear,
    }),
    trendsText: row?.trendsText ?? '',
    updatedAt: row?.updatedAt ? new Date(row.updatedAt).toISOString() : null,
  };
}

/** One line per commune, for the choropleth and the territory table; plus the territory's trajectory. */
export async function zanSummary(db: Db, authorityId: number) {
  const vintages = await analysedVintages(db, authorityId);
  const communes = await db.selectFrom('commune').select('insee').where('authorityId', '=', authorityId).orderBy('insee').execute();
  const details = [];
  for (const c of communes) details.push(await communeZan(db, authorityId, c.insee));
  const summaries: ZanCommuneSummary[] = details.map((d) => {
    const latest = d.vintages.at(-1);
    return {
      insee: d.commune.insee,
      name: d.commune.name,
      areaM2: d.commune.areaM2,
      artificialisedM2: Object.fromEntries(d.vintages.map((v) => [String(v.year), v.artificialisedM2])),
      artificialisedPct: latest ? latest.artificialisedPct : null,
      netChangeM2: d.vintages.length > 1 ? d.vintages.at(-1)!.artificialisedM2 - d.vintages[0]!.artificialisedM2 : null,
      coveredPct: d.vintages.length > 0 ? Math.min(...d.vintages.map((v) => v.coveredPct)) : null,
      trajectory: d.trajectory,
    };
  });
  const trajectories = details.map((d) => d.trajectory).filter((t): t is Trajectory => t !== null);
  return {
    vintages: vintages.map((v) => v.year),
    communes: summaries,
    territory: { trajectory: territoryTrajectory(trajectories, vintages.at(-1)?.year ?? PERIOD_START), communesWithTrajectory: trajectories.length },
  };
}
