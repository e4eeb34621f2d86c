import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../../api/client';
import type { CountSeries, SensorInput, SensorStatus } from '@vigie/api/contract';
import { formatDateTime, formatNumber } from '../../format';
import { useI18n } from '../../i18n';
import { LEVEL_COLOURS, OFFLINE } from './layers';
import { SeriesChart } from './SeriesChart';
import type { AffluenceState } from './useAffluence';

const HOUR = 3_600_000;
const SPANS = { day: { ms: 24 * HOUR, bucket: '15min' }, week: { ms: 7 * 24 * HOUR, bucket: 'hour' } } as const;
type Span = keyof typeof SPANS;

const levelColour = (s: SensorStatus) => `rgb(${(s.online && s.latest ? LEVEL_COLOURS[s.latest.level] : OFFLINE).join(' ')})`;

export function AffluencePanel({ affluence }: { affluence: AffluenceState }) {
  const { t, locale } = useI18n();
  const { sensors } = affluence;
  const selected = sensors?.find((s) => s.id === affluence.selected) ?? null;
  return (
    <section className="panel-section affluence" aria-labelledby="affluence-title">
      <h2 id="affluence-title">{t('affluence.title')}</h2>
      {affluence.error && <p className="error" role="alert">{t('common.error', { message: affluence.error })}</p>}
      {!sensors && !affluence.error && <p className="muted" role="status">{t('common.loading')}</p>}
      {sensors && sensors.length === 0 && <p className="notice">{t('affluence.none')}</p>}
      {sensors && sensors.length > 0 && (
        <ul className="sensor-list" aria-label={t('affluence.sensors')}>
          {sensors.map((s) => (
            <li key={s.id}>
              <button type="button" aria-current={s.id === affluence.selected ? 'true' : undefined} onClick={() => affluence.select(s.id)}>
                <span className="swatch" style={{ background: levelColour(s) }} aria-hidden="true" />
                <span className="sensor-name">{s.name}</span>
                <span className="muted">{s.zone}</span>
                <span className="sensor-level" data-testid="sensor-level">
                  {s.online && s.latest
                    ? `${t(`affluence.level.${s.latest.level}`)} · ${t('affluence.countLine', { people: s.latest.people, vehicles: s.latest.vehicles })}`
                    : t('affluence.offline')}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <p className="muted">
        {t('affluence.publicHint')} <a href="/affluence" target="_blank" rel="noreferrer">/affluence</a>
      </p>
      {selected && <SensorDetail key={selected.id} sensor={selected} affluence={affluence} />}
      <NewSensorForm affluence={affluence} />
      {sensors && sensors.some((s) => s.latest) && (
        <p className="muted">{t('affluence.updatedAt', { date: formatDateTime(sensors.map((s) => s.latest?.observedAt ?? '').sort().at(-1)!, locale) })}</p>
      )}
      <p className="muted">{t('affluence.privacy', { n: formatNumber(5, locale) })}</p>
    </section>
  );
}

function SensorDetail({ sensor, affluence }: { sensor: SensorStatus; affluence: AffluenceState }) {
  const { t, locale } = useI18n();
  const [span, setSpan] = useState<Span>('day');
  const [counts, setCounts] = useState<CountSeries | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    const to = new Date();
    const { ms, bucket } = SPANS[span];
    api.sensorCounts(sensor.id, bucket, new Date(to.getTime() - ms), to).then(
      (c) => live && setCounts(c),
      (caught: Error) => live && setError(caught.message),
    );
    return () => {
      live = false;
    };
  }, [sensor.id, span, sensor.latest?.observedAt]);
  return (
    <article className="sensor-detail" aria-labelledby="sensor-title" data-testid="sensor-detail">
      <h3 id="sensor-title">{sensor.name}</h3>
      <p className="muted">
        {t('affluence.zone')} : {sensor.zone} · {t('affluence.thresholds', { calm: sensor.calmMax, busy: sensor.busyMax })}
        {sensor.latest && ` · ${t('affluence.lastCount', { date: formatDateTime(sensor.latest.observedAt, locale) })}`}
      </p>
      <div className="segmented" role="group" aria-label={t('affluence.span')}>
        {(['day', 'week'] as const).map((s) => (
          <button key={s} type="button" aria-pressed={span === s} onClick={() => setSpan(s)}>
            {t(`affluence.span.${s}`)}
          </button>
        ))}
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      {counts && counts.sensorId === sensor.id ? <SeriesChart counts={counts} span={span} /> : <p className="muted">{t('common.loading')}</p>}
      <SensorSettings sensor={sensor} affluence={affluence} />
    </article>
  );
}

function SensorSettings({ sensor, affluence }: { sensor: SensorStatus; affluence: AffluenceState }) {
  const { t } = useI18n();
  const [calmMax, setCalmMax] = useState(String(sensor.calmMax));
  const [busyMax, setBusyMax] = useState(String(sensor.busyMax));
  const [intervalS, setIntervalS] = useState(String(sensor.intervalS));
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [key, setKey] = useState<string | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  async function save(event: FormEvent) {
    event.preventDefault();
    const error = await affluence.update(sensor.id, { calmMax: Number(calmMax), busyMax: Number(busyMax), intervalS: Number(intervalS) });
    setMessage(error ? { kind: 'error', text: error } : { kind: 'ok', text: t('affluence.saved') });
  }
  return (
    <form className="sensor-form" onSubmit={save} aria-label={t('affluence.settings')}>
      <h4>{t('affluence.settings')}</h4>
      <div className="field-row three">
        <NumberField id="edit-calm" label={t('affluence.calmMax')} value={calmMax} onChange={setCalmMax} />
        <NumberField id="edit-busy" label={t('affluence.busyMax')} value={busyMax} onChange={setBusyMax} />
        <NumberField id="edit-interval" label={t('affluence.intervalS')} value={intervalS} onChange={setIntervalS} />
      </div>
      <div className="form-actions">
        <button type="submit" className="primary">{t('affluence.save')}</button>
        <button
          type="button"
          onClick={async () => {
            const result = await affluence.rotateKey(sensor.id);
            if ('key' in result) setKey(result.key);
            else setMessage({ kind: 'error', text: result.error });
          }}
        >
          {t('affluence.rotateKey')}
        </button>
        {confirmDelete ? (
          <button
            type="button"
            className="danger"
            onClick={async () => {
              const error = await affluence.remove(sensor.id);
              if (error) setMessage({ kind: 'error', text: error });
            }}
          >
            {t('affluence.deleteConfirm', { name: sensor.name })}
          </button>
        ) : (
          <button type="button" onClick={() => setConfirmDelete(true)}>
            {t('affluence.delete')}
          </button>
        )}
      </div>
      {key && <KeyOnce sensorKey={key} />}
      {message && (
        <p className={message.kind === 'error' ? 'error' : 'success'} role={message.kind === 'error' ? 'alert' : 'status'}>
          {message.text}
        </p>
      )}
    </form>
  );
}

function NumberField({ id, label, value, onChange }: { id: string; label: string; value: string; onChange(value: string): void }) {
  return (
    <div>
      <label htmlFor={id}>{label}</label>
      <input id={id} type="number" min={0} step={1} value={value} onChange={(e) => onChange(e.target.value)} required />
    </div>
  );
}

/** The sensor key, shown once: the API keeps only its hash. */
function KeyOnce({ sensorKey }: { sensorKey: string }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState(false);
  return (
    <div className="notice key-once" role="status" data-testid="sensor-key">
      <p className="notice-title">{t('affluence.keyTitle')}</p>
      <code>{sensorKey}</code>
      <p>{t('affluence.keyHint')}</p>
      <button
        type="button"
        onClick={() =>
          void navigator.clipboard?.writeText(sensorKey).then(
            () => setCopied(true),
            () => setCopied(false),
          )
        }
      >
        {copied ? t('affluence.copied') : t('affluence.copy')}
      </button>
    </div>
  );
}

function NewSensorForm({ affluence }: { affluence: AffluenceState }) {
  const { t, locale } = useI18n();
  const [open, setOpen] = useState(false);
  const [fields, setFields] = useState({ name: '', zone: '', calmMax: '10', busyMax: '30', intervalS: '60' });
  const [key, setKey] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const set = (name: keyof typeof fields) => (value: string) => setFields((f) => ({ ...f, [name]: value }));
  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!affluence.draft) {
      setError(t('affluence.placeFirst'));
      return;
    }
    const input: SensorInput = {
      name: fields.name.trim(),
      zone: fields.zone.trim(),
      lon: affluence.draft[0],
      lat: affluence.draft[1],
      calmMax: Number(fields.calmMax),
      busyMax: Number(fields.busyMax),
      intervalS: Number(fields.intervalS),
    };
    const result = await affluence.create(input);
    if ('key' in result) {
      setKey(result.key);
      setError(null);
      setFields({ name: '', zone: '', calmMax: '10', busyMax: '30', intervalS: '60' });
    } else setError(result.error);
  }
  if (!open) {
    return (
      <>
        {key && <KeyOnce sensorKey={key} />}
        <button type="button" onClick={() => setOpen(true)}>
          {t('affluence.new')}
        </button>
      </>
    );
  }
  return (
    <form className="sensor-form run-form" onSubmit={submit} aria-label={t('affluence.new')}>
      <h3>{t('affluence.new')}</h3>
      <div>
        <label htmlFor="sensor-name">{t('affluence.name')}</label>
        <input id="sensor-name" type="text" value={fields.name} onChange={(e) => set('name')(e.target.value)} required maxLength={120} />
      </div>
      <div>
        <label htmlFor="sensor-zone">{t('affluence.zone')}</label>
        <input id="sensor-zone" type="text" value={fields.zone} onChange={(e) => set('zone')(e.target.value)} required pattern="[a-z0-9][a-z0-9\-]{0,62}" placeholder="centre-bourg" />
        <p className="muted hint">{t('affluence.zoneHint')}</p>
      </div>
      <div className="draw-tools">
        <button type="button" onClick={() => affluence.setPlacing(true)} aria-pressed={affluence.placing}>
          {t('affluence.place')}
        </button>
        <span role="status">
          {affluence.placing
            ? t('affluence.placing')
            : affluence.draft
              ? t('affluence.placed', { lon: formatNumber(affluence.draft[0], locale, 5), lat: formatNumber(affluence.draft[1], locale, 5) })
              : ''}
        </span>
      </div>
      <div className="field-row three">
        <NumberField id="sensor-calm" label={t('affluence.calmMax')} value={fields.calmMax} onChange={set('calmMax')} />
        <NumberField id="sensor-busy" label={t('affluence.busyMax')} value={fields.busyMax} onChange={set('busyMax')} />
        <NumberField id="sensor-interval" label={t('affluence.intervalS')} value={fields.intervalS} onChange={set('intervalS')} />
      </div>
      <div className="form-actions">
        <button type="submit" className="primary">{t('affluence.create')}</button>
        <button type="button" className="link" onClick={() => setOpen(false)}>
          {t('common.close')}
        </button>
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      {key && <KeyOnce sensorKey={key} />}
    </form>
  );
}
