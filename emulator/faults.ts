/** Injected faults for tests: random error answers and added latency on SCIM requests. */
import { z } from 'zod';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

export const faultSchema = z.strictObject({
  errorRate: z.number().min(0).max(1).default(0),
  status: z.number().int().min(400).max(599).default(500),
  latencyMs: z.number().int().min(0).max(60_000).default(0),
  /** Methods the faults apply to; all when absent. */
  methods: z.array(z.string().transform((m) => m.toUpperCase()).pipe(z.enum(METHODS))).min(1).optional(),
});

export type FaultSetting = z.output<typeof faultSchema>;

export class Faults {
  private setting: FaultSetting | undefined;

  constructor(private readonly random: () => number = Math.random) {}

  /** errorRate 0 and latency 0 clear the faults. */
  set(setting: FaultSetting): void {
    this.setting = setting.errorRate === 0 && setting.latencyMs === 0 ? undefined : setting;
  }

  clear(): void {
    this.setting = undefined;
  }

  get current(): FaultSetting | undefined {
    return this.setting;
  }

  private applies(method: string): FaultSetting | undefined {
    const s = this.setting;
    return s && (!s.methods || s.methods.includes(method.toUpperCase() as (typeof METHODS)[number])) ? s : undefined;
  }

  latencyMs(method: string): number {
    return this.applies(method)?.latencyMs ?? 0;
  }

  /** The status to fail this request with, or undefined to let it through. */
  failureStatus(method: string): number | undefined {
    const s = this.applies(method);
    return s && s.errorRate > 0 && this.random() < s.errorRate ? s.status : undefined;
  }
}
