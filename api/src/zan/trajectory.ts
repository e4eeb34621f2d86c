/**
 * The ZAN trajectory of the loi Climat et Résilience (2021): NAF land consumed over 2021–2030 (ten calendar
 * years) may be at most half of the reference decade 2011–2020 (or a custom reduction set by the SRADDET /
 * SCoT), with a guaranteed 1 ha per commune covered by a planning document (loi du 20 juillet 2023).
 * Pure arithmetic, in hectares and calendar years.
 */
import type { Trajectory } from '../contract';

export type { Trajectory };
export const PERIOD_START = 2021;
export const PERIOD_YEARS = 10;
export const PERIOD_END = PERIOD_START + PERIOD_YEARS - 1; // 2030, last year of "2021–2031"
export const GUARANTEE_HA = 1;
export const DEFAULT_REDUCTION_PCT = 50;

export interface TrajectoryInput {
  /** NAF consumption 2011–2020, ha */
  referenceHa: number;
  /** reduction of the 2021–2030 envelope against the reference, % (50 by default) */
  targetReductionPct?: number;
  /** the 1 ha "garantie communale" */
  guarantee?: boolean;
  /** NAF land consumed since 1 January 2021, ha */
  consumedHa: number;
  /** consumption is known up to 1 January of this year (e.g. the latest vintage's year) */
  asOfYear: number;
}

const EPSILON_HA = 1e-9;

export function trajectory(input: TrajectoryInput): Trajectory {
  const targetReductionPct = input.targetReductionPct ?? DEFAULT_REDUCTION_PCT;
  const guarantee = input.guarantee ?? false;
  if (!(input.referenceHa >= 0) || !(input.consumedHa >= 0)) throw new RangeError('surfaces négatives ou non numériques');
  if (!(targetReductionPct >= 0 && targetReductionPct <= 100)) throw new RangeError('réduction hors de 0–100 %');
  const envelope = input.referenceHa * (1 - targetReductionPct / 100);
  const guaranteeApplied = guarantee && envelope < GUARANTEE_HA;
  const budgetHa = guaranteeApplied ? GUARANTEE_HA : envelope;
  const consumedHa = input.consumedHa;
  const remainingHa = budgetHa - consumedHa;
  const yearsElapsed = Math.max(0, Math.min(PERIOD_YEARS, input.asOfYear - PERIOD_START));
  const paceHaPerYear = yearsElapsed > 0 ? consumedHa / yearsElapsed : null;
  const projectedHa = paceHaPerYear === null ? null : paceHaPerYear * PERIOD_YEARS;
  return {
    referenceHa: input.referenceHa,
    targetReductionPct,
    guarantee,
    budgetHa,
    guaranteeApplied,
    consumedHa,
    remainingHa,
    consumedPct: budgetHa > 0 ? (consumedHa / budgetHa) * 100 : null,
    asOfYear: input.asOfYear,
    yearsElapsed,
    paceHaPerYear,
    projectedHa,
    exhaustionYear: exhaustionYear(budgetHa, paceHaPerYear),
    overshoot: consumedHa > budgetHa + EPSILON_HA || (projectedHa !== null && projectedHa > budgetHa + EPSILON_HA),
  };
}

/**
 * Consumption reaches the envelope at t = 2021 + budget / pace (t in years from 1 January 2021): the
 * budget runs out during calendar year ceil(t) − 1. A zero envelope is gone from the start (2021).
 */
export function exhaustionYear(budgetHa: number, paceHaPerYear: number | null): number | null {
  if (budgetHa <= EPSILON_HA) return PERIOD_START;
  if (paceHaPerYear === null || paceHaPerYear <= 0) return null;
  const t = PERIOD_START + budgetHa / paceHaPerYear;
  return Math.max(PERIOD_START, Math.ceil(t - 1e-9) - 1);
}

/**
 * The territory's trajectory: envelopes add up commune by commune (each with its own guarantee), and so
 * does consumption; pace and exhaustion follow from the sums.
 */
export function territoryTrajectory(communes: readonly Trajectory[], asOfYear: number): Trajectory | null {
  if (communes.length === 0) return null;
  const sum = (f: (t: Trajectory) => number) => communes.reduce((s, t) => s + f(t), 0);
  const referenceHa = sum((t) => t.referenceHa);
  const budgetHa = sum((t) => t.budgetHa);
  const consumedHa = sum((t) => t.consumedHa);
  const yearsElapsed = Math.max(0, Math.min(PERIOD_YEARS, asOfYear - PERIOD_START));
  const paceHaPerYear = yearsElapsed > 0 ? consumedHa / yearsElapsed : null;
  const projectedHa = paceHaPerYear === null ? null : paceHaPerYear * PERIOD_YEARS;
  return {
    referenceHa,
    targetReductionPct: referenceHa > 0 ? (1 - sum((t) => t.referenceHa * (1 - t.targetReductionPct / 100)) / referenceHa) * 100 : DEFAULT_REDUCTION_PCT,
    guarantee: communes.some((t) => t.guarantee),
    budgetHa,
    guaranteeApplied: communes.some((t) => t.guaranteeApplied),
    consumedHa,
    remainingHa: budgetHa - consumedHa,
    consumedPct: budgetHa > 0 ? (consumedHa / budgetHa) * 100 : null,
    asOfYear,
    yearsElapsed,
    paceHaPerYear,
    projectedHa,
    exhaustionYear: exhaustionYear(budgetHa, paceHaPerYear),
    overshoot: consumedHa > budgetHa + EPSILON_HA || (projectedHa !== null && projectedHa > budgetHa + EPSILON_HA),
  };
}
