import { describe, expect, it } from 'vitest';
import { exhaustionYear, territoryTrajectory, trajectory } from '@vigie/api/zan';

describe('ZAN trajectory arithmetic (hand-worked)', () => {
  it('halves the reference and projects the pace: 10 ha reference, 1.8 ha consumed by 2024', () => {
    const t = trajectory({ referenceHa: 10, consumedHa: 1.8, asOfYear: 2024 });
    // budget 10 × 50 % = 5 ha; 3 years elapsed → 0.6 ha/an; 5 / 0.6 = 8.33 years → runs out during 2029
    expect(t.budgetHa).toBe(5);
    expect(t.remainingHa).toBeCloseTo(3.2, 10);
    expect(t.yearsElapsed).toBe(3);
    expect(t.paceHaPerYear).toBeCloseTo(0.6, 10);
    expect(t.projectedHa).toBeCloseTo(6, 10);
    expect(t.exhaustionYear).toBe(2029);
    expect(t.overshoot).toBe(true);
    expect(t.consumedPct).toBeCloseTo(36, 10);
    expect(t.guaranteeApplied).toBe(false);
  });

  it('applies a custom reduction: −30 % of 8 ha leaves 5.6 ha, 1.2 ha by 2024 stays within it', () => {
    const t = trajectory({ referenceHa: 8, targetReductionPct: 30, consumedHa: 1.2, asOfYear: 2024 });
    expect(t.budgetHa).toBeCloseTo(5.6, 10);
    expect(t.paceHaPerYear).toBeCloseTo(0.4, 10);
    expect(t.projectedHa).toBeCloseTo(4, 10);
    // 5.6 / 0.4 = 14 years → 2035, after the period
    expect(t.exhaustionYear).toBe(2034);
    expect(t.overshoot).toBe(false);
  });

  it('raises a small envelope to the 1 ha guarantee: 1.2 ha reference → 1 ha, not 0.6 ha', () => {
    const t = trajectory({ referenceHa: 1.2, guarantee: true, consumedHa: 0.3, asOfYear: 2024 });
    expect(t.budgetHa).toBe(1);
    expect(t.guaranteeApplied).toBe(true);
    expect(t.remainingHa).toBeCloseTo(0.7, 10);
    // 0.1 ha/an → exactly 1 ha at the end of 2030: runs out during 2030, no overshoot
    expect(t.paceHaPerYear).toBeCloseTo(0.1, 10);
    expect(t.exhaustionYear).toBe(2030);
    expect(t.overshoot).toBe(false);
    // without the guarantee the same commune overshoots its 0.6 ha
    expect(trajectory({ referenceHa: 1.2, guarantee: false, consumedHa: 0.3, asOfYear: 2024 }).overshoot).toBe(true);
  });

  it('keeps a larger envelope when the guarantee is below it: 4 ha reference → 2 ha', () => {
    const t = trajectory({ referenceHa: 4, guarantee: true, consumedHa: 0, asOfYear: 2024 });
    expect(t.budgetHa).toBe(2);
    expect(t.guaranteeApplied).toBe(false);
    expect(t.paceHaPerYear).toBe(0);
    expect(t.exhaustionYear).toBeNull();
    expect(t.overshoot).toBe(false);
  });

  it('handles a commune with zero reference consumption', () => {
    const none = trajectory({ referenceHa: 0, consumedHa: 0, asOfYear: 2024 });
    expect(none.budgetHa).toBe(0);
    expect(none.remainingHa).toBe(0);
    expect(none.consumedPct).toBeNull();
    expect(none.exhaustionYear).toBe(2021);
    expect(none.overshoot).toBe(false);
    const consuming = trajectory({ referenceHa: 0, consumedHa: 0.05, asOfYear: 2024 });
    expect(consuming.remainingHa).toBeCloseTo(-0.05, 10);
    expect(consuming.overshoot).toBe(true);
    const guaranteed = trajectory({ referenceHa: 0, guarantee: true, consumedHa: 0.05, asOfYear: 2024 });
    expect(guaranteed.budgetHa).toBe(1);
    expect(guaranteed.overshoot).toBe(false);
  });

  it('has no pace before a full year of the period has elapsed', () => {
    const t = trajectory({ referenceHa: 10, consumedHa: 0.5, asOfYear: 2021 });
    expect(t.paceHaPerYear).toBeNull();
    expect(t.projectedHa).toBeNull();
    expect(t.exhaustionYear).toBeNull();
    expect(t.overshoot).toBe(false);
  });

  it('computes the year a budget runs out at calendar-year boundaries', () => {
    expect(exhaustionYear(5, 1)).toBe(2025); // 5 years from 1 Jan 2021: the end of 2025
    expect(exhaustionYear(5.5, 1)).toBe(2026);
    expect(exhaustionYear(0, 1)).toBe(2021);
  });

  it('sums the territory commune by commune, each with its own guarantee', () => {
    const a = trajectory({ referenceHa: 10, consumedHa: 1.8, asOfYear: 2024 });
    const b = trajectory({ referenceHa: 1.2, guarantee: true, consumedHa: 0.3, asOfYear: 2024 });
    const t = territoryTrajectory([a, b], 2024)!;
    expect(t.budgetHa).toBe(6);
    expect(t.consumedHa).toBeCloseTo(2.1, 10);
    expect(t.paceHaPerYear).toBeCloseTo(0.7, 10);
    expect(t.projectedHa).toBeCloseTo(7, 10);
    expect(t.overshoot).toBe(true);
    // 6 / 0.7 = 8.57 years → during 2029
    expect(t.exhaustionYear).toBe(2029);
    expect(territoryTrajectory([], 2024)).toBeNull();
  });

  it('refuses impossible inputs', () => {
    expect(() => trajectory({ referenceHa: -1, consumedHa: 0, asOfYear: 2024 })).toThrow(RangeError);
    expect(() => trajectory({ referenceHa: 1, targetReductionPct: 120, consumedHa: 0, asOfYear: 2024 })).toThrow(RangeError);
  });
});
