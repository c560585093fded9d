import type { Logger as TemporalLogger, LogLevel as TemporalLogLevel, LogMetadata } from '@temporalio/common';
import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * Structured JSON logs (pino), one object per line, with no personal data or secrets: every value is
 * scrubbed before it is written, whoever logs it (Bindery, Fastify, the Temporal SDK):
 *   - fields whose name says what they hold (REDACTED_FIELDS: authorization headers, cookies, tokens, keys,
 *     passwords, emails, names, phone numbers) are replaced by "[redacted]", at any depth;
 *   - inside any string, emails, Slack tokens, bearer credentials and URL credentials are masked, so an
 *     error message quoting a value (a database error's detail, a URL) leaks nothing either.
 * Log lines about a workflow carry its ID (`workflowId`, and `activityId` for an activity): the SDK adds
 * them to workflow and activity logs, which reach pino through temporalLogger.
 */
export type { Logger } from 'pino';

/** Field names whose values are never logged (compared without case, `-` and `_`). */
export const REDACTED_FIELDS = [
  'authorization', 'proxyAuthorization', 'cookie', 'setCookie', 'password', 'passwd', 'secret', 'secretKey', 'token', 'accessToken',
  'refreshToken', 'scimToken', 'slackToken', 'taskToken', 'apiKey', 'codecKeys', 'privateKey', 'email', 'emails', 'notifyEmail', 'adminEmail',
  'userName', 'username', 'givenName', 'familyName', 'firstName', 'middleName', 'lastName', 'displayName', 'name', 'phoneNumbers', 'phone', 'addresses',
];
const redactedField = new Set(REDACTED_FIELDS.map((f) => f.toLowerCase()));
const normalize = (key: string) => key.toLowerCase().replace(/[-_]/g, '');

/** Masks secrets and personal data inside free text. */
const TEXT_RULES: Array<[RegExp, string]> = [
  [/\/\/[^/\s:@]+:[^/\s@]+@/g, '//[credentials]@'], // scheme://user:password@host
  [/\b(bearer|basic)\s+[^\s"',;]+/gi, '$1 [redacted]'],
  [/\bxox[a-z]-[\w-]+/gi, '[slack-token]'],
  [/[\w.+-]+@[\w-]+(\.[\w-]+)+/g, '[email]'],
];

export function scrubText(text: string): string {
  return TEXT_RULES.reduce((t, [pattern, replacement]) => t.replace(pattern, replacement), text);
}

const MAX_DEPTH = 8;

/** A copy of `value` safe to log: redacted fields, masked text, errors as plain objects. */
export function scrub(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Uint8Array) return `[${value.length} bytes]`;
  if (value instanceof Date) return value;
  if (seen.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[nested]';
  seen.add(value);
  if (value instanceof Error) {
    const e = value as Error & { code?: unknown; type?: unknown };
    return {
      type: e.name,
      message: scrubText(e.message),
      ...(e.stack ? { stack: scrubText(e.stack) } : {}),
      ...(e.code !== undefined ? { code: scrub(e.code, depth + 1, seen) } : {}),
      ...(e.type !== undefined && e.type !== e.name ? { failureType: scrub(e.type, depth + 1, seen) } : {}),
      ...(e.cause !== undefined ? { cause: scrub(e.cause, depth + 1, seen) } : {}),
    };
  }
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) out[key] = redactedField.has(normalize(key)) ? '[redacted]' : scrub(inner, depth + 1, seen);
  return out;
}

export type LogLevelName = 'trace' | 'debug' | 'info' | 'warn' | 'error';

/** BINDERY_LOG_LEVEL (TRACE…ERROR, as the Temporal SDK names them) in pino's words. */
export function pinoLevel(level: TemporalLogLevel | string): LogLevelName {
  const lower = level.toLowerCase();
  return (['trace', 'debug', 'info', 'warn', 'error'] as const).find((l) => l === lower) ?? 'info';
}

export type LoggerOptions = {
  /** The process's part: `worker`, `api`, `codec`… (the `service` field of every line). */
  service: string;
  level?: TemporalLogLevel | string;
  /** Where lines go (tests capture them); default stdout. */
  destination?: DestinationStream;
};

export function createLogger(opts: LoggerOptions): Logger {
  return pino(
    {
      level: pinoLevel(opts.level ?? 'INFO'),
      base: { service: opts.service, pid: process.pid },
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Errors are already plain objects (scrub): pino's own error serializer would flatten their causes.
      serializers: { err: (err: unknown) => err },
      hooks: {
        // Every argument of every call (children's included) is scrubbed before pino formats it.
        logMethod(args, method) {
          const [first, ...rest] = args as unknown[];
          const head = first instanceof Error ? { err: scrub(first) } : scrub(first);
          method.apply(this, [head, ...rest.map((r) => scrub(r))] as Parameters<typeof method>);
        },
      },
    },
    opts.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

/**
 * The Temporal SDK's logger (Runtime.install({ logger })) writing through pino: the SDK's own lines and
 * those of workflows and activities, with the workflow and activity IDs the SDK attaches as fields.
 */
export function temporalLogger(logger: Logger): TemporalLogger {
  const write = (level: TemporalLogLevel, message: string, meta?: LogMetadata) => {
    const fields: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(meta ?? {})) fields[k] = v; // symbol keys (the SDK's timestamp) dropped
    logger[pinoLevel(level)](fields, message);
  };
  return {
    log: write,
    trace: (m, meta) => write('TRACE', m, meta),
    debug: (m, meta) => write('DEBUG', m, meta),
    info: (m, meta) => write('INFO', m, meta),
    warn: (m, meta) => write('WARN', m, meta),
    error: (m, meta) => write('ERROR', m, meta),
  };
}
