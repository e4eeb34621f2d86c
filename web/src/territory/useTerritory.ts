import { useCallback, useEffect, useMemo, useState } from 'react';
import { api } from '../api/client';
import type { CommuneCollection, Model, Vintage } from '@vigie/api/contract';
import { communeLabels, communesBounds } from '../map/geometry';

interface Loaded<T> {
  value: T | null;
  error: string | null;
}

function useLoad<T>(load: () => Promise<T>, version = 0): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>({ value: null, error: null });
  useEffect(() => {
    let live = true;
    load().then(
      (value) => live && setState({ value, error: null }),
      (error: Error) => live && setState({ value: null, error: error.message }),
    );
    return () => {
      live = false;
    };
  }, [load, version]);
  return state;
}

/** The signed-in authority's territory, loaded once: communes (with label points and bounds), vintages, models. */
export function useTerritory() {
  // bumped when an ortho run finishes: the vintage now has its orthophoto
  const [vintagesVersion, setVintagesVersion] = useState(0);
  const reloadVintages = useCallback(() => setVintagesVersion((n) => n + 1), []);
  const communes = useLoad(api.communes);
  const vintages = useLoad(api.vintages, vintagesVersion);
  const models = useLoad(api.models);
  const derived = useMemo(
    () => (communes.value ? { labels: communeLabels(communes.value), bounds: communesBounds(communes.value) } : { labels: [], bounds: null }),
    [communes.value],
  );
  return {
    communes: communes.value as CommuneCollection | null,
    communesError: communes.error,
    labels: derived.labels,
    bounds: derived.bounds,
    vintages: vintages.value as Vintage[] | null,
    vintagesError: vintages.error,
    reloadVintages,
    models: models.value as Model[] | null,
    modelsError: models.error,
  };
}
