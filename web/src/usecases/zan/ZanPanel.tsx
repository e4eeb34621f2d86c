import { Fragment, useState, type FormEvent } from 'react';
import { CATEGORY_LABELS, type CommuneZan, type Nomenclature, partlyCovered } from '@vigie/api/contract';
import { formatNumber } from '../../format';
import { useI18n } from '../../i18n';
import { ClassAreaChart, FlowChart, TrajectoryChart } from './charts';
import { ARTIFICIALISATION, PARTIAL, RENATURATION } from './layers';
import { type ZanState, zanPeriods } from './useZan';

const ha = (m2: number, locale: 'fr' | 'en', digits = 2) => `${formatNumber(m2 / 10_000, locale, digits)} ha`;
const css = (rgba: readonly number[]) => `rgb(${rgba.slice(0, 3).join(' ')})`;

export function ZanPanel({ zan, landcoverYear, canPlan }: { zan: ZanState; landcoverYear: number | null; canPlan: boolean }) {
  const { t, locale } = useI18n();
  const { summary } = zan;
  if (zan.error) {
    return (
      <section className="panel-section" aria-labelledby="zan-title">
        <h2 id="zan-title">{t('zan.title')}</h2>
        <p className="error" role="alert">{t('common.error', { message: zan.error })}</p>
      </section>
    );
  }
  if (zan.analysed === false) {
    return (
      <section className="panel-section" aria-labelledby="zan-title">
        <h2 id="zan-title">{t('zan.title')}</h2>
        <div className="notice" role="status">
          <p className="notice-title">{t('zan.unavailable')}</p>
          <p>{t('zan.unavailableHint')}</p>
        </div>
      </section>
    );
  }
  const periods = summary ? zanPeriods(summary.vintages) : [];
  const periodKey = zan.period ? `${zan.period.from}-${zan.period.to}` : '';
  return (
    <section className="panel-section zan" aria-labelledby="zan-title">
      <h2 id="zan-title">{t('zan.title')}</h2>
      {!summary && <p className="muted" role="status">{t('common.loading')}</p>}
      <fieldset>
        <legend>{t('zan.background')}</legend>
        <label className="radio">
          <input type="radio" name="zan-bg" checked={zan.background === 'landcover'} onChange={() => zan.setBackground('landcover')} />
          {t('zan.bg.landcover', { year: landcoverYear ?? '—' })}
        </label>
        <label className="radio">
          <input type="radio" name="zan-bg" checked={zan.background === 'choropleth'} onChange={() => zan.setBackground('choropleth')} />
          {t('zan.bg.choropleth')}
        </label>
        {zan.background === 'landcover' && (
          <>
            <label htmlFor="zan-opacity">{t('zan.opacity')}</label>
            <input id="zan-opacity" type="range" min={0.1} max={1} step={0.05} value={zan.opacity} onChange={(e) => zan.setOpacity(Number(e.target.value))} />
          </>
        )}
        <label className="checkbox">
          <input type="checkbox" checked={zan.showChanges} onChange={(e) => zan.setShowChanges(e.target.checked)} />
          {t('zan.showChanges')}
        </label>
        {periods.length > 0 && (
          <div>
            <label htmlFor="zan-period">{t('zan.period')}</label>
            <select
              id="zan-period"
              value={periodKey}
              onChange={(e) => {
                const [from, to] = e.target.value.split('-').map(Number);
                zan.setPeriod({ from: from!, to: to! });
              }}
            >
              {periods.map((p) => (
                <option key={`${p.from}-${p.to}`} value={`${p.from}-${p.to}`}>
                  {p.from} → {p.to}
                </option>
              ))}
            </select>
          </div>
        )}
        {zan.changes && zan.showChanges && (
          <p className="muted">{t('zan.changesShown', { n: zan.changes.features.length })}</p>
        )}
      </fieldset>
      {zan.background === 'landcover' ? <LandcoverLegend nomenclature={zan.nomenclature} /> : <ChoroplethLegend partial={(zan.summary?.communes ?? []).some((c) => partlyCovered(c.coveredPct))} />}

      {summary && summary.communes.length > 0 && (
        <>
          <h3>{t('zan.communes')}</h3>
          <table className="zan-communes">
            <thead>
              <tr>
                <th>{t('map.commune')}</th>
                <th className="num">{t('zan.artificialisedPct', { year: summary.vintages.at(-1) ?? '' })}</th>
                <th className="num">{t('zan.netChange')}</th>
              </tr>
            </thead>
            <tbody>
              {summary.communes.map((c) => (
                <tr key={c.insee} aria-selected={zan.selected === c.insee}>
                  <td>
                    <button type="button" className="link" onClick={() => zan.select(c.insee)}>
                      {c.name}
                    </button>
                    {partlyCovered(c.coveredPct) && (
                      <>
                        {' '}
                        <span className="error-text" data-testid="zan-commune-partial" title={t('zan.partialCoverage', { pct: formatNumber(c.coveredPct!, locale, 1) })}>
                          {t('zan.partialShort', { pct: formatNumber(c.coveredPct!, locale, 0) })}
                        </span>
                      </>
                    )}
                  </td>
                  <td className="num">{c.artificialisedPct === null ? '—' : `${formatNumber(c.artificialisedPct, locale, 1)} %`}</td>
                  <td className="num">{c.netChangeM2 === null ? '—' : `${c.netChangeM2 >= 0 ? '+' : '−'}${ha(Math.abs(c.netChangeM2), locale)}`}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="muted">{t('zan.pickHint')}</p>
          <p>
            <a href="/api/zan/stats.csv" download>{t('zan.statsCsv')}</a>
          </p>
        </>
      )}
      {canPlan && zan.nomenclature && <NomenclatureForm nomenclature={zan.nomenclature} onSave={zan.saveNomenclature} />}
      <CommunePanel zan={zan} canPlan={canPlan} />
    </section>
  );
}

function LandcoverLegend({ nomenclature }: { nomenclature: Nomenclature | null }) {
  const { t } = useI18n();
  if (!nomenclature) return null;
  return (
    <details className="legend" open>
      <summary>{t('zan.legend')}</summary>
      <ul className="chart-legend column">
        {nomenclature.classes.map((c) => (
          <li key={c.id}>
            <span className="swatch" style={{ background: c.color }} aria-hidden="true" />
            {c.label}
            {/* category of the annex to art. R101-1: 1° to 5° artificialised */}
            <span className="muted"> · {c.category}°{c.artificialised ? ` ${t('zan.artificialised')}` : ''}</span>
          </li>
        ))}
        <li>
          <span className="swatch" style={{ background: css(ARTIFICIALISATION) }} aria-hidden="true" />
          {t('zan.changeArtificialisation')}
        </li>
        <li>
          <span className="swatch" style={{ background: css(RENATURATION) }} aria-hidden="true" />
          {t('zan.changeRenaturation')}
        </li>
      </ul>
    </details>
  );
}

function ChoroplethLegend({ partial }: { partial: boolean }) {
  const { t } = useI18n();
  return (
    <div className="legend">
      <div className="ramp" aria-hidden="true" />
      <div className="ramp-labels">
        <span>{t('zan.renaturation')}</span>
        <span>0</span>
        <span>{t('zan.artificialisation')}</span>
      </div>
      <p className="muted">{t('zan.choroplethHint')}</p>
      {partial && (
        <p className="muted" data-testid="zan-partial-hint">
          <span className="swatch" style={{ background: 'none', border: `3px solid ${css(PARTIAL)}` }} aria-hidden="true" />
          {t('zan.partialHint')}
        </p>
      )}
    </div>
  );
}

function CommunePanel({ zan, canPlan }: { zan: ZanState; canPlan: boolean }) {
  const { t, locale } = useI18n();
  if (!zan.selected) return null;
  if (zan.communeError) return <p className="error" role="alert">{t('common.error', { message: zan.communeError })}</p>;
  const c = zan.commune;
  if (!c || c.commune.insee !== zan.selected) return <p className="muted" role="status">{t('common.loading')}</p>;
  const latest = c.vintages.at(-1);
  const tr = c.trajectory;
  return (
    <article className="zan-commune" aria-labelledby="zan-commune-title" data-testid="zan-commune">
      <header>
        <h3 id="zan-commune-title">
          {c.commune.name} <span className="muted">({c.commune.insee})</span>
        </h3>
        <button type="button" className="link" onClick={() => zan.select(null)}>
          {t('common.close')}
        </button>
      </header>
      <dl className="facts">
        {latest && (
          <>
            <dt>{t('zan.artificialisedIn', { year: latest.year })}</dt>
            <dd>
              {ha(latest.artificialisedM2, locale)} ({formatNumber(latest.artificialisedPct, locale, 1)} %)
            </dd>
          </>
        )}
        {c.vintages.filter((v) => partlyCovered(v.coveredPct)).map((v) => (
          <Fragment key={v.id}>
            <dt>{t('zan.coverage', { year: v.year })}</dt>
            <dd className="error-text" data-testid="zan-partial-coverage">{t('zan.partialCoverage', { pct: formatNumber(v.coveredPct, locale, 1) })}</dd>
          </Fragment>
        ))}
        {c.consumption && (
          <>
            <dt>{t('zan.consumedSince', { year: c.consumption.baselineYear })}</dt>
            <dd>
              {formatNumber(c.consumption.consumedHa, locale, 2)} ha {c.consumption.estimated ? t('zan.estimated') : ''}
            </dd>
          </>
        )}
        {tr && (
          <>
            <dt>{t('zan.budget')}</dt>
            <dd>
              {formatNumber(tr.budgetHa, locale, 2)} ha ({t('zan.reference', { ha: formatNumber(tr.referenceHa, locale, 2) })})
            </dd>
            <dt>{t('zan.remaining')}</dt>
            <dd className={tr.remainingHa < 0 ? 'error-text' : undefined}>{formatNumber(tr.remainingHa, locale, 2)} ha</dd>
            <dt>{t('zan.pace')}</dt>
            <dd>{tr.paceHaPerYear === null ? '—' : `${formatNumber(tr.paceHaPerYear, locale, 2)} ha/an`}</dd>
            <dt>{t('zan.exhaustion')}</dt>
            <dd className={tr.overshoot ? 'error-text' : undefined}>{tr.exhaustionYear === null ? t('zan.never') : String(tr.exhaustionYear)}</dd>
          </>
        )}
      </dl>
      {c.vintages.length > 0 && <ClassAreaChart zan={c} />}
      {c.flows.length > 0 && <FlowChart flows={c.flows} />}
      {tr ? <TrajectoryChart trajectory={tr} /> : <p className="notice">{t('zan.noReference')}</p>}
      {canPlan && <TrajectoryForm key={c.commune.insee} settings={c.settings} onSave={zan.saveTrajectory} />}
      <p className="report-links">
        {t('zan.report')} : <a href={`/api/zan/communes/${c.commune.insee}/report.html`} target="_blank" rel="noreferrer">HTML</a> ·{' '}
        <a href={`/api/zan/communes/${c.commune.insee}/report.pdf`} target="_blank" rel="noreferrer">PDF</a>
      </p>
    </article>
  );
}

function TrajectoryForm({ settings, onSave }: { settings: CommuneZan['settings']; onSave: ZanState['saveTrajectory'] }) {
  const { t } = useI18n();
  const [reference, setReference] = useState(settings.referenceConsumptionHa === null ? '' : String(settings.referenceConsumptionHa));
  const [reduction, setReduction] = useState(String(settings.targetReductionPct));
  const [guarantee, setGuarantee] = useState(settings.guarantee);
  const [message, setMessage] = useState<SaveOutcome | null>(null);
  async function submit(event: FormEvent) {
    event.preventDefault();
    const referenceHa = reference.trim() === '' ? null : Number(reference.replace(',', '.'));
    const pct = Number(reduction.replace(',', '.'));
    if ((referenceHa !== null && !(referenceHa >= 0)) || !(pct >= 0 && pct <= 100)) {
      setMessage({ kind: 'error', text: t('zan.trajectoryInvalid') });
      return;
    }
    const error = await onSave({ referenceConsumptionHa: referenceHa, targetReductionPct: pct, guarantee });
    setMessage(error ? { kind: 'error', text: error } : { kind: 'ok', text: t('zan.trajectorySaved') });
  }
  return (
    <form className="trajectory-form" onSubmit={submit} aria-label={t('zan.trajectorySettings')}>
      <h4>{t('zan.trajectorySettings')}</h4>
      <div className="field-row">
        <div>
          <label htmlFor="zan-reference">{t('zan.referenceLabel')}</label>
          <input id="zan-reference" type="text" inputMode="decimal" value={reference} onChange={(e) => setReference(e.target.value)} />
        </div>
        <div>
          <label htmlFor="zan-reduction">{t('zan.reductionLabel')}</label>
          <input id="zan-reduction" type="text" inputMode="decimal" value={reduction} onChange={(e) => setReduction(e.target.value)} />
        </div>
      </div>
      <label className="checkbox">
        <input type="checkbox" checked={guarantee} onChange={(e) => setGuarantee(e.target.checked)} />
        {t('zan.guaranteeLabel')}
      </label>
      <button type="submit">{t('zan.trajectorySave')}</button>
      <SaveMessage message={message} />
    </form>
  );
}

/**
 * The authority's nomenclature: the category of each model class (its artificialised and sealed flags follow,
 * as the annex to art. R101-1 has them) and the thresholds. Applies to the next land-cover runs.
 */
function NomenclatureForm({ nomenclature, onSave }: { nomenclature: Nomenclature; onSave: ZanState['saveNomenclature'] }) {
  const { t } = useI18n();
  const [categories, setCategories] = useState(() => new Map(nomenclature.classes.map((c) => [c.id, c.category])));
  const [thresholds, setThresholds] = useState({
    builtMinM2: String(nomenclature.builtMinM2),
    sealedMinM2: String(nomenclature.sealedMinM2),
    regionGapM: String(nomenclature.regionGapM),
  });
  const [message, setMessage] = useState<SaveOutcome | null>(null);
  const fields = [
    ['builtMinM2', 'zan.builtMinM2'],
    ['sealedMinM2', 'zan.sealedMinM2'],
    ['regionGapM', 'zan.regionGapM'],
  ] as const;
  async function submit(event: FormEvent) {
    event.preventDefault();
    const values = Object.fromEntries(fields.map(([key]) => [key, Number(thresholds[key].replace(',', '.'))])) as Record<(typeof fields)[number][0], number>;
    if (Object.values(values).some((v) => !(v >= 0))) {
      setMessage({ kind: 'error', text: t('zan.nomenclatureInvalid') });
      return;
    }
    const classes = nomenclature.classes.map((c) => {
      const category = categories.get(c.id) ?? c.category;
      return { ...c, category, artificialised: category <= 5, sealed: category <= 2 };
    });
    const error = await onSave({ ...nomenclature, ...values, classes });
    setMessage(error ? { kind: 'error', text: error } : { kind: 'ok', text: t('zan.nomenclatureSaved') });
  }
  return (
    <details className="nomenclature">
      <summary>{t('zan.nomenclature')}</summary>
      <form onSubmit={submit} aria-label={t('zan.nomenclature')}>
        <div className="field-row three">
          {fields.map(([key, label]) => (
            <div key={key}>
              <label htmlFor={`zan-${key}`}>{t(label)}</label>
              <input id={`zan-${key}`} type="text" inputMode="decimal" value={thresholds[key]} onChange={(e) => setThresholds({ ...thresholds, [key]: e.target.value })} />
            </div>
          ))}
        </div>
        <table className="zan-nomenclature">
          <thead>
            <tr>
              <th>{t('zan.class')}</th>
              <th>{t('zan.category')}</th>
            </tr>
          </thead>
          <tbody>
            {nomenclature.classes.map((c) => (
              <tr key={c.id}>
                <td>
                  <span className="swatch" style={{ background: c.color }} /> {c.label}
                </td>
                <td>
                  <select aria-label={t('zan.categoryOf', { label: c.label })} title={CATEGORY_LABELS[categories.get(c.id) ?? c.category]} value={categories.get(c.id)} onChange={(e) => setCategories(new Map(categories).set(c.id, Number(e.target.value)))}>
                    {Object.entries(CATEGORY_LABELS).map(([value, text]) => (
                      <option key={value} value={value}>
                        {text}
                      </option>
                    ))}
                  </select>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <p className="muted">{t('zan.nomenclatureHint')}</p>
        <button type="submit">{t('zan.nomenclatureSave')}</button>
        <SaveMessage message={message} />
      </form>
    </details>
  );
}

type SaveOutcome = { kind: 'ok' | 'error'; text: string };

/** What a settings form's save gave: announced politely when it worked, as an alert when it did not. */
function SaveMessage({ message }: { message: SaveOutcome | null }) {
  if (!message) return null;
  return (
    <p className={message.kind === 'error' ? 'error' : 'success'} role={message.kind === 'error' ? 'alert' : 'status'}>
      {message.text}
    </p>
  );
}
