/** A full reconciliation (S2), its plan (S3), or the application of a plan: the modes and what a run counts. */
export type RunMode = 'resync' | 'plan' | 'apply';

export type RunCounts = {
  read: { users: number; groups: number };
  /** Objects by what their plan does (`created`, `updated`, `deactivated`, `unchanged`, `group_updated`, …). */
  planned: Record<string, number>;
  applied: Record<string, number>;
  /** Accounts in the target that no directory user matches: reported, never touched. */
  unknown: number;
  /** Deactivations the circuit breaker would hold (plan) or held (apply). */
  held: number;
};

export const emptyCounts = (): RunCounts => ({ read: { users: 0, groups: 0 }, planned: {}, applied: {}, unknown: 0, held: 0 });
