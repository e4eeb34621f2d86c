import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from '../api/client';
import { isFinished, type RunProgress } from '@vigie/api/contract';

/**
 * The authority's runs; every unfinished one follows its SSE stream (GET /api/runs/:id/events, event 'progress')
 * so the bars move as chips complete, without polling.
 */
export function useRuns(onFinished?: (run: RunProgress) => void) {
  const finished = useRef(onFinished);
  finished.current = onFinished;
  const [runs, setRuns] = useState<RunProgress[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const streams = useRef(new Map<string, EventSource>());

  const upsert = useCallback((run: RunProgress) => {
    setRuns((current) => {
      const list = current ?? [];
      const index = list.findIndex((r) => r.id === run.id);
      if (index === -1) return [run, ...list];
      const next = list.slice();
      next[index] = run;
      return next;
    });
  }, []);

  const follow = useCallback(
    (run: RunProgress) => {
      if (isFinished(run.status) || streams.current.has(run.id)) return;
      const source = new EventSource(`/api/runs/${encodeURIComponent(run.id)}/events`);
      streams.current.set(run.id, source);
      source.addEventListener('progress', (event) => {
        const progress = JSON.parse((event as MessageEvent<string>).data) as RunProgress;
        upsert(progress);
        if (isFinished(progress.status)) {
          finished.current?.(progress);
          source.close();
          streams.current.delete(run.id);
        }
      });
      // EventSource reconnects by itself on network errors; a closed stream (404, 401) is dropped
      source.onerror = () => {
        if (source.readyState === EventSource.CLOSED) streams.current.delete(run.id);
      };
    },
    [upsert],
  );

  const reload = useCallback(async () => {
    try {
      const { runs: list } = await api.runs();
      setRuns(list);
      setError(null);
      list.forEach(follow);
    } catch (caught) {
      setError((caught as Error).message);
    }
  }, [follow]);

  useEffect(() => {
    void reload();
    const open = streams.current;
    return () => {
      open.forEach((s) => s.close());
      open.clear();
    };
  }, [reload]);

  const track = useCallback(
    (run: RunProgress) => {
      upsert(run);
      follow(run);
    },
    [upsert, follow],
  );

  return { runs, error, reload, track };
}
