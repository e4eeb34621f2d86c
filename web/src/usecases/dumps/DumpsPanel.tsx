import { useEffect, useRef, useState, type FormEvent } from 'react';
import { detectionQuery } from '../../api/client';
import {
  DUMP_CHANGES, DUMP_STATUSES, type CommuneCollection, type DetectionHistoryEntry, type DumpStatus, type SessionUser, type Vintage,
} from '@vigie/api/contract';
import { formatArea, formatDateTime, formatNumber } from '../../format';
import { useI18n, type Translate } from '../../i18n';
import type { DumpsDrawing } from './drawing';
import { STATUS_COLOURS, statusCounts } from './table';
import type { DumpsState } from './useDumps';

/** The review keys: J/K move through the queue, the others ask for a status. */
export const REVIEW_KEYS: Record<string, DumpStatus> = { c: 'confirme', f: 'faux_positif', s: 'signale', r: 'resorbe' };
const KEY_OF: Partial<Record<DumpStatus, string>> = { confirme: 'C', faux_positif: 'F', signale: 'S', resorbe: 'R' };
/** Queue rows shown around the current one (the list is a window, not 50,000 elements). */
const QUEUE_WINDOW = 25;

const isTyping = (target: EventTarget | null) => target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
const rgb = (status: DumpStatus) => `rgb(${STATUS_COLOURS[status].join(' ')})`;

export interface DumpsPanelProps {
  dumps: DumpsState;
  user: SessionUser;
  communes: CommuneCollection | null;
  vintages: Vintage[];
  /** how the map draws the detections now */
  drawing: DumpsDrawing;
}

export function DumpsPanel({ dumps, user, communes, vintages, drawing }: DumpsPanelProps) {
  const { t, locale } = useI18n();
  const canReview = user.role === 'admin' || user.role === 'reviewer';
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const { table, current } = dumps;
  const row = current >= 0 ? table.rows[current] : undefined;

  async function decide(status: DumpStatus) {
    if (!row || !canReview) return;
    if (row.status === status) return;
    const error = await dumps.review({ status });
    if (error) setMessage({ kind: 'error', text: error });
    else {
      setMessage({ kind: 'ok', text: t('dumps.reviewed', { id: row.id, status: t(`dumps.status.${status}`) }) });
      dumps.select(current + 1);
    }
  }

  // the keyboard drives the review; keys typed into a field are the field's
  const decideRef = useRef(decide);
  decideRef.current = decide;
  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
      const key = event.key.toLowerCase();
      if (key === 'j') dumps.select(dumps.current + 1);
      else if (key === 'k') dumps.select(dumps.current - 1);
      else if (REVIEW_KEYS[key]) void decideRef.current(REVIEW_KEYS[key]);
      else return;
      event.preventDefault();
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [dumps]);

  const counts = statusCounts(table);
  const transitions = dumps.detail?.id === row?.id ? (dumps.detail?.properties.transitions ?? []) : [];
  const query = detectionQuery(dumps.filters);

  return (
    <section className="panel-section dumps" aria-labelledby="dumps-title">
      <h2 id="dumps-title">{t('dumps.title')}</h2>
      <Filters dumps={dumps} communes={communes} vintages={vintages} />
      {dumps.loading && dumps.progress && (
        <div role="status">
          <p className="muted">{t('dumps.loading', { loaded: formatNumber(dumps.progress.loaded, locale), total: formatNumber(dumps.progress.total, locale) })}</p>
          <div className="progress"><div className="progress-done" style={{ width: `${(100 * dumps.progress.loaded) / Math.max(1, dumps.progress.total)}%` }} /></div>
        </div>
      )}
      {dumps.error && <p className="error" role="alert">{t('common.error', { message: dumps.error })}</p>}
      <p className="dumps-total">
        <strong>{t('dumps.count', { n: formatNumber(table.length, locale) })}</strong>
      </p>
      <ul className="status-legend" aria-label={t('dumps.legend')}>
        {DUMP_STATUSES.map((s) => (
          <li key={s}>
            <span className="swatch" style={{ background: rgb(s) }} aria-hidden="true" />
            {t(`dumps.status.${s}`)} <span className="muted">({formatNumber(counts[s], locale)})</span>
          </li>
        ))}
      </ul>
      {drawing === 'heat' && table.length > 0 && <p className="muted" data-testid="heat-hint">{t('dumps.heatHint')}</p>}
      {!dumps.loading && table.length === 0 && !dumps.error && <p className="notice">{t('dumps.none')}</p>}

      {row && (
        <article className="detection" aria-labelledby="detection-title" data-testid="detection">
          <header>
            <h3 id="detection-title">{t('dumps.detection', { id: row.id })}</h3>
            <span className="badge status-badge" data-testid="detection-status" style={{ borderColor: rgb(row.status) }}>
              <span className="swatch" style={{ background: rgb(row.status) }} aria-hidden="true" />
              {t(`dumps.status.${row.status}`)}
            </span>
          </header>
          <p className="muted queue-position">{t('dumps.position', { i: formatNumber(current + 1, locale), n: formatNumber(table.length, locale) })}</p>
          {row.thumbnailUrl ? (
            <img className="thumbnail" src={row.thumbnailUrl} alt={t('dumps.thumbnailAlt', { id: row.id })} width={256} height={256} />
          ) : (
            <p className="muted">{t('dumps.noThumbnail')}</p>
          )}
          <dl className="facts">
            <dt>{t('dumps.score')}</dt>
            <dd>{formatNumber(row.score * 100, locale)} %</dd>
            <dt>{t('dumps.area')}</dt>
            <dd>{formatArea(row.areaM2, locale)}</dd>
            <dt>{t('map.commune')}</dt>
            <dd>{row.communeName ? `${row.communeName} (${row.communeInsee})` : t('common.none')}</dd>
            <dt>{t('map.vintage')}</dt>
            <dd>
              {row.vintage}
              {row.firstSeenVintage && row.firstSeenVintage !== row.vintage ? ` — ${t('dumps.firstSeen', { year: row.firstSeenVintage })}` : ''}
            </dd>
            <dt>{t('dumps.change')}</dt>
            <dd>{t(`dumps.change.${row.change}`)}</dd>
            <dt>{t('dumps.assignee')}</dt>
            <dd>{row.assignee?.name ?? t('common.none')}</dd>
          </dl>
          {canReview && (
            <div className="review-actions" role="group" aria-label={t('dumps.decide')}>
              {(['confirme', 'faux_positif', 'signale', 'resorbe'] as const).map((s) => (
                <button key={s} type="button" onClick={() => void decide(s)} disabled={!transitions.includes(s)} aria-keyshortcuts={KEY_OF[s]}>
                  <kbd>{KEY_OF[s]}</kbd> {t(`dumps.action.${s}`)}
                </button>
              ))}
              {transitions.includes('a_verifier') && (
                <button type="button" className="link" onClick={() => void decide('a_verifier')}>
                  {t('dumps.action.a_verifier')}
                </button>
              )}
            </div>
          )}
          <div className="queue-nav">
            <button type="button" onClick={() => dumps.select(current - 1)} disabled={current <= 0} aria-keyshortcuts="K">
              <kbd>K</kbd> {t('dumps.previous')}
            </button>
            <button type="button" onClick={() => dumps.select(current + 1)} disabled={current >= table.length - 1} aria-keyshortcuts="J">
              <kbd>J</kbd> {t('dumps.next')}
            </button>
            {canReview && row.assignee?.id !== user.id && (
              <button type="button" className="link" onClick={() => void dumps.review({ assigneeId: user.id })}>
                {t('dumps.assignMe')}
              </button>
            )}
          </div>
          <p className="muted shortcuts">{t('dumps.shortcutsHint')}</p>
          {message && (
            <p className={message.kind === 'error' ? 'error' : 'success'} role={message.kind === 'error' ? 'alert' : 'status'}>
              {message.text}
            </p>
          )}
          <p className="sheet-links">
            {t('dumps.sheet')} : <a href={`/api/dumps/detections/${row.id}/sheet.html`} target="_blank" rel="noreferrer">HTML</a> ·{' '}
            <a href={`/api/dumps/detections/${row.id}/sheet.pdf`} target="_blank" rel="noreferrer">PDF</a>
          </p>
          <Comments dumps={dumps} canComment={canReview} />
          <History entries={dumps.detail?.id === row.id ? dumps.detail.properties.history : []} />
        </article>
      )}

      {table.length > 0 && <Queue dumps={dumps} />}

      <h3>{t('dumps.exports')}</h3>
      <p className="export-links">
        <a href={`/api/dumps/detections.geojson?${query}`} download>GeoJSON</a> · <a href={`/api/dumps/detections.csv?${query}`} download>CSV</a> ·{' '}
        <a href={`/api/dumps/detections.kml?${query}`} download>KML</a>
        {canReview && (
          <>
            {' '}· <a href="/api/dumps/dataset.zip" download>{t('dumps.dataset')}</a>
          </>
        )}
      </p>
      <p className="muted">{t('dumps.exportsHint')}</p>
    </section>
  );
}

function Filters({ dumps, communes, vintages }: { dumps: DumpsState; communes: CommuneCollection | null; vintages: Vintage[] }) {
  const { t, locale } = useI18n();
  const { filters, setFilters } = dumps;
  const [minScore, setMinScore] = useState(filters.minScore);
  const active = filters.status.length + filters.change.length + (filters.minScore > 0 ? 1 : 0) + (filters.commune ? 1 : 0) + (filters.vintage !== null ? 1 : 0);
  const toggle = <T,>(list: readonly T[], value: T) => (list.includes(value) ? list.filter((v) => v !== value) : [...list, value]);
  return (
    <details className="filters">
      <summary>
        {t('dumps.filters')}
        {active > 0 && <span className="muted"> · {t('dumps.filtersActive', { n: active })}</span>}
      </summary>
      <fieldset>
        <legend>{t('dumps.status')}</legend>
        <div className="chips">
          {DUMP_STATUSES.map((s) => (
            <label key={s} className="checkbox">
              <input type="checkbox" checked={filters.status.includes(s)} onChange={() => setFilters({ ...filters, status: toggle(filters.status, s) })} />
              {t(`dumps.status.${s}`)}
            </label>
          ))}
        </div>
      </fieldset>
      <fieldset>
        <legend>{t('dumps.change')}</legend>
        <div className="chips">
          {DUMP_CHANGES.map((c) => (
            <label key={c} className="checkbox">
              <input type="checkbox" checked={filters.change.includes(c)} onChange={() => setFilters({ ...filters, change: toggle(filters.change, c) })} />
              {t(`dumps.change.${c}`)}
            </label>
          ))}
        </div>
      </fieldset>
      <div className="field-row">
        <div>
          <label htmlFor="dumps-commune">{t('map.commune')}</label>
          <select id="dumps-commune" value={filters.commune ?? ''} onChange={(e) => setFilters({ ...filters, commune: e.target.value || null })}>
            <option value="">{t('dumps.allCommunes')}</option>
            {communes?.features.map((f) => (
              <option key={f.properties.insee} value={f.properties.insee}>
                {f.properties.name}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="dumps-vintage">{t('map.vintage')}</label>
          <select id="dumps-vintage" value={filters.vintage ?? ''} onChange={(e) => setFilters({ ...filters, vintage: e.target.value ? Number(e.target.value) : null })}>
            <option value="">{t('dumps.allVintages')}</option>
            {vintages.map((v) => (
              <option key={v.id} value={v.year}>
                {v.year}
              </option>
            ))}
          </select>
        </div>
      </div>
      <label htmlFor="dumps-score">{t('dumps.minScore', { score: formatNumber(minScore * 100, locale) })}</label>
      <input
        id="dumps-score"
        type="range"
        min={0}
        max={0.95}
        step={0.05}
        value={minScore}
        onChange={(e) => setMinScore(Number(e.target.value))}
        // the list reloads when the slider is let go, not at every step
        onPointerUp={() => setFilters({ ...filters, minScore })}
        onKeyUp={() => setFilters({ ...filters, minScore })}
      />
    </details>
  );
}

function Queue({ dumps }: { dumps: DumpsState }) {
  const { t, locale } = useI18n();
  const { table, current } = dumps;
  const start = Math.max(0, Math.min(current - 5, table.length - QUEUE_WINDOW));
  const rows = table.rows.slice(start, start + QUEUE_WINDOW);
  return (
    <>
      <h3>{t('dumps.queue')}</h3>
      <ol className="queue" start={start + 1} aria-label={t('dumps.queue')}>
        {rows.map((r, i) => (
          <li key={r.id}>
            <button type="button" aria-current={start + i === current ? 'true' : undefined} onClick={() => dumps.select(start + i)}>
              <span className="swatch" style={{ background: rgb(r.status) }} aria-hidden="true" />
              <span>{t('dumps.detection', { id: r.id })}</span>
              <span className="muted">
                {r.communeName ?? '—'} · {formatNumber(r.score * 100, locale)} % · {formatArea(r.areaM2, locale)}
              </span>
            </button>
          </li>
        ))}
      </ol>
    </>
  );
}

function Comments({ dumps, canComment }: { dumps: DumpsState; canComment: boolean }) {
  const { t, locale } = useI18n();
  const [body, setBody] = useState('');
  const [error, setError] = useState<string | null>(null);
  const comments = dumps.detail?.properties.comments ?? [];
  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!body.trim()) return;
    const failure = await dumps.review({ comment: body.trim() });
    setError(failure);
    if (!failure) setBody('');
  }
  return (
    <div className="comments">
      <h4>{t('dumps.comments')}</h4>
      {comments.length === 0 ? (
        <p className="muted">{t('dumps.noComments')}</p>
      ) : (
        <ul>
          {comments.map((c) => (
            <li key={c.id}>
              <span className="muted">
                {formatDateTime(c.createdAt, locale)} — {c.author?.name ?? '—'}
              </span>
              <p>{c.body}</p>
            </li>
          ))}
        </ul>
      )}
      {canComment && (
        <form onSubmit={submit}>
          <label htmlFor="dumps-comment" className="sr-only">
            {t('dumps.commentLabel')}
          </label>
          <textarea id="dumps-comment" rows={2} value={body} onChange={(e) => setBody(e.target.value)} placeholder={t('dumps.commentLabel')} maxLength={5000} />
          <button type="submit" disabled={!body.trim()}>
            {t('dumps.commentSubmit')}
          </button>
          {error && <p className="error" role="alert">{error}</p>}
        </form>
      )}
    </div>
  );
}

/** One audit entry in words, as the printable sheet says it (api/src/dumps/exports/sheet.ts). */
export function describeHistory(h: DetectionHistoryEntry, t: Translate): string {
  const parts: string[] = [];
  const before = h.before ?? {};
  const after = h.after ?? {};
  const status = (s: unknown) => ((DUMP_STATUSES as readonly unknown[]).includes(s) ? t(`dumps.status.${s as DumpStatus}`) : String(s));
  if (typeof after.status === 'string') parts.push(`${status(before.status)} → ${status(after.status)}`);
  if ('assigneeId' in after) parts.push(after.assigneeId === null ? t('dumps.history.unassigned') : t('dumps.history.assigned', { name: String(after.assigneeName ?? after.assigneeId) }));
  if (h.action === 'dump.comment') parts.push(t('dumps.history.comment'));
  return parts.join(' ; ') || h.action;
}

function History({ entries }: { entries: DetectionHistoryEntry[] }) {
  const { t, locale } = useI18n();
  return (
    <div className="history">
      <h4>{t('dumps.history')}</h4>
      {entries.length === 0 ? (
        <p className="muted">{t('dumps.noHistory')}</p>
      ) : (
        <ul>
          {entries.map((h, i) => (
            <li key={i}>
              <span className="muted">{formatDateTime(h.at, locale)}</span> {h.user?.name ?? '—'} : {describeHistory(h, t)}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
