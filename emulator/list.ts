/** GET list semantics shared by resources: pagination, ListResponse shape, the user and group filters. */
import { parse, filter, type Filter } from 'scim2-parse-filter';
import { LIMITS, SCHEMAS } from '../core/slack';
import { SlackError } from './errors';
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

/** A single `<attr> eq "<string>"` filter: the attribute as written and the value, else invalid_filter. */
function parseEqFilter(expression: string): { attr: string; value: string } {
  let ast: Filter;
  try {
    ast = parse(expression);
  } catch {
    throw new SlackError('invalid_filter');
  }
  if (ast.op !== 'eq' || typeof ast.compValue !== 'string') throw new SlackError('invalid_filter');
  return { attr: ast.attrPath, value: ast.compValue };
}

/**
 * Slack v2 filters only on `userName eq` and `emails eq` [spec §5]; anything else is refused.
 * Attribute names and values compare case-insensitively, so both sides are lowercased.
 */
export function compileUserFilter(expression: string): (user: StoredUser) => boolean {
  const { attr, value } = parseEqFilter(expression);
  const attrPath = USER_FILTER_ATTRS[attr.toLowerCase()];
  if (!attrPath) throw new SlackError('invalid_filter');
  const test = filter({ op: 'eq', attrPath, compValue: value.toLowerCase() });
  return (u) => test({
    userName: u.userName.toLowerCase(),
    emails: emailsOf(u).map((e) => ({ value: e.toLowerCase() })),
  });
}

/** Groups filter only on `displayName eq "…"`, case-insensitively (attribute and value); anything else is refused. */
export function compileGroupFilter(expression: string): (group: StoredGroup) => boolean {
  const { attr, value } = parseEqFilter(expression);
  if (attr.toLowerCase() !== 'displayname') throw new SlackError('invalid_filter');
  const wanted = value.toLowerCase();
  return (g) => g.displayName.toLowerCase() === wanted;
}
