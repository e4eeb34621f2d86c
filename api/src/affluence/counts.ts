import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema';
import { offlineAfterSeconds } from './occupancy';

/** Hours and days are those of the territory's clocks (metropolitan France). */
export const TIME_ZONE = 'Europe/Paris';

export type Bucket = '15min' | 'hour' | 'day';
export const BUCKETS: readonly Bucket[] = ['15min', 'hour', 'day'];

const STEP: Record<Bucket, string> = { '15min': '15 minutes', hour: '1 hour', day: '1 day' };

export interface CountRow {
  sensorId: number;
  observedAt: Date;
  people: number;
  vehicles: number;
}

/**
 * One count per sensor and instant. `keep` leaves an existing count alone: the poller stamps counts with
 * their polling slot, so two pollers fetching the same camera record it once.
 */
export async function recordCounts(db: Kysely<Database>, counts: readonly CountRow[], onConflict: 'replace' | 'keep' = 'replace'): Promise<void> {
  if (counts.length === 0) return;
  await db
    .insertInto('sensorCount')
    .values([...counts])
    .onConflict((oc) =>
      onConflict === 'keep'
        ? oc.columns(['sensorId', 'observedAt']).doNothing()
        : oc.columns(['sensorId', 'observedAt']).doUpdateSet((eb) => ({ people: eb.ref('excluded.people'), vehicles: eb.ref('excluded.vehicles') })),
    )
    .execute();
}

/** Local (Europe/Paris) start of the bucket holding `observed_at`, as a timestamp without time zone. */
function localBucket(bucket: Bucket) {
  const local = sql`(observed_at at time zone ${TIME_ZONE})`;
  if (bucket === 'day') return sql`date_trunc('day', ${local})`;
  if (bucket === 'hour') return sql`date_trunc('hour', ${local})`;
  return sql`date_bin('15 minutes', ${local}, timestamp '2000-01-01')`;
}

export interface SeriesPoint {
  /** bucket start */
  start: Date;
  /** counts received in the bucket; 0 means the camera was offline: the values are null, not zero */
  samples: number;
  people: { mean: number; max: number } | null;
  vehicles: { mean: number; max: number } | null;
}

/**
 * Every bucket between `from` and `to`, in local time: buckets without any count come back with null
 * values, so that an offline camera draws a gap and never a zero.
 */
export async function countSeries(db: Kysely<Database>, sensorIds: number[], bucket: Bucket, from: Date, to: Date): Promise<SeriesPoint[]> {
  if (sensorIds.length === 0) return [];
  const step = STEP[bucket];
  const local = (d: Date) => sql`date_trunc('minute', (${d.toISOString()}::timestamptz at time zone ${TIME_ZONE}))`;
  const first = bucket === 'day' ? sql`date_trunc('day', ${local(from)})` : bucket === 'hour' ? sql`date_trunc('hour', ${local(from)})` : sql`date_bin('15 minutes', ${local(from)}, timestamp '2000-01-01')`;
  const { rows } = await sql<{ start: Date; samples: number; peopleMean: number | null; peopleMax: number | null; vehiclesMean: number | null; vehiclesMax: number | null }>`
    with per_sensor as (
      select sensor_id, ${localBucket(bucket)} as bucket, count(*)::int as samples,
             avg(people)::float8 as people_mean, max(people) as people_max,
             avg(vehicles)::float8 as vehicles_mean, max(vehicles) as vehicles_max
      from sensor_count
      where sensor_id in (${sql.join(sensorIds)}) and observed_at >= ${from.toISOString()}::timestamptz and observed_at < ${to.toISOString()}::timestamptz
      group by sensor_id, 2
    ), per_bucket as (
      select bucket, sum(samples)::int as samples,
             sum(people_mean)::float8 as people_mean, sum(people_max)::int as people_max,
             sum(vehicles_mean)::float8 as vehicles_mean, sum(vehicles_max)::int as vehicles_max
      from per_sensor group by bucket
    )
    select (series.bucket at time zone ${TIME_ZONE}) as "start",
           coalesce(b.samples, 0) as samples,
           b.people_mean as "peopleMean", b.people_max as "peopleMax",
           b.vehicles_mean as "vehiclesMean", b.vehicles_max as "vehiclesMax"
    from generate_series(${first}, ${local(to)} - interval '1 microsecond', ${step}::interval) as series(bucket)
    left join per_bucket b on b.bucket = series.bucket
    order by series.bucket`.execute(db);
  return rows.map((r) => ({
    start: new Date(r.start),
    samples: r.samples,
    people: r.samples > 0 ? { mean: round1(r.peopleMean!), max: r.peopleMax! } : null,
    vehicles: r.samples > 0 ? { mean: round1(r.vehiclesMean!), max: r.vehiclesMax! } : null,
  }));
}

export interface Gap {
  from: Date;
  to: Date;
}

/** Periods without counts longer than the sensor's offline threshold (camera down, network cut). */
export async function countGaps(db: Kysely<Database>, sensor: { id: number; intervalS: number }, from: Date, to: Date): Promise<Gap[]> {
  const rows = await db
    .selectFrom('sensorCount')
    .select('observedAt')
    .where('sensorId', '=', sensor.id)
    .where('observedAt', '>=', from)
    .where('observedAt', '<', to)
    .orderBy('observedAt')
    .execute();
  const limitMs = offlineAfterSeconds(sensor.intervalS) * 1000;
  const gaps: Gap[] = [];
  let previous = from;
  for (const { observedAt } of [...rows, { observedAt: to }]) {
    if (observedAt.getTime() - previous.getTime() > limitMs) gaps.push({ from: previous, to: observedAt });
    previous = observedAt;
  }
  return gaps;
}

export interface PeakHour {
  /** local hour of day, 0–23 */
  hour: number;
  meanPeople: number;
}

/** The busiest hours of the day over the last `days` days (mean people per local hour, best first). */
export async function peakHours(db: Kysely<Database>, sensorIds: number[], now: Date, days = 28, top = 3): Promise<PeakHour[]> {
  if (sensorIds.length === 0) return [];
  const since = new Date(now.getTime() - days * 86_400_000);
  const { rows } = await sql<{ hour: number; meanPeople: number }>`
    select extract(hour from observed_at at time zone ${TIME_ZONE})::int as hour, avg(people)::float8 as "meanPeople"
    from sensor_count
    where sensor_id in (${sql.join(sensorIds)}) and observed_at >= ${since.toISOString()}::timestamptz and observed_at < ${now.toISOString()}::timestamptz
    group by 1 order by 2 desc, 1 limit ${top}`.execute(db);
  return rows.map((r) => ({ hour: r.hour, meanPeople: round1(r.meanPeople) }));
}

/** Start (as an instant) of the local day holding `at`, and of the next one. */
export async function localDay(db: Kysely<Database>, day: string): Promise<{ start: Date; end: Date }> {
  const { rows } = await sql<{ start: Date; end: Date }>`
    select (${day}::date::timestamp at time zone ${TIME_ZONE}) as "start",
           ((${day}::date + 1)::timestamp at time zone ${TIME_ZONE}) as "end"`.execute(db);
  return { start: new Date(rows[0]!.start), end: new Date(rows[0]!.end) };
}

export interface DayReport {
  day: string;
  lastWeekDay: string;
  hourly: SeriesPoint[];
  lastWeekHourly: SeriesPoint[];
  /** people, day mean and max, against the same day last week; null when a side has no data */
  comparison: { people: { mean: number | null; lastWeekMean: number | null; changePct: number | null } };
  peakHours: PeakHour[];
  gaps: Gap[];
}

/** One day of a sensor, hour by hour, next to the same weekday a week before. */
export async function dayReport(db: Kysely<Database>, sensor: { id: number; intervalS: number }, day: string, now: Date): Promise<DayReport> {
  const lastWeekDay = shiftDay(day, -7);
  const [today, before] = await Promise.all([localDay(db, day), localDay(db, lastWeekDay)]);
  const end = today.end < now ? today.end : now;
  const [hourly, lastWeekHourly, peaks, gaps] = await Promise.all([
    countSeries(db, [sensor.id], 'hour', today.start, today.end),
    countSeries(db, [sensor.id], 'hour', before.start, before.end),
    peakHours(db, [sensor.id], now),
    end > today.start ? countGaps(db, sensor, today.start, end) : Promise.resolve([]),
  ]);
  const mean = (points: SeriesPoint[]) => {
    const seen = points.filter((p) => p.people);
    return seen.length ? round1(seen.reduce((s, p) => s + p.people!.mean, 0) / seen.length) : null;
  };
  const todayMean = mean(hourly);
  const lastWeekMean = mean(lastWeekHourly);
  const changePct = todayMean !== null && lastWeekMean !== null && lastWeekMean > 0 ? Math.round(((todayMean - lastWeekMean) / lastWeekMean) * 100) : null;
  return { day, lastWeekDay, hourly, lastWeekHourly, comparison: { people: { mean: todayMean, lastWeekMean, changePct } }, peakHours: peaks, gaps };
}

/** Today's date in the territory's time zone, as YYYY-MM-DD. */
export function localDate(at: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

export function shiftDay(day: string, days: number): string {
  const date = new Date(`${day}T12:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

const round1 = (x: number) => Math.round(x * 10) / 10;
