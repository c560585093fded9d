/**
 * Times an admin types: ISO 8601 (a date, or a date and time with an offset) or a time relative to now —
 * a number and a unit (`30s`, `15m`, `2h`, `7d`, `2w`, optionally `ago`) — or `now`, `today`, `yesterday`.
 */
const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export const TIME_FORMS = 'an ISO 8601 date or time (2026-12-01, 2026-12-01T09:30:00Z) or a time ago: 30s, 15m, 2h, 7d, 2w, today, yesterday';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;

/** The time `text` names, or undefined when it is none of the accepted forms. Dates are UTC midnights. */
export function parseTime(text: string, now: Date = new Date()): Date | undefined {
  const t = text.trim().toLowerCase();
  if (t === 'now') return now;
  if (t === 'today' || t === 'yesterday') {
    const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
    return new Date(t === 'today' ? midnight : midnight - UNITS.d!);
  }
  const relative = /^(\d+(?:\.\d+)?)\s*([smhdw])(?:\s+ago)?$/.exec(t);
  if (relative) return new Date(now.getTime() - Number(relative[1]) * UNITS[relative[2]!]!);
  if (ISO_DATE.test(t) || ISO_TIME.test(t)) {
    const at = new Date(ISO_DATE.test(t) ? `${t}T00:00:00Z` : text.trim());
    return Number.isNaN(at.getTime()) ? undefined : at;
  }
  return undefined;
}
