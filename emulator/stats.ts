/** Request counts by endpoint key (e.g. `GET /Users/:id`) and status, for tests and benchmarks. */
interface Counts {
  total: number;
  byStatus: Record<string, number>;
  /** Epoch milliseconds of the first and last request: the window a benchmark's rate is measured over. */
  firstAt?: number;
  lastAt?: number;
}

export class Stats {
  private totals: Counts = { total: 0, byStatus: {} };
  private endpoints: Record<string, Counts> = {};

  record(endpoint: string, status: number): void {
    const counts = (this.endpoints[endpoint] ??= { total: 0, byStatus: {} });
    const now = Date.now();
    for (const c of [counts, this.totals]) {
      c.firstAt ??= now;
      c.lastAt = now;
      c.total += 1;
      c.byStatus[status] = (c.byStatus[status] ?? 0) + 1;
    }
  }

  reset(): void {
    this.totals = { total: 0, byStatus: {} };
    this.endpoints = {};
  }

  snapshot(): { totals: Counts; endpoints: Record<string, Counts> } {
    return structuredClone({ totals: this.totals, endpoints: this.endpoints });
  }
}
