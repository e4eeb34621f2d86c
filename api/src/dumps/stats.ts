import { type Kysely, sql } from 'kysely';
import type { Database, DumpStatus } from '../db/schema';
import { DETECTION_ENTITY } from './queries';

export interface StatsFilters {
  commune?: string;
  /** first and last month included, "AAAA-MM" */
  from?: string;
  to?: string;
}

/** One commune in one month (Paris time). */
export interface CommuneMonth {
  month: string;
  communeInsee: string | null;
  communeName: string | null;
  /** detections first seen in that month's runs (change "nouveau") */
  nouveaux: number;
  /** dumps confirmed by a reviewer that month */
  confirmes: number;
  /** dumps marked cleared that month */
  resorbes: number;
}

const month = (column: string) => sql<string>`to_char(${sql.ref(column)} at time zone 'Europe/Paris', 'YYYY-MM')`;

/**
 * The dashboard's figures per commune and month. "Nouveaux" counts detections by the month they were
 * produced; "confirmés" and "résorbés" count decisions by the month they were taken, read from the audit log
 * (a dump confirmed, put back, and confirmed again counts once in a month).
 */
export async function dumpStatsByCommuneMonth(db: Kysely<Database>, authorityId: number, filters: StatsFilters): Promise<CommuneMonth[]> {
  const created = await db
    .selectFrom('dumpDetection as d')
    .select([month('d.createdAt').as('month'), 'd.communeInsee', (eb) => eb.fn.countAll<string>().as('n')])
    .where('d.authorityId', '=', authorityId)
    .where('d.change', '=', 'nouveau')
    .$if(filters.commune !== undefined, (q) => q.where('d.communeInsee', '=', filters.commune!))
    .groupBy([month('d.createdAt'), 'd.communeInsee'])
    .execute();
  const [confirmed, cleared] = await Promise.all([decisions(db, authorityId, 'confirme', filters), decisions(db, authorityId, 'resorbe', filters)]);
  const names = new Map(
    (await db.selectFrom('commune').select(['insee', 'name']).where('authorityId', '=', authorityId).execute()).map((c) => [c.insee, c.name]),
  );

  const cells = new Map<string, CommuneMonth>();
  const cell = (m: string, insee: string | null) => {
    const key = `${m}|${insee ?? ''}`;
    let entry = cells.get(key);
    if (!entry) cells.set(key, (entry = { month: m, communeInsee: insee, communeName: insee ? names.get(insee) ?? null : null, nouveaux: 0, confirmes: 0, resorbes: 0 }));
    return entry;
  };
  for (const r of created) cell(r.month, r.communeInsee).nouveaux += Number(r.n);
  for (const r of confirmed) cell(r.month, r.communeInsee).confirmes += Number(r.n);
  for (const r of cleared) cell(r.month, r.communeInsee).resorbes += Number(r.n);
  return [...cells.values()]
    .filter((c) => (!filters.from || c.month >= filters.from) && (!filters.to || c.month <= filters.to))
    .sort((a, b) => a.month.localeCompare(b.month) || (a.communeInsee ?? '').localeCompare(b.communeInsee ?? ''));
}

function decisions(db: Kysely<Database>, authorityId: number, status: DumpStatus, filters: StatsFilters) {
  return db
    .selectFrom('auditLog as a')
    .innerJoin('dumpDetection as d', (join) => join.on(sql<boolean>`d.id::text = a.entity_id`))
    .select([month('a.at').as('month'), 'd.communeInsee', sql<string>`count(distinct d.id)`.as('n')])
    .where('a.entity', '=', DETECTION_ENTITY)
    .where('a.authorityId', '=', authorityId)
    .where('d.authorityId', '=', authorityId)
    .where(sql<boolean>`a.after ->> 'status' = ${status}`)
    .$if(filters.commune !== undefined, (q) => q.where('d.communeInsee', '=', filters.commune!))
    .groupBy([month('a.at'), 'd.communeInsee'])
    .execute();
}
