import type { Layer, PickingInfo } from '@deck.gl/core';
import { useCallback, useMemo, useState } from 'react';
import { type CommuneFeature, type LandChangeFeature, partlyCovered, type Position, type RunProgress, type SensorStatus, type SessionUser, type Vintage } from '@vigie/api/contract';
import { LoginPage } from './auth/LoginPage';
import { useSession } from './auth/session';
import { formatArea, formatDate, formatNumber } from './format';
import { useI18n } from './i18n';
import { LocaleSwitch } from './LocaleSwitch';
import { configuredBasemapUrl, saveBasemapUrl } from './map/basemap';
import { communeLayers } from './map/communeLayers';
import { communesBounds, type LonLatBounds } from './map/geometry';
import { MapView } from './map/MapView';
import { TerritoryPanel } from './map/TerritoryPanel';
import { ModelsPanel } from './models/ModelsPanel';
import { canRunAnalyses, useViewRoute, viewsFor, type ViewId } from './navigation';
import { areaLayers, type DrawnArea } from './runs/areaLayers';
import { RunsPanel, type AreaMode } from './runs/RunsPanel';
import { useRuns } from './runs/useRuns';
import { useTerritory } from './territory/useTerritory';
import { AffluencePanel, affluenceLayers, useAffluence } from './usecases/affluence';
import { DUMPS_PICKABLE, DumpsPanel, dumpsDrawing, dumpsLayers, pickedDetection, useDumps } from './usecases/dumps';
import { ZanPanel, useZan, zanLayers } from './usecases/zan';

export function App() {
  const { state } = useSession();
  const { t } = useI18n();
  if (state.status === 'checking') {
    return (
      <p className="splash" role="status">
        {t('auth.checking')}
      </p>
    );
  }
  if (state.status === 'signedOut') return <LoginPage />;
  return <Dashboard user={state.user} />;
}

/** The default vintage: the latest with an orthophoto, else the latest. */
function defaultVintage(vintages: Vintage[]): Vintage | null {
  return [...vintages].reverse().find((v) => v.hasOrtho) ?? vintages.at(-1) ?? null;
}

function Dashboard({ user }: { user: SessionUser }) {
  const { t, locale } = useI18n();
  const { logout } = useSession();
  const views = viewsFor(user.role);
  const [routeView, go] = useViewRoute();
  const view: ViewId = views.some((v) => v.id === routeView) ? routeView : 'map';
  const territory = useTerritory();
  const { reloadVintages } = territory;
  const runs = useRuns(useCallback((run: RunProgress) => run.useCase === 'ortho' && run.status === 'succeeded' && reloadVintages(), [reloadVintages]));

  const [vintageId, setVintageId] = useState<number | null>(null);
  const vintages = territory.vintages ?? [];
  const vintage = vintages.find((v) => v.id === vintageId) ?? defaultVintage(vintages);
  const [orthoOpacity, setOrthoOpacity] = useState(1);
  const [basemapStyleUrl, setBasemapStyleUrl] = useState(configuredBasemapUrl);
  const [fitRequest, setFitRequest] = useState(0);
  const [mapView, setMapView] = useState<{ zoom: number; bounds: LonLatBounds | null }>({ zoom: 12, bounds: null });
  const zoom = mapView.zoom;

  const [areaMode, setAreaMode] = useState<AreaMode>('all');
  const [selectedCommunes, setSelectedCommunes] = useState<ReadonlySet<string>>(new Set());
  const [area, setArea] = useState<DrawnArea>({ vertices: [], closed: false });
  const [drawing, setDrawing] = useState(false);

  // use-case data lives here because the map and the side panel both read it; each loads when its view opens
  const dumps = useDumps(view === 'dumps');
  const zan = useZan(view === 'zan');
  const affluence = useAffluence(view === 'affluence');
  const landcoverYear = zan.summary?.vintages.includes(vintage?.year ?? -1) ? vintage!.year : (zan.summary?.vintages.at(-1) ?? null);
  const zanNet = useMemo(
    () => new Map((zan.summary?.communes ?? []).filter((c) => c.netChangeM2 !== null).map((c) => [c.insee, c.netChangeM2!])),
    [zan.summary],
  );
  const zanPartial = useMemo(
    () => new Map((zan.summary?.communes ?? []).filter((c) => partlyCovered(c.coveredPct)).map((c) => [c.insee, c.coveredPct!])),
    [zan.summary],
  );
  // picking a commune in the ZAN view brings it into view
  const zanFit = useMemo(
    () => (zan.selected && territory.communes ? communesBounds({ type: 'FeatureCollection', features: territory.communes.features.filter((f) => f.properties.insee === zan.selected) }) : null),
    [zan.selected, territory.communes],
  );
  // the map follows the reviewer through the queue (J/K, a click in the list), not the first load
  const focusedDetection = view === 'dumps' && dumps.moves > 0 && dumps.current >= 0 ? dumps.table.rows[dumps.current] : undefined;
  const focus = useMemo<Position | null>(
    () => (focusedDetection ? [focusedDetection.lon, focusedDetection.lat] : null),
    // a move refocuses, a new version of the same row (a comment, a status) does not
    [dumps.moves, focusedDetection?.id],
  );

  const toggleCommune = useCallback((insee: string) => {
    setSelectedCommunes((current) => {
      const next = new Set(current);
      if (!next.delete(insee)) next.add(insee);
      return next;
    });
  }, []);

  const layers = useMemo(() => {
    const list: Layer[] = [];
    // commune outlines under everything (they are pickable: the layers above must win the pick), names on top
    const [outlines, labels] = territory.communes
      ? communeLayers({
          communes: territory.communes,
          labels: territory.labels,
          selected: view === 'runs' && areaMode === 'communes' ? selectedCommunes : new Set(),
          overImagery: Boolean(vintage?.hasOrtho) && zoom >= 12,
        })
      : [];
    if (outlines) list.push(outlines);
    if (view === 'dumps') list.push(...dumpsLayers(dumps.table, { zoom, selected: dumps.current, bounds: mapView.bounds }));
    if (view === 'zan' && territory.communes) {
      list.push(
        ...zanLayers(
          { communes: territory.communes, bounds: territory.bounds, netM2: zanNet, partialPct: zanPartial, changes: zan.changes, landcoverYear },
          { background: zan.background, opacity: zan.opacity, showChanges: zan.showChanges, selected: zan.selected },
        ),
      );
    }
    if (view === 'affluence') list.push(...affluenceLayers(affluence.sensors ?? [], { selected: affluence.selected, draft: affluence.draft }));
    if (view === 'runs' && areaMode === 'drawn') list.push(...areaLayers(area));
    if (labels) list.push(labels);
    return list;
  }, [
    territory.communes, territory.labels, territory.bounds, view, areaMode, selectedCommunes, vintage?.hasOrtho, zoom, mapView.bounds, area,
    dumps.table, dumps.current, zanNet, zanPartial, zan.changes, zan.background, zan.opacity, zan.showChanges, zan.selected, landcoverYear,
    affluence.sensors, affluence.selected, affluence.draft,
  ]);

  const getTooltip = useCallback(
    (info: PickingInfo) => {
      const layerId = info.layer?.id ?? '';
      if (DUMPS_PICKABLE.has(layerId) && info.index >= 0) {
        const d = dumps.table.rows[pickedDetection(info)];
        if (!d) return null;
        return `${t('dumps.detection', { id: d.id })} — ${t(`dumps.status.${d.status}`)}\n${t('dumps.score')} : ${formatNumber(d.score * 100, locale)} % · ${formatArea(d.areaM2, locale)}\n${d.communeName ?? ''} · ${d.vintage}`;
      }
      if (layerId === 'zan-changes') {
        const p = (info.object as LandChangeFeature | undefined)?.properties;
        if (!p) return null;
        return `${t(p.kind === 'artificialisation' ? 'zan.changeArtificialisation' : 'zan.changeRenaturation')} ${p.fromYear} → ${p.toYear}\n${formatArea(p.areaM2, locale)}`;
      }
      if (layerId === 'affluence-sensors') {
        const s = info.object as SensorStatus | undefined;
        if (!s) return null;
        const now = s.online && s.latest ? `${t(`affluence.level.${s.latest.level}`)}\n${t('affluence.countLine', { people: s.latest.people, vehicles: s.latest.vehicles })}` : t('affluence.offline');
        return `${s.name} (${s.zone})\n${now}`;
      }
      const feature = info.object as CommuneFeature | undefined;
      if (!feature?.properties?.insee || (layerId !== 'communes' && layerId !== 'zan-choropleth')) return null;
      const p = feature.properties;
      const population = p.population === null ? '' : `\n${t('map.population')} : ${formatNumber(p.population, locale)} hab.`;
      const net = layerId === 'zan-choropleth' && zanNet.has(p.insee) ? `\n${t('zan.netChange')} : ${formatArea(Math.abs(zanNet.get(p.insee)!), locale)}${zanNet.get(p.insee)! < 0 ? ` (${t('zan.renaturation')})` : ''}` : '';
      const partial = layerId === 'zan-choropleth' && zanPartial.has(p.insee) ? `\n${t('zan.partialShort', { pct: formatNumber(zanPartial.get(p.insee)!, locale, 0) })}` : '';
      return `${p.name} (${p.insee})\n${t('map.area')} : ${formatArea(p.areaM2, locale)}${population}${net}${partial}`;
    },
    [t, locale, dumps.table, zanNet, zanPartial],
  );

  const onMapClick = useCallback(
    (lngLat: Position, info: PickingInfo | null) => {
      const layerId = info?.layer?.id ?? '';
      if (view === 'dumps' && DUMPS_PICKABLE.has(layerId) && info!.index >= 0) dumps.select(pickedDetection(info!));
      if (view === 'zan' && (layerId === 'communes' || layerId === 'zan-choropleth')) zan.select((info!.object as CommuneFeature).properties.insee);
      if (view === 'affluence') {
        if (affluence.placing) affluence.place(lngLat);
        else if (layerId === 'affluence-sensors') affluence.select((info!.object as SensorStatus).id);
      }
      if (view !== 'runs') return;
      if (drawing) {
        setArea((current) => ({ vertices: [...current.vertices, lngLat], closed: false }));
        return;
      }
      const feature = info?.layer?.id === 'communes' ? (info.object as CommuneFeature | undefined) : undefined;
      if (areaMode === 'communes' && feature) toggleCommune(feature.properties.insee);
    },
    [view, drawing, areaMode, toggleCommune, dumps, zan, affluence],
  );

  const changeBasemap = useCallback((url: string | null) => {
    saveBasemapUrl(url);
    setBasemapStyleUrl(url);
  }, []);

  return (
    <div className="app">
      <a className="skip-link" href="#panel">
        {t('app.skip')}
      </a>
      <header className="topbar">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true" />
          <span>{t('app.name')}</span>
        </div>
        <nav aria-label={t('nav.label')}>
          <ul>
            {views.map((v) => (
              <li key={v.id}>
                <a
                  href={v.path}
                  aria-current={v.id === view ? 'page' : undefined}
                  onClick={(e) => {
                    e.preventDefault();
                    go(v.id);
                  }}
                >
                  {t(v.label)}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div className="topbar-end">
          <LocaleSwitch />
          <span className="user" title={user.email}>
            {user.name} <span className="muted">· {t(`role.${user.role}`)}</span>
          </span>
          <button type="button" onClick={() => void logout()}>
            {t('auth.logout')}
          </button>
        </div>
      </header>
      <div className="workspace">
        <aside className="panel" id="panel" tabIndex={-1} aria-label={t(views.find((v) => v.id === view)?.label ?? 'nav.map')}>
          {view === 'map' && (
            <TerritoryPanel
              communes={territory.communes}
              error={territory.communesError}
              basemapStyleUrl={basemapStyleUrl}
              onBasemapStyleUrl={changeBasemap}
              onFit={() => setFitRequest((n) => n + 1)}
            />
          )}
          {view === 'dumps' && <DumpsPanel dumps={dumps} user={user} communes={territory.communes} vintages={vintages} drawing={dumpsDrawing(dumps.table, mapView)} />}
          {view === 'zan' && <ZanPanel zan={zan} landcoverYear={landcoverYear} canPlan={user.role === 'admin' || user.role === 'planner'} />}
          {view === 'affluence' && <AffluencePanel affluence={affluence} />}
          {view === 'runs' && (
            <RunsPanel
              canRun={canRunAnalyses(user.role)}
              communes={territory.communes}
              vintages={vintages}
              models={territory.models ?? []}
              runs={runs}
              areaMode={areaMode}
              onAreaMode={(mode) => {
                setAreaMode(mode);
                setDrawing(false);
              }}
              selectedCommunes={selectedCommunes}
              onToggleCommune={toggleCommune}
              area={area}
              drawing={drawing}
              onDraw={() => {
                setArea({ vertices: [], closed: false });
                setDrawing(true);
              }}
              onFinishDrawing={() => {
                setDrawing(false);
                setArea((current) => ({ ...current, closed: current.vertices.length >= 3 }));
              }}
              onClearArea={() => {
                setDrawing(false);
                setArea({ vertices: [], closed: false });
              }}
            />
          )}
          {view === 'models' && <ModelsPanel models={territory.models} error={territory.modelsError} />}
        </aside>
        <main className="map-area" id="main">
          <MapToolbar vintages={vintages} vintage={vintage} onVintage={setVintageId} orthoOpacity={orthoOpacity} onOrthoOpacity={setOrthoOpacity} error={territory.vintagesError} loading={territory.vintages === null} />
          <MapView
            basemapStyleUrl={basemapStyleUrl}
            vintage={vintage}
            orthoOpacity={orthoOpacity}
            bounds={territory.bounds}
            fitRequest={fitRequest}
            layers={layers}
            getTooltip={getTooltip}
            onClick={onMapClick}
            onView={setMapView}
            focus={focus}
            fitTo={view === 'zan' ? zanFit : null}
            crosshair={drawing || (view === 'affluence' && affluence.placing)}
          />
          {vintage?.acquisitionDate && <p className="map-caption">{`${vintage.label} — ${t('map.vintageAcquired', { date: formatDate(vintage.acquisitionDate, locale) })}`}</p>}
        </main>
      </div>
    </div>
  );
}

interface MapToolbarProps {
  vintages: Vintage[];
  vintage: Vintage | null;
  onVintage(id: number): void;
  orthoOpacity: number;
  onOrthoOpacity(value: number): void;
  error: string | null;
  loading: boolean;
}

function MapToolbar({ vintages, vintage, onVintage, orthoOpacity, onOrthoOpacity, error, loading }: MapToolbarProps) {
  const { t } = useI18n();
  return (
    <div className="map-toolbar" role="group" aria-label={t('map.ortho')}>
      <div>
        <label htmlFor="map-vintage">{t('map.vintage')}</label>
        <select id="map-vintage" value={vintage?.id ?? ''} onChange={(e) => onVintage(Number(e.target.value))} disabled={vintages.length === 0}>
          {vintages.length === 0 && <option value="">{loading ? t('map.vintagesLoading') : t('map.vintageNone')}</option>}
          {vintages.map((v) => (
            <option key={v.id} value={v.id}>
              {v.label} {v.hasOrtho ? '' : t('map.noOrtho')}
            </option>
          ))}
        </select>
      </div>
      {vintage?.hasOrtho && (
        <div>
          <label htmlFor="map-ortho-opacity">{t('map.orthoOpacity')}</label>
          <input id="map-ortho-opacity" type="range" min={0} max={1} step={0.1} value={orthoOpacity} onChange={(e) => onOrthoOpacity(Number(e.target.value))} />
        </div>
      )}
      {error && (
        <span className="error-text" role="alert">
          {t('common.error', { message: error })}
        </span>
      )}
    </div>
  );
}
