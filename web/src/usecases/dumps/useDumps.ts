import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, api } from '../../api/client';
import type { DetectionChange, DetectionDetail, DetectionFeature, DetectionFilters } from '@vigie/api/contract';
import { type DetectionTable, EMPTY_TABLE, detectionTable, withDetection } from './table';

/** The API's largest page (api/src/http/limits.ts maxPageSize). */
const PAGE = 500;
/** Pages fetched at once while loading a large territory. */
const PARALLEL = 4;

export const DEFAULT_FILTERS: DetectionFilters = { status: [], change: [], minScore: 0, commune: null, vintage: null };

export interface LoadProgress {
  loaded: number;
  total: number;
}

/** Every detection matching `filters`, page by page (the API pages by 500), best score first. */
export async function loadDetections(filters: DetectionFilters, onProgress: (p: LoadProgress) => void, isCancelled: () => boolean): Promise<DetectionFeature[]> {
  const first = await api.detections(filters, { limit: PAGE, offset: 0 });
  const pages: DetectionFeature[][] = [first.features];
  let loaded = first.features.length;
  onProgress({ loaded, total: first.total });
  const offsets: number[] = [];
  for (let offset = PAGE; offset < first.total; offset += PAGE) offsets.push(offset);
  let next = 0;
  async function fetchPages() {
    while (next < offsets.length && !isCancelled()) {
      const i = next++;
      const page = await api.detections(filters, { limit: PAGE, offset: offsets[i]! });
      pages[i + 1] = page.features;
      loaded += page.features.length;
      onProgress({ loaded, total: first.total });
    }
  }
  await Promise.all(Array.from({ length: PARALLEL }, fetchPages));
  return pages.flat();
}

export interface DumpsState {
  filters: DetectionFilters;
  setFilters(filters: DetectionFilters): void;
  table: DetectionTable;
  progress: LoadProgress | null;
  loading: boolean;
  error: string | null;
  /** index of the detection under review, -1 when the table is empty */
  current: number;
  select(index: number): void;
  /** bumped each time the reviewer moves through the queue (not on load): the map follows these moves */
  moves: number;
  detail: DetectionDetail | null;
  /** a status change, an assignee or a comment on the current detection; resolves to an error message or null */
  review(change: DetectionChange): Promise<string | null>;
  reload(): void;
}

/** Dumps data for the map and the review queue: one table, one current index; nothing per feature in React. */
export function useDumps(active: boolean): DumpsState {
  const [filters, setFilters] = useState<DetectionFilters>(DEFAULT_FILTERS);
  const [table, setTable] = useState<DetectionTable>(EMPTY_TABLE);
  const [progress, setProgress] = useState<LoadProgress | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [current, setCurrent] = useState(-1);
  const [detail, setDetail] = useState<DetectionDetail | null>(null);
  const [version, setVersion] = useState(0);
  const [moves, setMoves] = useState(0);
  const tableRef = useRef(table);
  tableRef.current = table;

  useEffect(() => {
    if (!active) return;
    let cancelled = false;
    setLoading(true);
    setError(null);
    loadDetections(filters, (p) => !cancelled && setProgress(p), () => cancelled).then(
      (features) => {
        if (cancelled) return;
        setTable(detectionTable(features));
        performance.mark('vigie:dumps-loaded', { detail: { detections: features.length } });
        setCurrent(features.length > 0 ? 0 : -1);
        setLoading(false);
      },
      (caught: Error) => {
        if (cancelled) return;
        setError(caught.message);
        setLoading(false);
      },
    );
    return () => {
      cancelled = true;
    };
  }, [active, filters, version]);

  const currentId = current >= 0 ? table.rows[current]?.id : undefined;
  useEffect(() => {
    if (currentId === undefined) {
      setDetail(null);
      return;
    }
    let live = true;
    api.detection(currentId).then(
      (d) => live && setDetail(d),
      () => live && setDetail(null),
    );
    return () => {
      live = false;
    };
  }, [currentId]);

  const select = useCallback((index: number) => {
    const n = tableRef.current.length;
    if (n === 0) return;
    setCurrent(Math.max(0, Math.min(n - 1, index)));
    setMoves((m) => m + 1);
  }, []);

  const review = useCallback(
    async (change: DetectionChange) => {
      const index = current;
      const row = tableRef.current.rows[index];
      if (!row) return null;
      try {
        const updated = await api.reviewDetection(row.id, change);
        setTable((t) => (t.rows[index]?.id === row.id ? withDetection(t, index, updated.properties) : t));
        setDetail(updated);
        return null;
      } catch (caught) {
        return caught instanceof ApiError ? caught.message : String(caught);
      }
    },
    [current],
  );

  const reload = useCallback(() => setVersion((n) => n + 1), []);

  return { filters, setFilters, table, progress, loading, error, current, select, moves, detail, review, reload };
}
