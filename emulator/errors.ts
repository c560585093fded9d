/** Slack-shaped SCIM errors: thrown anywhere in the emulator, turned into a response by the server. */
import { SCHEMAS, SLACK_ERRORS, type SlackErrorCode } from '../targets/slack/facts';

export class SlackError extends Error {
  readonly status: number;
  readonly retryAfterSec: number | undefined;

  constructor(
    readonly code: SlackErrorCode,
    opts: { status?: number; retryAfterSec?: number; message?: string } = {},
  ) {
    super(opts.message ?? code);
    // Injected faults may answer any status with a known code, so the status can be overridden.
    this.status = opts.status ?? SLACK_ERRORS[code].status;
    this.retryAfterSec = opts.retryAfterSec;
  }
}

/** v2 error body, plus the v1-style `Errors` object real v2 responses also carry [spec §6]. */
export function errorBody(code: string, status: number) {
  return {
    schemas: [SCHEMAS.error],
    detail: code,
    status,
    Errors: { description: code, code: status },
  };
}
