import { CHART, ChartSvg, Legend, valueFrame } from '../../charts/Chart';
import { linearScale, pathWithGaps } from '../../charts/scale';
import type { CountSeries } from '@vigie/api/contract';
import { formatNumber } from '../../format';
import { useI18n } from '../../i18n';
import { LEVEL_COLOURS } from './layers';

const PEOPLE = '#1d2433';
const VEHICLES = '#1a5fb4';
const band = (rgb: readonly number[]) => `rgb(${rgb.join(' ')} / 0.12)`;

/** People and vehicles (mean per bucket) over time, on the sensor's level bands; gaps where it was offline. */
export function SeriesChart({ counts, span }: { counts: CountSeries; span: 'day' | 'week' }) {
  const { t, locale } = useI18n();
  const points = counts.series;
  const max = Math.max(counts.thresholds.busyMax * 1.15, ...points.map((p) => Math.max(p.people?.mean ?? 0, p.vehicles?.mean ?? 0)));
  const frame = valueFrame(0, max);
  const from = new Date(counts.from).getTime(), to = new Date(counts.to).getTime();
  const x = linearScale([from, to], [frame.x0, frame.x1]);
  const at = (iso: string) => x(new Date(iso).getTime());
  const { calmMax, busyMax } = counts.thresholds;
  const ticks: number[] = [];
  // every other day over a week: seven « lun. 23 » labels run into each other at the panel's width
  const stepMs = span === 'day' ? 6 * 3_600_000 : 2 * 86_400_000;
  for (let ms = Math.ceil(from / stepMs) * stepMs; ms <= to; ms += stepMs) ticks.push(ms);
  const tick = new Intl.DateTimeFormat(locale === 'fr' ? 'fr-FR' : 'en-GB', span === 'day' ? { hour: '2-digit', minute: '2-digit' } : { weekday: 'short', day: 'numeric' });
  const title = t(span === 'day' ? 'affluence.chart.day' : 'affluence.chart.week');
  const top = frame.y(frame.ticks.at(-1) ?? max);
  return (
    <figure>
      <figcaption>{title}</figcaption>
      <ChartSvg title={title} frame={frame} format={(v, d) => formatNumber(v, locale, d)} testId={`affluence-chart-${span}`}>
        <rect x={frame.x0} width={frame.x1 - frame.x0} y={frame.y(calmMax)} height={frame.y0 - frame.y(calmMax)} fill={band(LEVEL_COLOURS.calme)} />
        <rect x={frame.x0} width={frame.x1 - frame.x0} y={frame.y(busyMax)} height={frame.y(calmMax) - frame.y(busyMax)} fill={band(LEVEL_COLOURS.frequente)} />
        <rect x={frame.x0} width={frame.x1 - frame.x0} y={top} height={Math.max(0, frame.y(busyMax) - top)} fill={band(LEVEL_COLOURS.tres_frequente)} />
        {counts.gaps.map((g) => (
          <rect key={g.from} x={at(g.from)} width={Math.max(1, at(g.to) - at(g.from))} y={frame.y1} height={frame.y0 - frame.y1} className="gap">
            <title>{t('affluence.offlineBetween')}</title>
          </rect>
        ))}
        {ticks.map((ms) => (
          // a label at either end of the axis is kept inside the chart instead of cut at its edge
          <text key={ms} x={x(ms)} y={CHART.height - 8} textAnchor={tickAnchor(x(ms), frame.x0, frame.x1)} className="tick">
            {tick.format(new Date(ms))}
          </text>
        ))}
        <path d={pathWithGaps(points.map((p) => ({ x: at(p.start), y: p.vehicles ? frame.y(p.vehicles.mean) : null })))} fill="none" stroke={VEHICLES} strokeWidth={1.5} strokeDasharray="4 3" />
        <path d={pathWithGaps(points.map((p) => ({ x: at(p.start), y: p.people ? frame.y(p.people.mean) : null })))} fill="none" stroke={PEOPLE} strokeWidth={2} />
      </ChartSvg>
      <Legend
        items={[
          { label: t('affluence.people'), color: PEOPLE },
          { label: t('affluence.vehicles'), color: VEHICLES, dashed: true },
          { label: t('affluence.level.calme'), color: `rgb(${LEVEL_COLOURS.calme.join(' ')})` },
          { label: t('affluence.level.frequente'), color: `rgb(${LEVEL_COLOURS.frequente.join(' ')})` },
          { label: t('affluence.level.tres_frequente'), color: `rgb(${LEVEL_COLOURS.tres_frequente.join(' ')})` },
        ]}
      />
    </figure>
  );
}

/** Text anchor of an axis label at x: centred, unless within half a label's width of an end of the axis. */
function tickAnchor(x: number, x0: number, x1: number): 'start' | 'middle' | 'end' {
  const half = 24;
  return x - x0 < half ? 'start' : x1 - x < half ? 'end' : 'middle';
}
