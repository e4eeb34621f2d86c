import { useState, type FormEvent } from 'react';
import { ApiError, api } from '../api/client';
import { USE_CASES, isFinished, type CommuneCollection, type Model, type RunProgress, type UseCase, type Vintage } from '@vigie/api/contract';
import { formatDateTime, formatDuration } from '../format';
import { useI18n } from '../i18n';
import { areaPolygon, type DrawnArea } from './areaLayers';
import type { useRuns } from './useRuns';

export type AreaMode = 'all' | 'communes' | 'drawn';

export interface RunsPanelProps {
  canRun: boolean;
  communes: CommuneCollection | null;
  vintages: Vintage[];
  models: Model[];
  runs: ReturnType<typeof useRuns>;
  areaMode: AreaMode;
  onAreaMode(mode: AreaMode): void;
  selectedCommunes: ReadonlySet<string>;
  onToggleCommune(insee: string): void;
  area: DrawnArea;
  drawing: boolean;
  onDraw(): void;
  onFinishDrawing(): void;
  onClearArea(): void;
}

/** Which model tasks fit a use case (ortho tiling uses no model). */
const TASK_OF: Record<UseCase, Model['task'] | null> = { dumps: 'detection', zan: 'segmentation', ortho: null };

export function RunsPanel(props: RunsPanelProps) {
  const { t } = useI18n();
  return (
    <section className="panel-section" aria-labelledby="runs-title">
      <h2 id="runs-title">{t('runs.title')}</h2>
      {props.canRun ? <NewRunForm {...props} /> : <p className="muted">{t('runs.readOnly')}</p>}
      <RunList {...props} />
    </section>
  );
}

function NewRunForm(props: RunsPanelProps) {
  const { t } = useI18n();
  const [useCase, setUseCase] = useState<UseCase>('dumps');
  const [vintageYear, setVintageYear] = useState<number | ''>('');
  const [model, setModel] = useState('');
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const year = vintageYear === '' ? props.vintages.at(-1)?.year : vintageYear;
  const task = TASK_OF[useCase];
  const models = task ? props.models.filter((m) => m.task === task) : [];
  const communes = props.communes?.features ?? [];

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (year === undefined) return;
    if (props.areaMode === 'drawn' && (!props.area.closed || props.area.vertices.length < 3)) {
      setMessage({ kind: 'error', text: t('runs.drawTooFew') });
      return;
    }
    setBusy(true);
    setMessage(null);
    try {
      const run = await api.startRun({
        useCase,
        vintage: year,
        ...(model && task ? { model } : {}),
        ...(props.areaMode === 'communes' ? { communes: [...props.selectedCommunes] } : {}),
        ...(props.areaMode === 'drawn' ? { area: areaPolygon(props.area.vertices) } : {}),
      });
      props.runs.track(run);
      setMessage({ kind: 'ok', text: t('runs.started') });
    } catch (caught) {
      setMessage({ kind: 'error', text: caught instanceof ApiError ? caught.message : String(caught) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="run-form" onSubmit={submit} aria-label={t('runs.new')}>
      <h3>{t('runs.new')}</h3>
      <div className="field-row">
        <div>
          <label htmlFor="run-use-case">{t('runs.useCase')}</label>
          <select id="run-use-case" value={useCase} onChange={(e) => setUseCase(e.target.value as UseCase)}>
            {USE_CASES.map((u) => (
              <option key={u} value={u}>
                {t(`runs.useCase.${u}`)}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="run-vintage">{t('runs.vintage')}</label>
          <select id="run-vintage" value={year ?? ''} onChange={(e) => setVintageYear(Number(e.target.value))} disabled={props.vintages.length === 0}>
            {props.vintages.length === 0 && <option value="">{t('map.vintageNone')}</option>}
            {props.vintages.map((v) => (
              <option key={v.id} value={v.year}>
                {v.label}
              </option>
            ))}
          </select>
        </div>
      </div>
      {task && (
        <div>
          <label htmlFor="run-model">{t('runs.model')}</label>
          <select id="run-model" value={model} onChange={(e) => setModel(e.target.value)}>
            <option value="">{t('runs.modelDefault')}</option>
            {models.map((m) => (
              <option key={m.id} value={m.id}>
                {m.id} ({m.version})
              </option>
            ))}
          </select>
        </div>
      )}
      <fieldset>
        <legend>{t('runs.area')}</legend>
        {(['all', 'communes', 'drawn'] as const).map((mode) => (
          <label key={mode} className="radio">
            <input type="radio" name="area-mode" value={mode} checked={props.areaMode === mode} onChange={() => props.onAreaMode(mode)} />
            {t(mode === 'all' ? 'runs.areaAll' : mode === 'communes' ? 'runs.areaCommunes' : 'runs.areaDrawn')}
          </label>
        ))}
      </fieldset>
      {props.areaMode === 'communes' && (
        <fieldset className="commune-picker">
          <legend>{t('runs.pickCommunes')}</legend>
          {communes.length === 0 && <p className="muted">{t('map.noCommunes')}</p>}
          {communes.map((f) => (
            <label key={f.properties.insee} className="checkbox">
              <input type="checkbox" checked={props.selectedCommunes.has(f.properties.insee)} onChange={() => props.onToggleCommune(f.properties.insee)} />
              {f.properties.name} <span className="muted">({f.properties.insee})</span>
            </label>
          ))}
        </fieldset>
      )}
      {props.areaMode === 'drawn' && (
        <div className="draw-tools">
          {props.drawing ? (
            <>
              <p role="status">{t('runs.drawing', { n: props.area.vertices.length })}</p>
              <button type="button" onClick={props.onFinishDrawing} disabled={props.area.vertices.length < 3}>
                {t('runs.drawFinish')}
              </button>
            </>
          ) : (
            <>
              {props.area.closed && <p role="status">{t('runs.drawDone', { n: props.area.vertices.length })}</p>}
              <button type="button" onClick={props.onDraw}>
                {t('runs.draw')}
              </button>
            </>
          )}
          {props.area.vertices.length > 0 && (
            <button type="button" className="link" onClick={props.onClearArea}>
              {t('runs.drawClear')}
            </button>
          )}
        </div>
      )}
      <button
        type="submit"
        className="primary"
        disabled={busy || year === undefined || (props.areaMode === 'communes' && props.selectedCommunes.size === 0)}
      >
        {busy ? t('runs.starting') : t('runs.start')}
      </button>
      {message && (
        <p className={message.kind === 'error' ? 'error' : 'success'} role={message.kind === 'error' ? 'alert' : 'status'}>
          {message.text}
        </p>
      )}
    </form>
  );
}

function RunList({ runs, canRun }: RunsPanelProps) {
  const { t } = useI18n();
  return (
    <div className="run-list">
      <h3>{t('runs.list')}</h3>
      {runs.error && (
        <p className="error" role="alert">
          {t('common.error', { message: runs.error })}
        </p>
      )}
      {runs.runs === null && !runs.error && <p className="muted">{t('common.loading')}</p>}
      {runs.runs?.length === 0 && <p className="muted">{t('runs.empty')}</p>}
      <ul>
        {runs.runs?.map((run) => (
          <RunItem key={run.id} run={run} canRun={canRun} onChange={runs.track} />
        ))}
      </ul>
    </div>
  );
}

function RunItem({ run, canRun, onChange }: { run: RunProgress; canRun: boolean; onChange(run: RunProgress): void }) {
  const { t, locale } = useI18n();
  const [error, setError] = useState<string | null>(null);
  const percent = Math.round(run.fraction * 100);
  const act = async (action: (id: string) => Promise<RunProgress>) => {
    setError(null);
    try {
      onChange(await action(run.id));
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.message : String(caught));
    }
  };
  return (
    <li className={`run run-${run.status}`} data-testid="run">
      <div className="run-head">
        <strong>{t(`runs.useCase.${run.useCase}`)}</strong>
        <span className={`badge badge-${run.status}`}>{t(`runs.status.${run.status}`)}</span>
      </div>
      <div
        className="progress"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        aria-label={`${t(`runs.useCase.${run.useCase}`)} : ${percent} %`}
      >
        <div className="progress-done" style={{ width: `${percent}%` }} />
      </div>
      <p className="run-meta">
        {percent} % · {t('runs.progress', { done: run.doneChips + run.failedChips, total: run.totalChips })}
        {run.failedChips > 0 && <> · <span className="error-text">{t('runs.failedChips', { n: run.failedChips })}</span></>}
      </p>
      <p className="run-meta muted">
        {run.etaSeconds !== null && !isFinished(run.status) && <>{t('runs.eta', { eta: formatDuration(run.etaSeconds, t) })} · </>}
        {run.finishedAt
          ? t('runs.finishedAt', { date: formatDateTime(run.finishedAt, locale) })
          : run.startedAt
            ? t('runs.startedAt', { date: formatDateTime(run.startedAt, locale) })
            : t('runs.queuedAt')}
      </p>
      {run.error && <p className="error-text">{run.error}</p>}
      {canRun && (
        <div className="run-actions">
          {!isFinished(run.status) && (
            <button type="button" onClick={() => act(api.cancelRun)}>
              {t('runs.cancel')}
            </button>
          )}
          {(run.status === 'failed' || run.status === 'cancelled') && (
            <button type="button" onClick={() => act(api.resumeRun)}>
              {t('runs.resume')}
            </button>
          )}
        </div>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </li>
  );
}
