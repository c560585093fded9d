/** GET list semantics shared by resources: pagination, ListResponse shape, the user and group filters. */
import { filter } from 'scim2-parse-filter';
import { LIMITS, SCHEMAS } from '../targets/slack/facts';
import { SlackError } from './errors';
import { parseFilterParam } from './filter';
import type { StoredGroup } from './groups';
import { emailsOf } from './store';
import type { StoredUser } from './users';

export interface Page {
  startIndex: number;
  count: number;
}

function intParam(raw: unknown, fallback: number): number {
  const n = typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  return Number.isSafeInteger(n) ? n : fallback;
}

/** startIndex is 1-based (below 1 reads as 1); count defaults to 10 and is capped at 1000 [spec §5]. */
export function parsePage(query: { startIndex?: unknown; count?: unknown }): Page {
  return {
    startIndex: Math.max(1, intParam(query.startIndex, 1)),
    count: Math.min(LIMITS.pageSizeMax, Math.max(0, intParam(query.count, LIMITS.pageSizeDefault))),
  };
}

export function listResponse<T>(all: T[], page: Page, render: (item: T) => unknown) {
  const items = all.slice(page.startIndex - 1, page.startIndex - 1 + page.count);
  return {
    schemas: [SCHEMAS.listResponse],
    totalResults: all.length,
    itemsPerPage: items.length,
    startIndex: page.startIndex,
    Resources: items.map(render),
  };
}

/** Filterable attribute (lowercased as written) → path in the projection below. */
const USER_FILTER_ATTRS: Record<string, string> = {
  username: 'userName',
  emails: 'emails.value',
  'emails.value': 'emails.value',
};

/**
 * The `filter` parameter as a single `<attr> eq "<string>"`: the attribute as written and the value.
 * Syntax errors carry Slack's filter codes (filter.ts); a readable filter the emulator does not
 * support (other operators, and/or, value paths, non-string values) is invalid_query.
 */
function parseEqFilter(raw: unknown): { attr: string; value: string } {
  const ast = parseFilterParam(raw);
  if (ast.op !== 'eq' || typeof ast.compValue !== 'string') throw new SlackError('invalid_query', { message: 'only a single eq on a string is supported' });
  return { attr: ast.attrPath, value: ast.compValue };
}

/**
 * Slack v2 filters only on `userName eq` and `emails eq` [spec §5]; anything else is refused.
 * Attribute names and values compare case-insensitively, so both sides are lowercased.
 */
export function compileUserFilter(raw: unknown): (user: StoredUser) => boolean {
  const { attr, value } = parseEqFilter(raw);
  const attrPath = USER_FILTER_ATTRS[attr.toLowerCase()];
  if (!attrPath) throw new SlackError('invalid_query', { message: `cannot filter on ${attr}` });
  const test = filter({ op: 'eq', attrPath, compValue: value.toLowerCase() });
  return (u) => test({
    userName: u.userName.toLowerCase(),
    emails: emailsOf(u).map((e) => ({ value: e.toLowerCase() })),
  });
}

/** Groups filter only on `displayName eq "…"`, case-insensitively (attribute and value); anything else is refused. */
export function compileGroupFilter(raw: unknown): (group: StoredGroup) => boolean {
  const { attr, value } = parseEqFilter(raw);
  if (attr.toLowerCase() !== 'displayname') throw new SlackError('invalid_query', { message: `cannot filter on ${attr}` });
  const wanted = value.toLowerCase();
  return (g) => g.displayName.toLowerCase() === wanted;
}
