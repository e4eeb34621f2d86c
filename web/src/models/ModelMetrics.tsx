import type { ModelCard } from '@vigie/api/contract';
import { formatDate, formatNumber } from '../format';
import { useI18n, type MessageKey } from '../i18n';

/**
 * The figures of a model card, read: what `vigie models eval` writes (test set, targets, results, whether they
 * are met), with French or English labels and units. A third-party card's own keys are shown under their names.
 */

/** Labels of the results `vigie models eval` writes (workers/src/models/evaluate.ts). */
const RESULT_LABELS: Record<string, MessageKey> = {
  ap50: 'models.result.ap50',
  precision: 'models.result.precision',
  recall: 'models.result.recall',
  scoreThreshold: 'models.result.scoreThreshold',
  chips: 'models.result.chips',
  dumps: 'models.result.dumps',
  hardNegativeChips: 'models.result.hardNegativeChips',
  falsePositivesOnHardNegatives: 'models.result.falsePositivesOnHardNegatives',
  falsePositivesPer10HardNegativeChips: 'models.result.falsePositivesPer10HardNegativeChips',
  pixelAccuracy: 'models.result.pixelAccuracy',
  miou: 'models.result.miou',
  iouArtificialised: 'models.result.iouArtificialised',
  iou: 'models.result.iou',
  frames: 'models.result.frames',
  maePeople: 'models.result.maePeople',
  maeVehicles: 'models.result.maeVehicles',
  maePeopleRounded: 'models.result.maePeopleRounded',
  maeVehiclesRounded: 'models.result.maeVehiclesRounded',
  meanPeople: 'models.result.meanPeople',
  crowdFrames: 'models.result.crowdFrames',
  crowdWithinBand: 'models.result.crowdWithinBand',
  crowdMaxRelativeError: 'models.result.crowdMaxRelativeError',
};
/** A position in a known order, unknown keys last (PostgreSQL's jsonb keeps keys shortest first, not as written). */
const rankOf = (index: number) => (index < 0 ? Number.MAX_SAFE_INTEGER : index);
const RESULT_ORDER = Object.keys(RESULT_LABELS);
/** shares shown as percentages */
const PERCENT = new Set(['crowdWithinBand', 'crowdMaxRelativeError']);

/** Each target of `vigie models eval`, as a sentence with its bound; the crowd band is one sentence for two keys. */
const TARGET_LABELS: Record<string, MessageKey> = {
  ap50: 'models.target.ap50',
  falsePositivesPer10HardNegatives: 'models.target.falsePositivesPer10HardNegatives',
  miou: 'models.target.miou',
  iouBati: 'models.target.iouBati',
  maePeople: 'models.target.maePeople',
  maeVehicles: 'models.target.maeVehicles',
};

type Figures = Record<string, unknown>;
const isFigures = (value: unknown): value is Figures => typeof value === 'object' && value !== null && !Array.isArray(value);

export function ModelMetrics({ card }: { card: ModelCard }) {
  const { t, locale } = useI18n();
  const metrics = card.metrics;
  if (!metrics || Object.keys(metrics).length === 0) return <p className="muted">{t('models.metricsNone')}</p>;
  const number = (value: number, digits = 3) => formatNumber(value, locale, digits);
  const { targets, results, testSet, targetsMet, msPerImage } = metrics;
  // per-class figures in the card's class order
  const classIndex = (key: string) => card.classes?.findIndex((c) => c.name === key) ?? -1;
  const classLabel = (key: string) => {
    const known = card.classes?.[classIndex(key)];
    return known ? (known.label ?? known.name) : key;
  };

  const targetLines: string[] = [];
  if (isFigures(targets)) {
    for (const [key, value] of Object.entries(targets)) {
      if (typeof value !== 'number' || key === 'crowdBand' || key === 'crowdFrom') continue;
      const label = TARGET_LABELS[key];
      targetLines.push(label ? t(label, { v: number(value) }) : `${key} ${number(value)}`);
    }
    if (typeof targets.crowdBand === 'number' && typeof targets.crowdFrom === 'number') {
      targetLines.push(t('models.target.crowd', { from: targets.crowdFrom, band: number(targets.crowdBand * 100, 0) }));
    }
  }

  const rows: { key: string; label: string; value: string }[] = [];
  const pushRow = (key: string, label: string, value: unknown) => {
    if (typeof value === 'number') rows.push({ key, label, value: PERCENT.has(key) ? `${number(value * 100, 0)} %` : number(value) });
    else if (value === null) rows.push({ key, label, value: '—' });
    else if (isFigures(value) && key === 'iou') {
      const byClass = Object.entries(value).sort(([a], [b]) => rankOf(classIndex(a)) - rankOf(classIndex(b)));
      byClass.forEach(([k, v]) => pushRow(`${key}.${k}`, `${label} · ${classLabel(k)}`, v));
    } else if (isFigures(value)) Object.entries(value).forEach(([k, v]) => pushRow(`${key}.${k}`, `${label} · ${k}`, v));
    else rows.push({ key, label, value: String(value) });
  };
  const shown = new Set(['measuredAt', 'command', 'runtime', 'targets', 'targetsMet', 'testSet', 'msPerImage', 'results']);
  const ordered = Object.entries(isFigures(results) ? results : {}).sort(([a], [b]) => rankOf(RESULT_ORDER.indexOf(a)) - rankOf(RESULT_ORDER.indexOf(b)));
  for (const [key, value] of ordered) pushRow(key, RESULT_LABELS[key] ? t(RESULT_LABELS[key]) : key, value);
  // a third-party card's own figures, beside or instead of Vigie's report
  for (const [key, value] of Object.entries(metrics)) if (!shown.has(key)) pushRow(key, key, value);

  return (
    <>
      {typeof targetsMet === 'boolean' && (
        <p className={targetsMet ? 'targets-met' : 'targets-missed'}>{t(targetsMet ? 'models.targetsMet' : 'models.targetsMissed')}</p>
      )}
      {targetLines.length > 0 && <p className="model-targets">{t('models.targets', { list: targetLines.join(locale === 'fr' ? ' ; ' : '; ') })}</p>}
      {rows.length > 0 && (
        <table className="metrics">
          <tbody>
            {rows.map((row) => (
              <tr key={row.key}>
                <th scope="row">{row.label}</th>
                <td>{row.value}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p className="muted">
        {isFigures(testSet) && typeof testSet.count === 'number' && (
          <>
            {t('models.testSet', { n: testSet.count, split: String(testSet.split ?? ''), seed: String(testSet.seed ?? '?') })}
            {' · '}
          </>
        )}
        {typeof msPerImage === 'number' && (
          <>
            {t('models.msPerImage', { ms: number(msPerImage, 0) })}
            {' · '}
          </>
        )}
        {metrics.measuredAt && t('models.measuredAt', { date: formatDate(metrics.measuredAt, locale) })}
      </p>
      {(metrics.command || typeof metrics.runtime === 'string') && (
        <p className="muted model-command">
          {typeof metrics.runtime === 'string' && <>{t('models.runtime', { runtime: metrics.runtime })} </>}
          {metrics.command && <code>{metrics.command}</code>}
        </p>
      )}
    </>
  );
}
