import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * A sensor's secret for pushing frames. Only its SHA-256 is stored; the key itself is shown once, at
 * creation or rotation. 192 random bits: no need for a slow hash, and a fast one keeps ingestion cheap.
 */
export function newSensorKey(): string {
  return `vgs_${randomBytes(24).toString('base64url')}`;
}

export function hashSensorKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Constant-time comparison of a presented key with the stored hash. */
export function sensorKeyMatches(keyHash: string, presented: string | undefined): boolean {
  if (!presented || presented.length > 200) return false;
  const expected = Buffer.from(keyHash, 'hex');
  const actual = createHash('sha256').update(presented, 'utf8').digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
