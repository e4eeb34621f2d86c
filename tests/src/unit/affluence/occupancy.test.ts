import { describe, expect, it } from 'vitest';
import {
  LatestFrames,
  assertFrameBytes,
  frameType,
  hashSensorKey,
  localIso,
  newSensorKey,
  occupancyLevel,
  offlineAfterSeconds,
  publicCount,
  publicCountLabel,
  sensorKeyMatches,
  shiftDay,
  trend,
} from '@vigie/api/affluence';

describe('occupancy levels', () => {
  const thresholds = { calmMax: 10, busyMax: 30 };
  it.each([
    [0, 'calme'],
    [10, 'calme'],
    [11, 'frequente'],
    [30, 'frequente'],
    [31, 'tres_frequente'],
  ])('%i people → %s', (people, level) => expect(occupancyLevel(people, thresholds)).toBe(level));
});

describe('public counts', () => {
  it('hides counts below 5', () => {
    expect(publicCount(0)).toBeNull();
    expect(publicCount(4)).toBeNull();
    expect(publicCount(4.4)).toBeNull();
    expect(publicCount(4.6)).toBe(5);
    expect(publicCount(12)).toBe(12);
    expect(publicCountLabel(3)).toBe('< 5');
    expect(publicCountLabel(5)).toBe('5');
    expect(publicCountLabel(null)).toBe('–');
  });
});

describe('trend', () => {
  it('needs a real change, and data on both sides', () => {
    expect(trend(20, 10)).toBe('hausse');
    expect(trend(5, 20)).toBe('baisse');
    expect(trend(21, 20)).toBe('stable');
    expect(trend(2, 1)).toBe('stable'); // one more person is no surge
    expect(trend(null, 10)).toBeNull();
    expect(trend(10, null)).toBeNull();
  });

  it('calls a camera offline after three intervals, two minutes at least', () => {
    expect(offlineAfterSeconds(60)).toBe(180);
    expect(offlineAfterSeconds(10)).toBe(120);
  });
});

describe('sensor keys', () => {
  it('match only their own hash', () => {
    const key = newSensorKey();
    const hash = hashSensorKey(key);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(sensorKeyMatches(hash, key)).toBe(true);
    expect(sensorKeyMatches(hash, newSensorKey())).toBe(false);
    expect(sensorKeyMatches(hash, undefined)).toBe(false);
    expect(sensorKeyMatches(hash, '')).toBe(false);
    expect(sensorKeyMatches(hash, 'x'.repeat(10_000))).toBe(false);
  });
});

describe('frame checks', () => {
  it('accepts JPEG and PNG content types only', () => {
    expect(frameType('image/jpeg')).toBe('image/jpeg');
    expect(frameType('IMAGE/PNG; charset=binary')).toBe('image/png');
    for (const type of [undefined, 'text/plain', 'image/gif', 'application/octet-stream']) {
      expect(() => frameType(type)).toThrow(expect.objectContaining({ status: 415 }));
    }
  });

  it('refuses bytes that are not what the content type says', () => {
    const jpeg = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 0]);
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a]);
    expect(() => assertFrameBytes(jpeg, 'image/jpeg')).not.toThrow();
    expect(() => assertFrameBytes(png, 'image/png')).not.toThrow();
    expect(() => assertFrameBytes(png, 'image/jpeg')).toThrow(expect.objectContaining({ status: 400, code: 'invalid_image' }));
    expect(() => assertFrameBytes(new Uint8Array(), 'image/png')).toThrow(expect.objectContaining({ status: 400 }));
    expect(() => assertFrameBytes(new Uint8Array(2 * 1024 * 1024), 'image/png')).toThrow(expect.objectContaining({ status: 413 }));
  });
});

describe('latest frames, held in memory for the preview', () => {
  it('forgets a frame after its time to live', () => {
    const frames = new LatestFrames(1000);
    const observedAt = new Date('2025-06-01T10:00:00Z'); // a polled frame carries its slot time
    const now = Date.now();
    frames.hold(1, { frame: new Uint8Array([1]), objects: [], observedAt }, now);
    expect(frames.latest(1, now + 500)?.frame).toEqual(new Uint8Array([1]));
    expect(frames.latest(1, now + 1500)).toBeUndefined();
    frames.hold(1, { frame: new Uint8Array([2]), objects: [], observedAt });
    expect(frames.size).toBe(1);
    frames.forget();
    expect(frames.size).toBe(0);
  });
});

describe('dates', () => {
  it('writes local times with their offset, summer and winter', () => {
    expect(localIso(new Date('2025-07-14T13:00:00Z'))).toBe('2025-07-14T15:00:00+02:00');
    expect(localIso(new Date('2025-01-10T23:30:00Z'))).toBe('2025-01-11T00:30:00+01:00');
  });

  it('shifts days across months', () => {
    expect(shiftDay('2025-03-03', -7)).toBe('2025-02-24');
  });
});
