import type { Layer, PickingInfo } from '@deck.gl/core';
import { MapboxOverlay } from '@deck.gl/mapbox';
import * as maplibregl from 'maplibre-gl';
import type { Map as MaplibreMap, MapMouseEvent } from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import { useEffect, useRef } from 'react';
import { orthoTileTemplate } from '../api/client';
import type { Position, Vintage } from '@vigie/api/contract';
import { useI18n } from '../i18n';
import { offlineStyle } from './basemap';
import type { LonLatBounds } from './geometry';

// maplibre 6 looks for its worker next to its own module; in the bundle it is a separate asset
maplibregl.setWorkerUrl(workerUrl);

const ORTHO_SOURCE = 'ortho';
/** lowest level of the ortho pyramid (workers/src/pipelines/ortho.ts) */
const ORTHO_MIN_ZOOM = 12;
/** zoom at which a focused detection is shown: its footprint on the orthophoto */
const FOCUS_ZOOM = 17;

export interface MapViewProps {
  basemapStyleUrl: string | null;
  vintage: Vintage | null;
  orthoOpacity: number;
  bounds: LonLatBounds | null;
  /** bumped to ask for a new fit to `bounds` */
  fitRequest: number;
  layers: Layer[];
  getTooltip?: (info: PickingInfo) => string | null;
  onClick?: (lngLat: Position, info: PickingInfo | null) => void;
  /** the zoom and the bounds shown (west, south, east, north), each time the map stops moving */
  onView?: (view: { zoom: number; bounds: LonLatBounds }) => void;
  /** a box to fit the view to when it changes (a commune picked in a panel) */
  fitTo?: LonLatBounds | null;
  /** a point to bring into view (the detection under review); the map pans there, zooming in if needed */
  focus?: Position | null;
  crosshair?: boolean;
}

function applyOrtho(map: MaplibreMap, vintage: Vintage | null, opacity: number, bounds: LonLatBounds | null) {
  if (map.getLayer(ORTHO_SOURCE)) map.removeLayer(ORTHO_SOURCE);
  if (map.getSource(ORTHO_SOURCE)) map.removeSource(ORTHO_SOURCE);
  if (!vintage?.hasOrtho) return;
  map.addSource(ORTHO_SOURCE, {
    type: 'raster',
    tiles: [orthoTileTemplate(vintage.year)],
    tileSize: 256,
    minzoom: ORTHO_MIN_ZOOM,
    maxzoom: 20,
    ...(bounds ? { bounds } : {}),
  });
  map.addLayer({ id: ORTHO_SOURCE, type: 'raster', source: ORTHO_SOURCE, paint: { 'raster-opacity': opacity, 'raster-fade-duration': 0 } });
}

/** maplibre for the base map and the orthophoto, deck.gl on top (MapboxOverlay, not interleaved) for Vigie's layers. */
export function MapView(props: MapViewProps) {
  const { t } = useI18n();
  const container = useRef<HTMLDivElement>(null);
  const mapRef = useRef<MaplibreMap | null>(null);
  const overlayRef = useRef<MapboxOverlay | null>(null);
  const latest = useRef(props);
  latest.current = props;
  const layersChanged = useRef(false);

  // one map for the app's lifetime; the style only changes when the base-map URL does
  useEffect(() => {
    const map = new maplibregl.Map({
      container: container.current!,
      style: props.basemapStyleUrl ?? offlineStyle(),
      center: [2.35, 46.6],
      zoom: 5,
      attributionControl: false,
      maxPitch: 0,
      dragRotate: false,
      locale: { 'NavigationControl.ZoomIn': 'Zoom avant', 'NavigationControl.ZoomOut': 'Zoom arrière' },
    });
    map.touchZoomRotate.disableRotation();
    map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
    map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-right');
    // User Timing marks (read by tests/bench/web.ts): the base map's first load, and the first frame drawn
    // after each change of the deck.gl layers
    map.once('load', () => performance.mark('vigie:map-loaded'));
    const overlay = new MapboxOverlay({
      interleaved: false,
      layers: [],
      onAfterRender: () => {
        if (!layersChanged.current) return;
        layersChanged.current = false;
        performance.mark('vigie:layers-rendered', { detail: { layers: latest.current.layers.map((l) => l.id), zoom: map.getZoom() } });
      },
    });
    map.addControl(overlay);
    map.on('style.load', () => {
      const p = latest.current;
      applyOrtho(map, p.vintage, p.orthoOpacity, p.bounds);
    });
    map.on('click', (event: MapMouseEvent) => {
      const info = overlay.pickObject({ x: event.point.x, y: event.point.y, radius: 2 });
      latest.current.onClick?.([event.lngLat.lng, event.lngLat.lat], info ?? null);
    });
    map.on('moveend', () => {
      const b = map.getBounds();
      latest.current.onView?.({ zoom: map.getZoom(), bounds: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()] });
    });
    mapRef.current = map;
    overlayRef.current = overlay;
    return () => {
      map.remove();
      mapRef.current = null;
      overlayRef.current = null;
    };
  }, []);

  useEffect(() => {
    const map = mapRef.current;
    if (!map) return;
    map.setStyle(props.basemapStyleUrl ?? offlineStyle());
  }, [props.basemapStyleUrl]);

  useEffect(() => {
    const map = mapRef.current;
    if (!map || !map.isStyleLoaded()) return;
    applyOrtho(map, props.vintage, latest.current.orthoOpacity, props.bounds);
  }, [props.vintage, props.bounds]);

  useEffect(() => {
    const map = mapRef.current;
    if (map?.getLayer(ORTHO_SOURCE)) map.setPaintProperty(ORTHO_SOURCE, 'raster-opacity', props.orthoOpacity);
  }, [props.orthoOpacity]);

  useEffect(() => {
    layersChanged.current = true;
    overlayRef.current?.setProps({ layers: props.layers, getTooltip: props.getTooltip ?? null });
  }, [props.layers, props.getTooltip]);

  useEffect(() => {
    const map = mapRef.current;
    if (!map || !props.bounds) return;
    const [w, s, e, n] = props.bounds;
    map.fitBounds([[w, s], [e, n]], { padding: 48, duration: 0, maxZoom: 16 });
  }, [props.bounds, props.fitRequest]);

  useEffect(() => {
    const map = mapRef.current;
    if (!map || !props.fitTo) return;
    const [w, s, e, n] = props.fitTo;
    map.fitBounds([[w, s], [e, n]], { padding: 48, duration: 400, maxZoom: 17 });
  }, [props.fitTo]);

  useEffect(() => {
    const map = mapRef.current;
    if (!map || !props.focus) return;
    const [lon, lat] = props.focus;
    // a point already well inside the view is not worth a jump
    const { x, y } = map.project([lon, lat]);
    const { clientWidth: w, clientHeight: h } = map.getContainer();
    const inside = x > w * 0.2 && x < w * 0.8 && y > h * 0.2 && y < h * 0.8;
    if (inside && map.getZoom() >= FOCUS_ZOOM) return;
    map.easeTo({ center: [lon, lat], zoom: Math.max(map.getZoom(), FOCUS_ZOOM), duration: 400 });
  }, [props.focus]);

  useEffect(() => {
    const canvas = mapRef.current?.getCanvas();
    if (canvas) canvas.style.cursor = props.crosshair ? 'crosshair' : '';
  }, [props.crosshair]);

  return <div ref={container} className="map" role="region" aria-label={t('map.label')} data-testid="map" />;
}
