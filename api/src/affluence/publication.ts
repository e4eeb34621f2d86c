import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema';
import { countSeries, TIME_ZONE } from './counts';
import { type OccupancyLevel, OCCUPANCY_LEVELS, type Trend, occupancyLevel, offlineAfterSeconds, publicCount, publicCountLabel, trend } from './occupancy';

/**
 * What is published without login, per zone (a zone gathers the cameras of one place): the sum of the
 * latest counts of its online cameras, its level against the sum of their thresholds, the trend and the
 * same moment a week before. Offline cameras are left out; a zone with none online is "hors ligne".
 */

/** How often the public page and widget refresh themselves, and the open data's advice to clients. */
export const PUBLIC_REFRESH_S = 60;

export interface ZoneNow {
  territoire: { slug: string; name: string };
  zone: string;
  status: 'en_ligne' | 'hors_ligne';
  level: OccupancyLevel | null;
  levelLabel: string | null;
  colour: string | null;
  /** null when below 5 (label "< 5") or offline (label "–") */
  people: number | null;
  peopleLabel: string;
  vehicles: number | null;
  vehiclesLabel: string;
  trend: Trend | null;
  /** mean people around the same time, one week earlier */
  sameTimeLastWeek: { people: number | null; peopleLabel: string };
  updatedAt: string | null;
  sensors: { online: number; total: number };
  lon: number;
  lat: number;
}

interface SensorNowRow {
  slug: string;
  authorityName: string;
  zone: string;
  lon: number;
  lat: number;
  calmMax: number;
  busyMax: number;
  intervalS: number;
  observedAt: Date | null;
  people: number | null;
  vehicles: number | null;
  recentMean: number | null;
  beforeMean: number | null;
  lastWeekMean: number | null;
}

const TREND_WINDOW_MIN = 15;

export async function zonesNow(db: Kysely<Database>, opts: { now?: Date; territoire?: string; zone?: string } = {}): Promise<ZoneNow[]> {
  const now = opts.now ?? new Date();
  const at = now.toISOString();
  const { rows } = await sql<SensorNowRow>`
    select a.slug, a.name as "authorityName", s.zone, s.lon, s.lat, s.calm_max as "calmMax", s.busy_max as "busyMax", s.interval_s as "intervalS",
           l.observed_at as "observedAt", l.people, l.vehicles, w.recent as "recentMean", w.before as "beforeMean", lw.mean as "lastWeekMean"
    from sensor s
    join authority a on a.id = s.authority_id
    left join lateral (
      select observed_at, people, vehicles from sensor_count c
      where c.sensor_id = s.id and c.observed_at <= ${at}::timestamptz order by c.observed_at desc limit 1
    ) l on true
    left join lateral (
      select avg(people) filter (where observed_at > ${at}::timestamptz - make_interval(mins => ${TREND_WINDOW_MIN}))::float8 as recent,
             avg(people) filter (where observed_at <= ${at}::timestamptz - make_interval(mins => ${TREND_WINDOW_MIN}))::float8 as before
      from sensor_count c
      where c.sensor_id = s.id and c.observed_at > ${at}::timestamptz - make_interval(mins => ${2 * TREND_WINDOW_MIN}) and c.observed_at <= ${at}::timestamptz
    ) w on true
    left join lateral (
      select avg(people)::float8 as mean from sensor_count c
      where c.sensor_id = s.id
        and c.observed_at between ${at}::timestamptz - interval '7 days 30 minutes' and ${at}::timestamptz - interval '6 days 23 hours 30 minutes'
    ) lw on true
    where (${opts.territoire ?? null}::text is null or a.slug = ${opts.territoire ?? null}::text)
      and (${opts.zone ?? null}::text is null or s.zone = ${opts.zone ?? null}::text)
    order by a.slug, s.zone, s.id`.execute(db);

  const zones = new Map<string, SensorNowRow[]>();
  for (const row of rows) {
    const key = `${row.slug}\u0000${row.zone}`;
    zones.set(key, [...(zones.get(key) ?? []), row]);
  }
  return [...zones.values()].map((sensors) => zoneNow(sensors, now));
}

function zoneNow(sensors: SensorNowRow[], now: Date): ZoneNow {
  const first = sensors[0]!;
  const online = sensors.filter((s) => s.observedAt && now.getTime() - new Date(s.observedAt).getTime() <= offlineAfterSeconds(s.intervalS) * 1000);
  const sum = (values: (number | null)[]) => (values.some((v) => v === null) || values.length === 0 ? null : values.reduce((a: number, b) => a + b!, 0));
  const people = online.length ? sum(online.map((s) => s.people)) : null;
  const vehicles = online.length ? sum(online.map((s) => s.vehicles)) : null;
  const level = people === null ? null : occupancyLevel(people, { calmMax: sum(online.map((s) => s.calmMax))!, busyMax: sum(online.map((s) => s.busyMax))! });
  const lastWeek = sum(sensors.map((s) => s.lastWeekMean));
  const updated = online.map((s) => new Date(s.observedAt!).getTime());
  return {
    territoire: { slug: first.slug, name: first.authorityName },
    zone: first.zone,
    status: online.length ? 'en_ligne' : 'hors_ligne',
    level,
    levelLabel: level && OCCUPANCY_LEVELS[level].label,
    colour: level && OCCUPANCY_LEVELS[level].colour,
    people: publicCount(people),
    peopleLabel: publicCountLabel(people),
    vehicles: publicCount(vehicles),
    vehiclesLabel: publicCountLabel(vehicles),
    trend: online.length ? trend(sum(online.map((s) => s.recentMean)), sum(online.map((s) => s.beforeMean))) : null,
    sameTimeLastWeek: { people: publicCount(lastWeek), peopleLabel: publicCountLabel(lastWeek) },
    updatedAt: updated.length ? new Date(Math.max(...updated)).toISOString() : null,
    sensors: { online: online.length, total: sensors.length },
    lon: mean(sensors.map((s) => s.lon)),
    lat: mean(sensors.map((s) => s.lat)),
  };
}

const mean = (xs: number[]) => Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 1e7) / 1e7;

/** Days of hourly history one CSV request may cover. */
export const HISTORY_MAX_DAYS = 31;

const CSV_COLUMNS = ['territoire', 'zone', 'debut_heure', 'personnes_moyenne', 'personnes_max', 'vehicules_moyenne', 'vehicules_max', 'mesures'];

/**
 * Hourly history per zone as CSV (RFC 4180, UTF-8): one row per zone and hour, hours without any count
 * left empty (a gap, not a zero), counts below 5 written "< 5". A zone's values sum its cameras' values.
 */
export async function historyCsv(db: Kysely<Database>, opts: { from: Date; to: Date; territoire?: string; zone?: string }): Promise<string> {
  let query = db
    .selectFrom('sensor')
    .innerJoin('authority', 'authority.id', 'sensor.authorityId')
    .select(['sensor.id', 'sensor.zone', 'authority.slug'])
    .orderBy('authority.slug')
    .orderBy('sensor.zone');
  if (opts.territoire) query = query.where('authority.slug', '=', opts.territoire);
  if (opts.zone) query = query.where('sensor.zone', '=', opts.zone);
  const sensors = await query.execute();
  const zones = new Map<string, { slug: string; zone: string; ids: number[] }>();
  for (const s of sensors) {
    const key = `${s.slug}\u0000${s.zone}`;
    const entry = zones.get(key) ?? { slug: s.slug, zone: s.zone, ids: [] };
    entry.ids.push(s.id);
    zones.set(key, entry);
  }
  const lines = [CSV_COLUMNS.join(',')];
  for (const { slug, zone, ids } of zones.values()) {
    for (const point of await countSeries(db, ids, 'hour', opts.from, opts.to)) {
      const cells = [slug, zone, localIso(point.start)];
      if (point.people && point.vehicles) {
        cells.push(csvCount(point.people.mean), csvCount(point.people.max), csvCount(point.vehicles.mean), csvCount(point.vehicles.max), String(point.samples));
      } else cells.push('', '', '', '', '0');
      lines.push(cells.map(csvCell).join(','));
    }
  }
  return lines.join('\r\n') + '\r\n';
}

const csvCount = (n: number) => (publicCount(n) === null ? publicCountLabel(n) : String(Math.round(n * 10) / 10));

function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** An instant as local ISO 8601 with its offset, e.g. 2025-07-14T15:00:00+02:00. */
export function localIso(at: Date): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone: TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZoneName: 'longOffset' })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  const offset = parts.timeZoneName === 'GMT' ? '+00:00' : String(parts.timeZoneName).replace('GMT', '');
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}${offset}`;
}
