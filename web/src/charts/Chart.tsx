import type { ReactNode } from 'react';
import { linearScale, niceMax, niceTicks } from './scale';

export const CHART = { width: 340, height: 180, left: 44, right: 8, top: 10, bottom: 26 };

export interface Frame {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  /** value → y pixel */
  y: (value: number) => number;
  ticks: number[];
}

/** The plot area and its value axis, for a chart whose values go from `min` (≤ 0) to `max`. */
export function valueFrame(min: number, max: number, height = CHART.height): Frame {
  const top = niceMax(max);
  const bottom = min < 0 ? -niceMax(-min) : 0;
  const y0 = height - CHART.bottom, y1 = CHART.top;
  return { x0: CHART.left, x1: CHART.width - CHART.right, y0, y1, y: linearScale([bottom, top], [y0, y1]), ticks: niceTicks(bottom, top, 4) };
}

/** Decimals the value labels need so that neighbouring ticks read differently (0.5 ha, not 1 ha). */
export function tickDigits(frame: Frame): number {
  const step = frame.ticks.length > 1 ? Math.abs(frame.ticks[1]! - frame.ticks[0]!) : 1;
  return step >= 1 ? 0 : Math.min(3, Math.ceil(-Math.log10(step) - 1e-9));
}

/** An SVG chart with a title for screen readers, horizontal grid lines and value labels on the left. */
export function ChartSvg({ title, frame, format, children, height = CHART.height, testId }: { title: string; frame: Frame; format: (v: number, digits: number) => string; children: ReactNode; height?: number; testId?: string }) {
  const digits = tickDigits(frame);
  return (
    <svg className="chart" viewBox={`0 0 ${CHART.width} ${height}`} role="img" aria-label={title} data-testid={testId}>
      <title>{title}</title>
      {frame.ticks.map((v) => (
        <g key={v}>
          <line x1={frame.x0} x2={frame.x1} y1={frame.y(v)} y2={frame.y(v)} className={v === 0 ? 'axis' : 'grid'} />
          <text x={frame.x0 - 4} y={frame.y(v) + 4} textAnchor="end" className="tick">
            {format(v === 0 ? 0 : v, digits)}
          </text>
        </g>
      ))}
      {children}
    </svg>
  );
}

export function Legend({ items }: { items: { label: string; color: string; dashed?: boolean }[] }) {
  return (
    <ul className="chart-legend">
      {items.map((item) => (
        <li key={item.label}>
          <span className={item.dashed ? 'swatch dashed' : 'swatch'} style={item.dashed ? { borderColor: item.color } : { background: item.color }} aria-hidden="true" />
          {item.label}
        </li>
      ))}
    </ul>
  );
}
