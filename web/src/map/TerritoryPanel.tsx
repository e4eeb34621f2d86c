import { useState, type FormEvent } from 'react';
import type { CommuneCollection } from '@vigie/api/contract';
import { formatArea, formatNumber } from '../format';
import { useI18n } from '../i18n';
import { isValidStyleUrl } from './basemap';

export interface TerritoryPanelProps {
  communes: CommuneCollection | null;
  error: string | null;
  basemapStyleUrl: string | null;
  onBasemapStyleUrl(url: string | null): void;
  onFit(): void;
}

/** The Carte view's panel: the territory's communes with their units, and the base-map setting. */
export function TerritoryPanel({ communes, error, basemapStyleUrl, onBasemapStyleUrl, onFit }: TerritoryPanelProps) {
  const { t, locale } = useI18n();
  const [draft, setDraft] = useState(basemapStyleUrl ?? '');
  const [urlError, setUrlError] = useState(false);
  const features = communes?.features ?? [];
  const totalArea = features.reduce((sum, f) => sum + f.properties.areaM2, 0);
  const totalPopulation = features.reduce((sum, f) => sum + (f.properties.population ?? 0), 0);

  function apply(event: FormEvent) {
    event.preventDefault();
    const url = draft.trim();
    if (url && !isValidStyleUrl(url)) return setUrlError(true);
    setUrlError(false);
    onBasemapStyleUrl(url || null);
  }

  return (
    <section className="panel-section" aria-labelledby="territory-title">
      <h2 id="territory-title">{t('map.panelTitle')}</h2>
      {error && (
        <p className="error" role="alert">
          {t('common.error', { message: error })}
        </p>
      )}
      {communes === null && !error && <p className="muted">{t('common.loading')}</p>}
      {communes && features.length === 0 && <p className="notice">{t('map.noCommunes')}</p>}
      {features.length > 0 && (
        <>
          <p>
            <strong>{t('map.communeCount', { n: features.length })}</strong> · {t('map.totalArea')} {formatArea(totalArea, locale)}
            {totalPopulation > 0 && (
              <>
                {' '}
                · {t('map.population')} {formatNumber(totalPopulation, locale)} hab.
              </>
            )}
          </p>
          <button type="button" onClick={onFit}>
            {t('map.fit')}
          </button>
          <table className="communes">
            <caption className="sr-only">{t('map.communes')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('map.commune')}</th>
                <th scope="col">{t('map.insee')}</th>
                <th scope="col" className="num">
                  {t('map.area')}
                </th>
                <th scope="col" className="num">
                  {t('map.population')}
                </th>
              </tr>
            </thead>
            <tbody>
              {features.map((f) => (
                <tr key={f.properties.insee}>
                  <td>{f.properties.name}</td>
                  <td>{f.properties.insee}</td>
                  <td className="num">{formatArea(f.properties.areaM2, locale)}</td>
                  <td className="num">{f.properties.population === null ? '—' : formatNumber(f.properties.population, locale)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <form className="basemap-form" onSubmit={apply}>
        <h3>{t('map.basemap')}</h3>
        <label htmlFor="basemap-url">{t('map.basemapUrl')}</label>
        <input
          id="basemap-url"
          type="url"
          inputMode="url"
          placeholder="https://…/style.json"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          aria-describedby="basemap-hint"
          aria-invalid={urlError}
        />
        <p id="basemap-hint" className="muted">
          {basemapStyleUrl ? basemapStyleUrl : t('map.basemapOffline')} — {t('map.basemapHint')}
        </p>
        <button type="submit">{t('map.basemapApply')}</button>
      </form>
    </section>
  );
}
