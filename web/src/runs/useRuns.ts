import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, api } from '../api/client';
import { isFinished, type RunProgress } from '@vigie/api/contract';

/** First and longest wait before following again a stream that closed before its run finished. */
const REFOLLOW_MS = [3_000, 30_000] as const;

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
  const retries = useRef(new Map<string, ReturnType<typeof setTimeout>>());
  /** false once unmounted: an answer still in flight then opens no stream and sets no timer */
  const mounted = useRef(true);

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
    function follow(run: RunProgress, wait: number = REFOLLOW_MS[0]) {
      if (!mounted.current || isFinished(run.status) || streams.current.has(run.id) || retries.current.has(run.id)) return;
      const source = new EventSource(`/api/runs/${encodeURIComponent(run.id)}/events`);
      streams.current.set(run.id, source);
      source.addEventListener('progress', (event) => {
        const progress = JSON.parse((event as MessageEvent<string>).data) as RunProgress;
        upsert(progress);
        wait = REFOLLOW_MS[0];
        if (isFinished(progress.status)) {
          finished.current?.(progress);
          source.close();
          streams.current.delete(run.id);
        }
      });
      // EventSource reconnects by itself on network errors, but gives up on an error answer: the 503 of an API
      // whose database restarts would freeze the bar. Look at the run again later, and follow it while unfinished.
      source.onerror = () => {
        if (source.readyState !== EventSource.CLOSED) return;
        streams.current.delete(run.id);
        const retry = () => {
          retries.current.delete(run.id);
          api.run(run.id).then(
            (latest) => {
              upsert(latest);
              if (isFinished(latest.status)) finished.current?.(latest);
              else follow(latest, Math.min(wait * 2, REFOLLOW_MS[1]));
            },
            // gone or no longer ours: stop; anything else (database down, network): try again later
            (error: unknown) => {
              if (!mounted.current || (error instanceof ApiError && [401, 403, 404].includes(error.status))) return;
              wait = Math.min(wait * 2, REFOLLOW_MS[1]);
              retries.current.set(run.id, setTimeout(retry, wait));
            },
          );
        };
        retries.current.set(run.id, setTimeout(retry, wait));
      };
    },
    [upsert],
  );

  const reload = useCallback(async () => {
    try {
      const { runs: list } = await api.runs();
      setRuns(list);
      setError(null);
      list.forEach((run) => follow(run));
    } catch (caught) {
      setError((caught as Error).message);
    }
  }, [follow]);

  useEffect(() => {
    mounted.current = true;
    void reload();
    const open = streams.current;
    const waiting = retries.current;
    return () => {
      mounted.current = false;
      open.forEach((s) => s.close());
      open.clear();
      waiting.forEach(clearTimeout);
      waiting.clear();
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
