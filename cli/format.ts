import { printable } from '../core/text';

/**
 * One value as text: dates as ISO, lists of plain values joined, other objects as JSON. Everything printed
 * comes from the directory or a target (untrusted): control characters and escape sequences are shown as
 * escapes, never sent to the terminal.
 */
function text(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v) && v.every((x) => x === null || typeof x !== 'object')) return v.length === 0 ? '(none)' : printable(v.join(', '));
  if (typeof v === 'object') return printable(JSON.stringify(v));
  return printable(String(v));
}

/** Plain-text table for humans; `--json` bypasses it. */
export function table(rows: Record<string, unknown>[], columns: string[]): string {
  if (rows.length === 0) return '(none)';
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => text(r[c]).length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(columns.map((c) => c.toUpperCase())), ...rows.map((r) => line(columns.map((c) => text(r[c]))))].join('\n');
}

/** One record as aligned "key  value" lines. */
export function record(obj: Record<string, unknown>): string {
  const keys = Object.keys(obj);
  const width = Math.max(...keys.map((k) => k.length));
  return keys.map((k) => `${k.padEnd(width)}  ${text(obj[k])}`).join('\n');
}

/** A text progress bar: `[#####-----]`, `done` of `total` filled (an empty total counts as complete). */
export function progressBar(done: number, total: number, width = 20): string {
  const share = total <= 0 ? 1 : Math.min(1, Math.max(0, done / total));
  const filled = Math.round(share * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}
