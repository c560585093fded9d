import { DirectoryUserFields } from './directory';
import { USER_MAPPING, isBlank, type MappingRow } from './mapping';
import type { ScimUser } from './scim-user';
import { parseSegment, parseSelector, splitPath } from './scim-path';

/**
 * Importing the target's users into the directory (M1–M3), as pure rules: which of the target's users are
 * new and which the directory already has, the directory user a target record becomes (the mapping table,
 * core/mapping.ts, read backwards), and why an import refuses a user and how to fix it. The engine reads the
 * target and writes the directory; every decision is made here.
 */

/** Up to this many selected users, an import's result comes back at once; more run in the background, and the admin is emailed (M2). */
export const INLINE_IMPORT_LIMIT = 100;

/** `import/<connectorId>/<importId>`: the import's workflow, findable by ID in the Temporal UI. */
export function importWorkflowId(connectorId: string, importId: string): string {
  return `import/${connectorId}/${importId}`;
}

// ---- the mapping table read backwards ----

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The value at a mapping row's SCIM path in a target's record: `a[].b` reads a list (one value per element),
 * `a[k=v].b` the element the selector names. Targets do not echo every attribute a selector names (Slack
 * drops an email's `type`): an element matches when nothing it carries disagrees; failing that, the primary
 * element, else the first.
 */
export function readScimPath(source: unknown, path: string): unknown {
  const walk = (cur: unknown, segments: readonly Segment[]): unknown => {
    const [head, ...rest] = segments;
    if (head === undefined) return cur;
    const next = isObj(cur) ? cur[head.name] : undefined;
    if (head.selector === undefined) return walk(next, rest);
    const list = Array.isArray(next) ? next.filter(isObj) : [];
    if (head.selector === 'each') return list.map((element) => walk(element, rest));
    const wanted = head.selector;
    const element = list.find((e) => wanted.every(([k, v]) => e[k] === undefined || e[k] === null || e[k] === v)) ?? list.find((e) => e.primary === true) ?? list[0];
    return walk(element, rest);
  };
  return walk(source, segmentsOf(path));
}

type Segment = { name: string; selector?: 'each' | Array<[string, unknown]> };
const parsedPaths = new Map<string, Segment[]>();

/** A path's segments, parsed once (every record of an import reads the same paths). */
function segmentsOf(path: string): Segment[] {
  let segments = parsedPaths.get(path);
  if (!segments) {
    segments = splitPath(path).map((segment) => {
      const { name, selector } = parseSegment(segment);
      return { name, ...(selector === undefined ? {} : { selector: selector === '' ? ('each' as const) : Object.entries(parseSelector(selector)) }) };
    });
    parsedPaths.set(path, segments);
  }
  return segments;
}

const DIRECTORY_FIELDS = new Set(Object.keys(DirectoryUserFields.shape));

/** Where a row's value lands in the directory: a field (`firstName`) or a field of each list element (`addresses[].type`). */
export function directoryTarget(row: MappingRow): { field: string; element?: string } | undefined {
  const m = /^(\w+)(?:\[\]\.(\w+))?$/.exec(row.directory);
  if (!m || !DIRECTORY_FIELDS.has(m[1]!)) return undefined;
  return { field: m[1]!, element: m[2] };
}

/** Rows whose directory side is computed from several fields: the directory fields a target value sets. */
const COMPUTED_INVERSES: Record<string, (value: unknown) => Obj> = {
  // `active` is !suspended && !passwordExpired: an inactive account comes in suspended (its password is the target's business).
  active: (value) => ({ suspended: value === false }),
};

/** How each row of the table is read back, for the record and the tests: into a field, computed, or not at all (and why). */
export function readBackOf(row: MappingRow): { kind: 'field'; field: string; element?: string } | { kind: 'computed' } | { kind: 'skipped'; why: string } {
  if (row.sync === 'never') return { kind: 'skipped', why: 'never sent, so the target has nothing to read back' };
  if (COMPUTED_INVERSES[row.scim]) return { kind: 'computed' };
  const target = directoryTarget(row);
  if (target) return { kind: 'field', ...target };
  return { kind: 'skipped', why: `${row.directory} is not a directory attribute an import can set (the directory makes its own IDs; targets never return passwords)` };
}

/** A list element worth keeping: it carries a value, not only a type or a primary flag (Slack fills unset lists with nulls). */
const FLAGS_ONLY = new Set(['type', 'primary']);
const significant = (element: Obj) => Object.keys(element).some((k) => !FLAGS_ONLY.has(k));

const scalar = (value: unknown): unknown => (typeof value === 'boolean' ? value : String(value));

const readBacks = new WeakMap<ScimUser, Obj>();

/** The directory attributes a record carries, read back through the mapping table, before validation (once per record). */
export function readBack(record: ScimUser): Obj {
  let input = readBacks.get(record);
  if (!input) {
    input = Object.freeze(readBackOnce(record));
    readBacks.set(record, input);
  }
  return input;
}

function readBackOnce(record: ScimUser): Obj {
  const input: Obj = {};
  const lists: Record<string, Obj[]> = {};
  for (const row of USER_MAPPING) {
    const how = readBackOf(row);
    if (how.kind === 'skipped') continue;
    const value = readScimPath(record, row.scim);
    if (how.kind === 'computed') {
      Object.assign(input, COMPUTED_INVERSES[row.scim]!(value));
      continue;
    }
    if (how.element === undefined) {
      if (!isBlank(value)) input[how.field] = scalar(value);
      continue;
    }
    const values = Array.isArray(value) ? value : [];
    const list = (lists[how.field] ??= []);
    values.forEach((v, i) => {
      if (!isBlank(v)) (list[i] ??= {})[how.element!] = scalar(v);
    });
  }
  for (const [field, list] of Object.entries(lists)) {
    const kept = list.filter((e) => e !== undefined && significant(e));
    if (kept.length > 0) input[field] = kept;
  }
  return input;
}

export type FieldProblem = { field: string; message: string };

/**
 * The directory user a target's record becomes: the mapping table read backwards (username, names, email,
 * title, phones, address, employee number, department, company; inactive → suspended), plus what only the
 * target knows how to read (`guest`, from the target's guest marker). Validated as the API validates a new
 * user: a record the directory cannot hold is refused with its problems.
 */
export function directoryUserFromScim(record: ScimUser, extra: { guest?: boolean } = {}): { ok: true; user: DirectoryUserFields } | { ok: false; problems: FieldProblem[] } {
  const parsed = DirectoryUserFields.safeParse({ ...readBack(record), ...(extra.guest ? { guest: true } : {}) });
  if (parsed.success) return { ok: true, user: parsed.data };
  return { ok: false, problems: parsed.error.issues.map((i) => ({ field: i.path.join('.') || '(record)', message: i.message })) };
}

/** The username and email an import of this record would create: what the directory is searched by. */
export function importKeys(record: ScimUser): { username: string; email?: string } {
  const input = readBack(record);
  const email = typeof input.email === 'string' ? input.email : undefined;
  return { username: typeof input.username === 'string' ? input.username : record.userName, ...(email ? { email } : {}) };
}

// ---- new or imported ----

/** A directory user holding a record's username or email; or the user the same import makes from another account. */
export type DirectoryHolder = { id: string; username: string; deleted: boolean; fromRemoteId?: string };

/** What the directory holds for one of the target's users on one connector. */
export type ImportFacts = {
  /** The directory user linked to this account on this connector. */
  linkedUserId?: string;
  /** The directory user with this username, ignoring case; deleted users too (they keep their username). */
  usernameHolder?: DirectoryHolder;
  /** A live directory user with this email, ignoring case. */
  emailHolder?: DirectoryHolder;
};

/** How the directory already has the account: linked to it, or a user with its username and/or email. */
export type ImportMatch = 'linked' | 'same_user' | 'username' | 'email';
export type Classification = { status: 'new' } | { status: 'imported'; match: ImportMatch; userId: string };

/**
 * M1: a target's user is `imported` when the directory has them — linked to the account, or a directory user
 * holds its username or email — else `new`.
 */
export function classify(facts: ImportFacts): Classification {
  if (facts.linkedUserId) return { status: 'imported', match: 'linked', userId: facts.linkedUserId };
  const byName = facts.usernameHolder;
  const byEmail = facts.emailHolder;
  if (byName && byEmail && byName.id === byEmail.id) return { status: 'imported', match: 'same_user', userId: byName.id };
  if (byName) return { status: 'imported', match: 'username', userId: byName.id };
  if (byEmail) return { status: 'imported', match: 'email', userId: byEmail.id };
  return { status: 'new' };
}

// ---- the list (M1) ----

/** One of the target's users as the import list shows it. */
export type Candidate = {
  remoteId: string;
  userName: string;
  displayName: string;
  name: string;
  email: string;
  active: boolean;
  status: 'new' | 'imported';
  match?: ImportMatch;
  userId?: string;
  /** Imported when selected with the default options: new and active. */
  importable: boolean;
};

export function toCandidate(record: ScimUser, facts: ImportFacts): Candidate {
  const input = readBack(record);
  const c = classify(facts);
  const text = (k: string) => (typeof input[k] === 'string' ? (input[k] as string) : '');
  const active = record.active !== false;
  return {
    remoteId: record.id,
    userName: record.userName,
    displayName: text('displayName'),
    name: [text('firstName'), text('middleName'), text('lastName')].filter(Boolean).join(' '),
    email: text('email'),
    active,
    status: c.status,
    ...(c.status === 'imported' ? { match: c.match, userId: c.userId } : {}),
    importable: c.status === 'new' && active,
  };
}

/**
 * The list's order and keyset cursor: new and active first, then new but deactivated (not importable by
 * default), then imported; by username within each, the ID breaking ties.
 */
export function candidateKey(c: Pick<Candidate, 'status' | 'active' | 'userName' | 'remoteId'>): string {
  const rank = c.status === 'imported' ? 2 : c.active ? 0 : 1;
  return `${rank}:${c.userName.toLowerCase()}:${c.remoteId}`;
}

/** A search by name or email: every word appears, ignoring case, in the username, display name, name or email. */
export function matchesSearch(c: Candidate, search: string): boolean {
  const hay = [c.userName, c.displayName, c.name, c.email].join('\n').toLowerCase();
  return search
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((word) => hay.includes(word));
}

export type CandidateQuery = { newOnly?: boolean; search?: string; after?: string; limit: number };

/** One page of the list: filtered, in candidateKey order, after the cursor; `next` when more follow. */
export function candidatePage(all: readonly Candidate[], q: CandidateQuery): { items: Candidate[]; next?: string } {
  const keyed = all
    .filter((c) => (!q.newOnly || c.status === 'new') && (!q.search || matchesSearch(c, q.search)))
    .map((c) => [candidateKey(c), c] as const)
    .filter(([key]) => q.after === undefined || key > q.after)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const items = keyed.slice(0, q.limit).map(([, c]) => c);
  return keyed.length > q.limit ? { items, next: keyed[q.limit - 1]![0] } : { items };
}

/** How many of the target's users are new, imported, and deactivated. */
export function candidateCounts(all: readonly Candidate[]): { total: number; new: number; imported: number; deactivated: number } {
  return {
    total: all.length,
    new: all.filter((c) => c.status === 'new').length,
    imported: all.filter((c) => c.status === 'imported').length,
    deactivated: all.filter((c) => !c.active).length,
  };
}

// ---- the selection ----

/** The IDs once each, in the order given, and those given more than once (with how often). */
export function dedupeSelection(ids: readonly string[]): { unique: string[]; duplicates: Array<{ remoteId: string; times: number }> } {
  const times = new Map<string, number>();
  for (const id of ids) times.set(id, (times.get(id) ?? 0) + 1);
  return { unique: [...times.keys()], duplicates: [...times].filter(([, n]) => n > 1).map(([remoteId, n]) => ({ remoteId, times: n })) };
}

// ---- what an import does with one selected user (M1, M2, bad input) ----

export const REFUSAL_CODES = ['unknown_id', 'deactivated', 'username_taken', 'email_taken', 'invalid_record'] as const;
export type RefusalCode = (typeof REFUSAL_CODES)[number];
export type Refusal = { code: RefusalCode; message: string; fix: string };

export type ImportDecision =
  | { outcome: 'created'; user: DirectoryUserFields }
  | { outcome: 'already_imported'; userId: string; match: 'linked' | 'same_user'; note: string }
  | ({ outcome: 'refused' } & Refusal);

export type ImportOptions = {
  /** Deactivated accounts are imported (as suspended directory users) only when asked. */
  includeDeactivated: boolean;
  /** How messages name the target: "Slack", or the service provider's label. */
  targetName: string;
  /** The connector, for the commands a fix names. */
  connectorId?: string;
};

const NOT_MANAGED = 'not managed until a group bound to this connector includes them';

function holderText(h: DirectoryHolder): string {
  return `directory user ${h.id}${h.deleted ? ' (deleted; a deleted user keeps its username, since its deactivated account still uses it)' : ''}`;
}

/**
 * The decision for one selected account: `record` null means the target has no user with this ID. Already
 * linked on this connector, or a directory user with both its username and email: already imported (nothing
 * written). A directory user holding only its username or only its email, a deactivated account (unless
 * asked), a record the directory cannot hold: refused, with what to do. Otherwise a directory user is created.
 */
export function decideImport(remoteId: string, record: ScimUser | null, facts: ImportFacts, opts: ImportOptions & { guest?: boolean }): ImportDecision {
  const target = opts.targetName;
  if (!record) {
    return { outcome: 'refused', code: 'unknown_id', message: `${target} has no user with ID ${remoteId}.`, fix: `Check the ID against the import list (bindery connector import-list ${opts.connectorId ?? '<connectorId>'}).` };
  }
  if (facts.linkedUserId) {
    return { outcome: 'already_imported', userId: facts.linkedUserId, match: 'linked', note: `Already linked to directory user ${facts.linkedUserId}.` };
  }
  // Holders already in the directory come first; then users this same batch makes from other accounts.
  const inDirectory = (h: DirectoryHolder | undefined) => (h && !h.fromRemoteId ? h : undefined);
  const byName = inDirectory(facts.usernameHolder);
  const byEmail = inDirectory(facts.emailHolder);
  if (byName && byEmail && byName.id === byEmail.id && !byName.deleted) {
    return {
      outcome: 'already_imported',
      userId: byName.id,
      match: 'same_user',
      note: `Directory user ${byName.id} has the same username and email; it is linked to this account by its first sync once a group bound to this connector includes it.`,
    };
  }
  if (byName) {
    return {
      outcome: 'refused',
      code: 'username_taken',
      message: `The username "${record.userName}" belongs to ${holderText(byName)} (usernames are unique, ignoring case).`,
      fix: byName.deleted
        ? `Rename the account in ${target}, then import it again.`
        : `If it is the same person, add ${byName.id} to a group bound to this connector: its first sync links this account. Otherwise rename one of them (in ${target}, or with bindery user update ${byName.id} --username <new>), then import again.`,
    };
  }
  if (byEmail) {
    return {
      outcome: 'refused',
      code: 'email_taken',
      message: `The email of this account belongs to ${holderText(byEmail)}.`,
      fix: `If it is the same person, add ${byEmail.id} to a group bound to this connector: its first sync links this account by email. Otherwise change one of the emails (in ${target}, or with bindery user update ${byEmail.id} --email <new>), then import again.`,
    };
  }
  for (const [what, holder] of [['username', facts.usernameHolder], ['email', facts.emailHolder]] as const) {
    if (!holder) continue;
    return {
      outcome: 'refused',
      code: what === 'username' ? 'username_taken' : 'email_taken',
      message: `Account ${holder.fromRemoteId}, imported with it, has the same ${what} (the directory holds one user per ${what}).`,
      fix: `Change the ${what} of one of the two accounts in ${target}, then import this one again.`,
    };
  }
  if (record.active === false && !opts.includeDeactivated) {
    return {
      outcome: 'refused',
      code: 'deactivated',
      message: `The account is deactivated in ${target}.`,
      fix: 'Deactivated accounts are imported only when asked: import it again with --include-deactivated (API: includeDeactivated), which makes a suspended directory user.',
    };
  }
  const made = directoryUserFromScim(record, { guest: opts.guest });
  if (!made.ok) {
    return {
      outcome: 'refused',
      code: 'invalid_record',
      message: `The directory cannot hold this account as it is: ${made.problems.map((p) => `${p.field}: ${p.message}`).join('; ')}.`,
      fix: `Correct it in ${target}, then import it again.`,
    };
  }
  return { outcome: 'created', user: made.user };
}

/** One selected account: its ID, its record (null: the target has none), and what the directory holds for it. */
export type ImportEntry = { remoteId: string; record: ScimUser | null; facts: ImportFacts; guest?: boolean };

/**
 * Decisions for a batch, in order. Two accounts of one batch cannot both become a directory user with the same
 * username or email: the first takes it, the next is refused as if the directory already had it.
 */
export function decideImports(entries: readonly ImportEntry[], opts: ImportOptions): Array<{ remoteId: string; userName: string | null; decision: ImportDecision }> {
  const names = new Map<string, DirectoryHolder>();
  const emails = new Map<string, DirectoryHolder>();
  return entries.map((e) => {
    let facts = e.facts;
    if (e.record && !facts.linkedUserId) {
      const keys = importKeys(e.record);
      const name = names.get(keys.username.toLowerCase());
      const email = keys.email ? emails.get(keys.email.toLowerCase()) : undefined;
      facts = { ...facts, usernameHolder: facts.usernameHolder ?? name, emailHolder: facts.emailHolder ?? email };
    }
    const decision = decideImport(e.remoteId, e.record, facts, { ...opts, guest: e.guest });
    if (decision.outcome === 'created') {
      const holder: DirectoryHolder = { id: '', username: decision.user.username, deleted: false, fromRemoteId: e.remoteId };
      names.set(decision.user.username.toLowerCase(), holder);
      emails.set(decision.user.email.toLowerCase(), holder);
    }
    return { remoteId: e.remoteId, userName: e.record?.userName ?? null, decision };
  });
}

// ---- what an import item says ----

/** An item's stored reason: `<code>: <message> <fix>`, one line that the API, the CLI and the email show as it is. */
export function reasonText(d: ImportDecision): string | null {
  if (d.outcome === 'refused') return `${d.code}: ${d.message} ${d.fix}`;
  if (d.outcome === 'already_imported') return `${d.match}: ${d.note}`;
  return null;
}

/** The code at the start of a stored reason. */
export function reasonCode(reason: string | null): string | null {
  if (!reason) return null;
  const m = /^([a-z_]+):/.exec(reason);
  return m ? m[1]! : null;
}

/** What a created user's line says, since an import manages nobody by itself (M3). */
export const CREATED_NOTE = `Created in the directory and linked; ${NOT_MANAGED}.`;

// ---- progress ----

export type ImportCounts = { created: number; alreadyImported: number; refused: number };
export const noCounts = (): ImportCounts => ({ created: 0, alreadyImported: 0, refused: 0 });

export function addCounts(into: ImportCounts, from: ImportCounts): ImportCounts {
  into.created += from.created;
  into.alreadyImported += from.alreadyImported;
  into.refused += from.refused;
  return into;
}

export function countOf(decisions: ReadonlyArray<{ decision: ImportDecision }>): ImportCounts {
  const counts = noCounts();
  for (const { decision } of decisions) {
    if (decision.outcome === 'created') counts.created++;
    else if (decision.outcome === 'already_imported') counts.alreadyImported++;
    else counts.refused++;
  }
  return counts;
}

/** What a running import has done (the workflow's query, the API and the CLI's bar). */
export type ImportProgress = ImportCounts & { importId: string; phase: 'starting' | 'reading' | 'looking_up' | 'finishing' | 'done'; total: number; done: number };
