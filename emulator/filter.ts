/**
 * Reads SCIM filter expressions the way Slack reports problems with them [spec §5], on top of
 * scim2-parse-filter's tokenizer and parser: what a filter means is decided by the callers (list.ts,
 * groups.ts); here only whether it reads, and which of Slack's codes a bad one gets.
 */
import type { Filter } from 'scim2-parse-filter';
// The package's entry point only offers parse(); its tokenizer and parser tell where reading stopped.
import { Tokens, parseFilter, tokenizer, type Token } from 'scim2-parse-filter/lib/src/parser';
import type { SlackErrorCode } from '../targets/slack/facts';
import { SlackError } from './errors';

type FilterCode = Extract<SlackErrorCode, 'no_filters' | 'incomplete_filter' | 'invalid_filter_group' | 'invalid_query'>;

function fail(code: FilterCode, message: string): never {
  throw new SlackError(code, { message });
}

/** A quoted string literal, escapes included, as scim2-parse-filter reads it. */
const QUOTED = /"(?:[^"\\]|\\.)*"/g;

function tokenize(expression: string): Token[] {
  try {
    return tokenizer(expression);
  } catch {
    fail('invalid_query', 'unreadable filter');
  }
}

const CLOSES: Record<string, string> = { ')': '(', ']': '[', '].': '[' };

/** Parentheses and value-path brackets must pair up, and none may be empty. */
function checkGroups(tokens: Token[]): void {
  const open: string[] = [];
  let previous: Token | undefined;
  for (const t of tokens) {
    if (t.type === 'Bracket') {
      const opener = CLOSES[t.literal];
      if (opener === undefined) open.push(t.literal);
      else if (open.pop() !== opener || previous?.literal === opener) fail('invalid_filter_group', 'unbalanced or empty group');
    }
    previous = t;
  }
  if (open.length > 0) fail('invalid_filter_group', 'unclosed group');
}

/** Parses the tokens; a filter that stops before it is complete is incomplete_filter, any other failure invalid_query. */
function parseTokens(tokens: Token[]): Filter {
  const list = new Tokens(tokens);
  let ast: Filter;
  try {
    ast = parseFilter(list);
  } catch {
    // The parser read past the last token (EOT): the expression ended too early.
    fail(list.i >= tokens.length ? 'incomplete_filter' : 'invalid_query', 'unreadable filter');
  }
  if (list.peek().type !== 'EOT') fail('invalid_query', 'unexpected text after the filter');
  return ast;
}

/**
 * The `filter` query parameter → its syntax tree. Absent is the caller's business; not one string →
 * invalid_query; empty → no_filters; anything but single spaces between terms → incomplete_filter.
 */
export function parseFilterParam(raw: unknown): Filter {
  if (typeof raw !== 'string') fail('invalid_query', 'filter must be given once');
  if (raw.trim() === '') fail('no_filters', 'empty filter');
  const outsideStrings = raw.replace(QUOTED, '""');
  if (/^\s|\s$|\s\s|[^\S ]/.test(outsideStrings)) fail('incomplete_filter', 'terms must be separated by single spaces');
  const tokens = tokenize(raw);
  checkGroups(tokens);
  return parseTokens(tokens);
}

const COMPARISONS = new Set(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'lt', 'ge', 'le']);
const JSON_LITERALS = new Set(['true', 'false', 'null']);

/** A bare value after `<attr> <op>`: a word (not true/false/null) or a number. */
function isBareValue(tokens: Token[], i: number): boolean {
  const [attr, op, value] = [tokens[i - 2], tokens[i - 1], tokens[i]!];
  if (attr?.type !== 'Word' || op?.type !== 'Word' || !COMPARISONS.has(op.literal.toLowerCase())) return false;
  return value.type === 'Number' || (value.type === 'Word' && !JSON_LITERALS.has(value.literal));
}

/**
 * A PATCH path with a value filter (`members[value eq "U123"]`) → its syntax tree. Slack also
 * documents unquoted values (`members[value eq U123]`): a bare word or number after a comparison
 * operator is read as a string. Failures throw the filter codes; a PATCH caller reports its own.
 */
export function parseValuePath(path: string): Filter {
  const tokens = tokenize(path).map((t, i, all): Token => (isBareValue(all, i) ? { type: 'Quoted', literal: JSON.stringify(t.literal) } : t));
  checkGroups(tokens);
  return parseTokens(tokens);
}
