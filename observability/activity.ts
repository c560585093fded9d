import type { ActivityInterceptors, ActivityInterceptorsFactory } from '@temporalio/worker';
import { activityFailures, recordActivityOutput, resultsOf } from './metrics';

/** The failure's kind for a label: the ApplicationFailure's type (RateLimited, ScimTransient) or the error's name. */
function failureKind(err: unknown): string {
  const e = err as { type?: unknown; name?: unknown };
  return typeof e?.type === 'string' && e.type ? e.type : typeof e?.name === 'string' ? e.name : 'Error';
}

/**
 * Around every activity the worker runs: counts its results (bindery_sync_outcomes_total) and failed
 * attempts, and logs one line per completed activity through the activity's logger, which carries the
 * workflow ID, run ID, activity ID and type. The line holds results and counts only: the arguments and
 * the return value (IDs and codes) are not logged.
 */
export const activityObservability: ActivityInterceptorsFactory = (ctx): ActivityInterceptors => ({
  inbound: {
    async execute(input, next) {
      const activity = ctx.info.activityType;
      const started = performance.now();
      try {
        const output = await next(input);
        recordActivityOutput(activity, output);
        ctx.log.info('activity completed', { results: Object.fromEntries(resultsOf(output)), durationMs: Math.round(performance.now() - started) });
        return output;
      } catch (err) {
        activityFailures.inc({ activity, failure: failureKind(err) }); // the SDK logs the failure itself (WARN)
        throw err;
      }
    },
  },
});
