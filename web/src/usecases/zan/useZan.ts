import { useCallback, useEffect, useState } from 'react';
import { ApiError, api } from '../../api/client';
import type { CommuneZan, LandChangeCollection, Nomenclature, ZanSummary } from '@vigie/api/contract';

export type ZanBackground = 'landcover' | 'choropleth';

/** A pair of analysed vintages the change polygons are shown for. */
export interface ZanPeriod {
  from: number;
  to: number;
}

/** The pairs the API computes flows for: consecutive vintages, then first → last. */
export function zanPeriods(years: readonly number[]): ZanPeriod[] {
  const periods: ZanPeriod[] = [];
  for (let i = 1; i < years.length; i++) periods.push({ from: years[i - 1]!, to: years[i]! });
  if (years.length > 2) periods.push({ from: years[0]!, to: years.at(-1)! });
  return periods;
}

export interface ZanState {
  summary: ZanSummary | null;
  nomenclature: Nomenclature | null;
  /** null while loading; false when nothing was analysed yet */
  analysed: boolean | null;
  error: string | null;
  selected: string | null;
  select(insee: string | null): void;
  commune: CommuneZan | null;
  communeError: string | null;
  period: ZanPeriod | null;
  setPeriod(period: ZanPeriod): void;
  changes: LandChangeCollection | null;
  background: ZanBackground;
  setBackground(background: ZanBackground): void;
  opacity: number;
  setOpacity(opacity: number): void;
  showChanges: boolean;
  setShowChanges(show: boolean): void;
  /** sets the selected commune's reference consumption; resolves to an error message or null */
  saveTrajectory(settings: CommuneZan['settings']): Promise<string | null>;
  /** the authority's nomenclature, for the next land-cover runs; the error message, or null */
  saveNomenclature(nomenclature: Nomenclature): Promise<string | null>;
}

/** ZAN data for the map and the commune panel; loaded when the view opens. */
export function useZan(active: boolean): ZanState {
  const [summary, setSummary] = useState<ZanSummary | null>(null);
  const [nomenclature, setNomenclature] = useState<Nomenclature | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [commune, setCommune] = useState<CommuneZan | null>(null);
  const [communeError, setCommuneError] = useState<string | null>(null);
  const [period, setPeriodState] = useState<ZanPeriod | null>(null);
  const [changes, setChanges] = useState<LandChangeCollection | null>(null);
  const [background, setBackground] = useState<ZanBackground>('landcover');
  const [opacity, setOpacity] = useState(0.75);
  const [showChanges, setShowChanges] = useState(true);
  const [summaryVersion, setSummaryVersion] = useState(0);

  useEffect(() => {
    if (!active) return;
    let live = true;
    api.zanSummary().then(
      (s) => {
        if (!live) return;
        setSummary(s);
        const periods = zanPeriods(s.vintages);
        setPeriodState((p) => p ?? periods[periods.length > 2 ? periods.length - 2 : periods.length - 1] ?? null);
      },
      (caught: Error) => live && setError(caught.message),
    );
    api.zanNomenclature().then(
      (n) => live && setNomenclature(n),
      // 404 before the first land-cover run: the summary says there is nothing yet
      (caught: Error) => live && !(caught instanceof ApiError && caught.status === 404) && setError(caught.message),
    );
    return () => {
      live = false;
    };
  }, [active, summaryVersion]);

  useEffect(() => {
    if (!active || !selected) {
      setCommune(null);
      return;
    }
    let live = true;
    setCommuneError(null);
    api.zanCommune(selected).then(
      (c) => live && setCommune(c),
      (caught: Error) => live && setCommuneError(caught.message),
    );
    return () => {
      live = false;
    };
  }, [active, selected]);

  useEffect(() => {
    if (!active || !period) return;
    let live = true;
    // the 500 largest changes of the period (the API's page size): the ones worth checking first
    api.zanChanges({ from: period.from, to: period.to, limit: 500, offset: 0 }).then(
      (c) => live && setChanges(c),
      (caught: Error) => live && setError(caught.message),
    );
    return () => {
      live = false;
    };
  }, [active, period]);

  const select = useCallback((insee: string | null) => setSelected(insee), []);
  const setPeriod = useCallback((p: ZanPeriod) => setPeriodState(p), []);
  const saveNomenclature = useCallback(async (next: Nomenclature) => {
    try {
      setNomenclature(await api.zanSetNomenclature(next));
      return null;
    } catch (caught) {
      return caught instanceof Error ? caught.message : String(caught);
    }
  }, []);
  const saveTrajectory = useCallback(
    async (settings: CommuneZan['settings']) => {
      if (!selected) return null;
      try {
        setCommune(await api.zanSetTrajectory(selected, settings));
        setSummaryVersion((n) => n + 1);
        return null;
      } catch (caught) {
        return caught instanceof Error ? caught.message : String(caught);
      }
    },
    [selected],
  );
  const analysed = summary === null ? null : summary.vintages.length > 0;

  return {
    summary, nomenclature, analysed, error, selected, select, commune, communeError, period, setPeriod, changes,
    background, setBackground, opacity, setOpacity, showChanges, setShowChanges, saveTrajectory, saveNomenclature,
  };
}
