import { CHART, ChartSvg, Legend, valueFrame } from '../../charts/Chart';
import { linearScale } from '../../charts/scale';
import type { CommuneZan, Trajectory, ZanFlow } from '@vigie/api/contract';
import { formatNumber } from '../../format';
import { useI18n } from '../../i18n';

const ha = (m2: number) => m2 / 10_000;
const ARTIF = '#c82323';
const RENAT = '#19873c';
const ACCENT = '#1a5fb4';

/** One stacked bar per vintage: the commune's area by land-cover class, ha. */
export function ClassAreaChart({ zan }: { zan: CommuneZan }) {
  const { t, locale } = useI18n();
  const totals = zan.vintages.map((v) => ha(v.coveredM2));
  const frame = valueFrame(0, Math.max(0, ...totals));
  const slot = (frame.x1 - frame.x0) / Math.max(1, zan.vintages.length);
  const barWidth = Math.min(60, slot * 0.6);
  const classes = new Map(zan.vintages.flatMap((v) => v.classes).map((c) => [c.classId, c]));
  return (
    <figure>
      <figcaption>{t('zan.chart.classes')}</figcaption>
      <ChartSvg title={t('zan.chart.classes')} frame={frame} format={(v, d) => `${formatNumber(v, locale, d)} ha`} testId="zan-chart-classes">
        {zan.vintages.map((v, i) => {
          const x = frame.x0 + slot * i + (slot - barWidth) / 2;
          let top = 0;
          return (
            <g key={v.year}>
              {v.classes.map((c) => {
                const y0 = frame.y(top), y1 = frame.y(top + ha(c.areaM2));
                top += ha(c.areaM2);
                return (
                  <rect key={c.classId} x={x} width={barWidth} y={y1} height={Math.max(0, y0 - y1)} fill={c.color}>
                    <title>{`${v.year} — ${c.label} : ${formatNumber(ha(c.areaM2), locale, 2)} ha`}</title>
                  </rect>
                );
              })}
              <text x={x + barWidth / 2} y={CHART.height - 8} textAnchor="middle" className="tick">
                {v.year}
              </text>
            </g>
          );
        })}
      </ChartSvg>
      <Legend items={[...classes.values()].map((c) => ({ label: c.label, color: c.color }))} />
    </figure>
  );
}

/** Artificialised and renatured area per period, ha, with the net balance. */
export function FlowChart({ flows }: { flows: ZanFlow[] }) {
  const { t, locale } = useI18n();
  const frame = valueFrame(Math.min(0, ...flows.map((f) => -ha(f.renaturationM2))), Math.max(0, ...flows.map((f) => ha(f.artificialisationM2))));
  const slot = (frame.x1 - frame.x0) / Math.max(1, flows.length);
  const barWidth = Math.min(44, slot * 0.5);
  return (
    <figure>
      <figcaption>{t('zan.chart.flows')}</figcaption>
      <ChartSvg title={t('zan.chart.flows')} frame={frame} format={(v, d) => `${formatNumber(v, locale, d)} ha`} testId="zan-chart-flows">
        {flows.map((f, i) => {
          const x = frame.x0 + slot * i + (slot - barWidth) / 2;
          const zero = frame.y(0);
          const up = frame.y(ha(f.artificialisationM2)), down = frame.y(-ha(f.renaturationM2)), net = frame.y(ha(f.netM2));
          return (
            <g key={`${f.fromYear}-${f.toYear}`}>
              <rect x={x} width={barWidth} y={up} height={Math.max(0, zero - up)} fill={ARTIF}>
                <title>{`${f.fromYear}–${f.toYear} : ${t('zan.artificialisation')} ${formatNumber(ha(f.artificialisationM2), locale, 2)} ha`}</title>
              </rect>
              <rect x={x} width={barWidth} y={zero} height={Math.max(0, down - zero)} fill={RENAT}>
                <title>{`${f.fromYear}–${f.toYear} : ${t('zan.renaturation')} ${formatNumber(ha(f.renaturationM2), locale, 2)} ha`}</title>
              </rect>
              <line x1={x - 4} x2={x + barWidth + 4} y1={net} y2={net} stroke="#1d2433" strokeWidth={2.5} />
              <text x={x + barWidth / 2} y={CHART.height - 8} textAnchor="middle" className="tick">
                {`${f.fromYear}–${String(f.toYear).slice(2)}`}
              </text>
            </g>
          );
        })}
      </ChartSvg>
      <Legend items={[{ label: t('zan.artificialisation'), color: ARTIF }, { label: t('zan.renaturation'), color: RENAT }, { label: t('zan.net'), color: '#1d2433' }]} />
    </figure>
  );
}

/** 2021–2031 cumulative consumption against the envelope (−50 % of 2011–2020), with the projection at the current pace. */
export function TrajectoryChart({ trajectory }: { trajectory: Trajectory }) {
  const { t, locale } = useI18n();
  const START = 2021, END = 2031;
  const top = Math.max(trajectory.budgetHa, trajectory.consumedHa, trajectory.projectedHa ?? 0, trajectory.referenceHa * 0.6);
  const frame = valueFrame(0, top);
  const x = linearScale([START, END], [frame.x0, frame.x1]);
  const asOf = Math.min(END, Math.max(START, trajectory.asOfYear));
  const years = [2021, 2023, 2025, 2027, 2029, 2031];
  const exhaustion = trajectory.exhaustionYear;
  return (
    <figure>
      <figcaption>{t('zan.chart.trajectory', { pct: formatNumber(trajectory.targetReductionPct, locale) })}</figcaption>
      <ChartSvg title={t('zan.chart.trajectory', { pct: formatNumber(trajectory.targetReductionPct, locale) })} frame={frame} format={(v, d) => `${formatNumber(v, locale, d)} ha`} testId="zan-chart-trajectory">
        {years.map((year, i) => (
          <text key={year} x={x(year)} y={CHART.height - 8} textAnchor={i === years.length - 1 ? 'end' : 'middle'} className="tick">
            {year}
          </text>
        ))}
        {/* the envelope: reached linearly, then the ceiling */}
        <line x1={x(START)} y1={frame.y(0)} x2={x(END)} y2={frame.y(trajectory.budgetHa)} stroke={ACCENT} strokeWidth={2} />
        <line x1={x(START)} x2={x(END)} y1={frame.y(trajectory.budgetHa)} y2={frame.y(trajectory.budgetHa)} stroke={ACCENT} strokeDasharray="2 3" />
        {trajectory.projectedHa !== null && (
          <line x1={x(asOf)} y1={frame.y(trajectory.consumedHa)} x2={x(END)} y2={frame.y(trajectory.projectedHa)} stroke={trajectory.overshoot ? ARTIF : '#4f5868'} strokeWidth={2} strokeDasharray="6 4" />
        )}
        <line x1={x(START)} y1={frame.y(0)} x2={x(asOf)} y2={frame.y(trajectory.consumedHa)} stroke="#1d2433" strokeWidth={3} />
        <circle cx={x(asOf)} cy={frame.y(trajectory.consumedHa)} r={4} fill="#1d2433">
          <title>{`${trajectory.asOfYear} : ${formatNumber(trajectory.consumedHa, locale, 2)} ha`}</title>
        </circle>
        {exhaustion !== null && exhaustion <= END && (
          <g>
            <line x1={x(exhaustion + 1)} x2={x(exhaustion + 1)} y1={frame.y0} y2={frame.y1} stroke={ARTIF} strokeDasharray="3 3" />
            <text x={x(exhaustion + 1) - 3} y={frame.y1 + 10} textAnchor="end" className="tick alert">
              {t('zan.exhaustedIn', { year: exhaustion })}
            </text>
          </g>
        )}
      </ChartSvg>
      <Legend
        items={[
          { label: t('zan.legend.envelope', { pct: formatNumber(trajectory.targetReductionPct, locale) }), color: ACCENT },
          { label: t('zan.legend.consumed'), color: '#1d2433' },
          { label: t('zan.legend.projection'), color: trajectory.overshoot ? ARTIF : '#4f5868', dashed: true },
        ]}
      />
    </figure>
  );
}
