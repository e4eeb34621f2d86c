import { useCallback, useEffect, useState } from 'react';
import { ApiError, api } from '../../api/client';
import type { Position, SensorInput, SensorStatus } from '@vigie/api/contract';

/** Sensors are re-read this often while the view is open (cameras count about every minute). */
const REFRESH_MS = 30_000;

export interface AffluenceState {
  sensors: SensorStatus[] | null;
  error: string | null;
  selected: number | null;
  select(id: number | null): void;
  /** a position clicked on the map for a new sensor */
  draft: Position | null;
  placing: boolean;
  setPlacing(placing: boolean): void;
  place(position: Position): void;
  create(input: SensorInput): Promise<{ key: string } | { error: string }>;
  update(id: number, patch: Partial<SensorInput>): Promise<string | null>;
  remove(id: number): Promise<string | null>;
  rotateKey(id: number): Promise<{ key: string } | { error: string }>;
}

const message = (caught: unknown) => (caught instanceof ApiError || caught instanceof Error ? caught.message : String(caught));

export function useAffluence(active: boolean): AffluenceState {
  const [sensors, setSensors] = useState<SensorStatus[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<number | null>(null);
  const [draft, setDraft] = useState<Position | null>(null);
  const [placing, setPlacing] = useState(false);
  const [version, setVersion] = useState(0);

  useEffect(() => {
    if (!active) return;
    let live = true;
    const load = () =>
      api.sensors().then(
        ({ sensors }) => {
          if (!live) return;
          setSensors(sensors);
          setError(null);
        },
        (caught: Error) => live && setError(caught.message),
      );
    void load();
    const timer = setInterval(load, REFRESH_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [active, version]);

  const reload = () => setVersion((n) => n + 1);
  const place = useCallback((position: Position) => {
    setDraft(position);
    setPlacing(false);
  }, []);

  return {
    sensors,
    error,
    selected,
    select: setSelected,
    draft,
    placing,
    setPlacing,
    place,
    async create(input) {
      try {
        const { sensor, key } = await api.createSensor(input);
        setDraft(null);
        setSelected(sensor.id);
        reload();
        return { key };
      } catch (caught) {
        return { error: message(caught) };
      }
    },
    async update(id, patch) {
      try {
        await api.updateSensor(id, patch);
        reload();
        return null;
      } catch (caught) {
        return message(caught);
      }
    },
    async remove(id) {
      try {
        await api.deleteSensor(id);
        setSelected(null);
        reload();
        return null;
      } catch (caught) {
        return message(caught);
      }
    },
    async rotateKey(id) {
      try {
        return await api.rotateSensorKey(id);
      } catch (caught) {
        return { error: message(caught) };
      }
    },
  };
}
