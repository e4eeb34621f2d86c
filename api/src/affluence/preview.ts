import type { FrameObject } from './frames';

/**
 * The operator preview needs "the latest frame", and frames may never be stored. So the last frame of each
 * sensor is held in this process's memory only, for PREVIEW_TTL_MS at most, and blurred when an operator
 * asks for it (never cached: Cache-Control no-store). Consequences, accepted: a preview exists only on the
 * API process that received the frame, only for a minute, and disappears on restart.
 */
export const PREVIEW_TTL_MS = 60_000;

export interface HeldFrame {
  frame: Uint8Array;
  objects: FrameObject[];
  observedAt: Date;
}

export class LatestFrames {
  private readonly held = new Map<number, HeldFrame & { heldAt: number; timer: NodeJS.Timeout }>();

  constructor(readonly ttlMs = PREVIEW_TTL_MS) {}

  hold(sensorId: number, frame: HeldFrame, now = Date.now()): void {
    this.forget(sensorId);
    const timer = setTimeout(() => this.held.delete(sensorId), this.ttlMs);
    timer.unref();
    this.held.set(sensorId, { ...frame, heldAt: now, timer });
  }

  latest(sensorId: number, now = Date.now()): HeldFrame | undefined {
    const entry = this.held.get(sensorId);
    if (!entry || now - entry.heldAt > this.ttlMs) return undefined;
    return { frame: entry.frame, objects: entry.objects, observedAt: entry.observedAt };
  }

  forget(sensorId?: number): void {
    for (const [id, entry] of this.held) {
      if (sensorId !== undefined && id !== sensorId) continue;
      clearTimeout(entry.timer);
      this.held.delete(id);
    }
  }

  get size(): number {
    return this.held.size;
  }
}

/** The one store of this process. */
export const latestFrames = new LatestFrames();
