import { request, type Dispatcher } from 'undici';
import type { z } from 'zod';
import type { PatchOperation } from '../core/mapping';
import { SCIM_URNS } from '../core/scim';
import { classifyWith, type ErrorDialect, ScimError } from './errors';
import { ScimGroup, ScimGroupList, sameGroupName, toScimGroupPayload } from '../core/scim-group';
import { ScimUser, ScimUserList, type ScimUserPayload } from '../core/scim-user';

/**
 * One SCIM 2.0 client (undici) for every target: users, groups, paging, filters, ETags. What differs
 * between targets — how errors are named, how a user is deactivated, which filters and page sizes the
 * server takes — is the target's ScimDialect (targets/slack, targets/scim). Every failure is thrown as a
 * classified ScimError.
 */

export interface ScimDialect extends ErrorDialect {
  /** `delete`: DELETE /Users/<id> deactivates (Slack) · `patch`: PATCH active=false (RFC: DELETE really deletes). */
  deactivation: 'delete' | 'patch';
  /** Whether the server filters lists; without filters, lookups page through the list and match here. */
  filtering: boolean;
  /** Filters for the lookups, `undefined` when the server cannot express them. */
  userNameFilter(userName: string): string;
  emailFilter(email: string): string;
  groupNameFilter(displayName: string): string;
  /** Largest page the server returns. */
  maxPageSize: number;
  /** Writes carry If-Match with the version last read. */
  etag: boolean;
  /** Slack and RFC servers answer 404 for an unknown ID; Slack names it, which this confirms. */
  isNotFound(error: ScimError): boolean;
  /** The media type of request bodies: Slack documents application/json, RFC 7644 application/scim+json. */
  contentType: string;
}

export type ScimClientOptions = {
  /** Ends with the SCIM root, e.g. `/scim/v2`. */
  baseUrl: string;
  token: string;
  dialect: ScimDialect;
  dispatcher?: Dispatcher;
  /** Whole-request timeout. */
  timeoutMs?: number;
  /**
   * Awaited before every request with its method and rate-limit resource (`Users`, `Users/:id`,
   * `Groups`, `Groups/:id`): where the rate governor makes the request wait its turn.
   */
  beforeRequest?: (method: Method, resource: string) => Promise<void>;
  /** Told of every answer (`status` undefined: none came), e.g. for metrics. Never given the body. */
  onAnswer?: (answer: { method: Method; resource: string; status?: number; seconds: number }) => void;
};

export type PageOptions = { filter?: string; pageSize?: number; /** 1-based; to resume a read where it stopped. */ startIndex?: number };
/** What a new group starts as: its name and the remote IDs of its first members. */
export type NewGroup = { displayName: string; members?: readonly string[] };

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
type Answer = { status: number; body: unknown };

const DEFAULT_TIMEOUT_MS = 30_000;

/** The resource a path counts against in a rate-limit table: `/Users/U1` → `Users/:id`. */
export function rateLimitResource(path: string): string {
  const [, resource = '', id] = /^\/([^/?]+)(\/[^?]+)?/.exec(path) ?? [];
  return id ? `${resource}/:id` : resource;
}

/** A SCIM filter string literal: backslashes and quotes escaped. */
export function scimString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export class ScimClient {
  readonly dialect: ScimDialect;
  private readonly baseUrl: string;
  private readonly token: string;
  private readonly dispatcher?: Dispatcher;
  private readonly timeoutMs: number;
  private readonly beforeRequest?: ScimClientOptions['beforeRequest'];
  private readonly onAnswer?: ScimClientOptions['onAnswer'];

  constructor(options: ScimClientOptions) {
    this.dialect = options.dialect;
    this.beforeRequest = options.beforeRequest;
    this.onAnswer = options.onAnswer;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.token = options.token;
    this.dispatcher = options.dispatcher;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  // ---- users ----

  /** The user, or null when the target has no user with this ID. */
  async getUser(id: string): Promise<ScimUser | null> {
    return this.orNull(async () => parse(ScimUser, await this.send('GET', userPath(id)), 'GET /Users/<id>'));
  }

  /** userName is not case-sensitive in SCIM (RFC 7643 caseExact false; Slack lowercases it): so is the match. */
  async findUserByUserName(userName: string): Promise<ScimUser | null> {
    const want = userName.toLowerCase();
    return this.findOne('/Users', ScimUserList, this.dialect.userNameFilter(userName), (u) => u.userName.toLowerCase() === want);
  }

  async findUserByEmail(email: string): Promise<ScimUser | null> {
    const want = email.toLowerCase();
    return this.findOne('/Users', ScimUserList, this.dialect.emailFilter(email), (u) => u.emails.some((e) => e.value?.toLowerCase() === want));
  }

  async createUser(payload: ScimUserPayload): Promise<ScimUser> {
    return parse(ScimUser, await this.send('POST', '/Users', { body: payload }), 'POST /Users');
  }

  /** One PATCH (PatchOp, applied all or nothing). `version`: the ETag last read, when the server offers them. */
  async patchUser(id: string, operations: PatchOperation[], version?: string | null): Promise<ScimUser> {
    const body = { schemas: [SCIM_URNS.patchOp], Operations: operations };
    const answer = await this.send('PATCH', userPath(id), { body, version });
    return this.userOrReread(id, answer, 'PATCH /Users/<id>');
  }

  /**
   * PUT: attributes left out of `payload` become blank in the target. externalId and password are not
   * sent: Slack refuses to change either after creation, so a create body can be reused as is.
   */
  async replaceUser(id: string, payload: ScimUserPayload, version?: string | null): Promise<ScimUser> {
    const { externalId: _externalId, password: _password, ...body } = payload;
    const answer = await this.send('PUT', userPath(id), { body, version });
    return this.userOrReread(id, answer, 'PUT /Users/<id>');
  }

  /** Deactivates as the target does it (Slack: DELETE, never a hard delete; RFC: PATCH active=false). Idempotent. */
  async deactivateUser(id: string): Promise<void> {
    if (this.dialect.deactivation === 'delete') await this.send('DELETE', userPath(id));
    else await this.patchUser(id, [{ op: 'replace', path: 'active', value: false }]);
  }

  /** A real deletion (RFC servers only, and only where the connector says so). A user already gone counts as deleted. */
  async deleteUser(id: string): Promise<void> {
    await this.orNull(() => this.send('DELETE', userPath(id)));
  }

  /** How many users the target holds: one request for one item (bulk sync weighs a full read against lookups). */
  async countUsers(): Promise<number> {
    return parse(ScimUserList, await this.send('GET', '/Users', { query: { startIndex: '1', count: '1' } }), 'GET /Users').totalResults;
  }

  /** Every user, page by page (1-based startIndex), until totalResults or an empty page. */
  listUsers(options: PageOptions = {}): AsyncGenerator<ScimUser[]> {
    return this.pages('/Users', ScimUserList, options);
  }

  // ---- groups ----

  /** The group, or null when the target has no group with this ID. */
  async getGroup(id: string): Promise<ScimGroup | null> {
    return this.orNull(async () => parse(ScimGroup, await this.send('GET', groupPath(id)), 'GET /Groups/<id>'));
  }

  /**
   * The group with this name, compared without regard to case (names are unique that way), or null. Asks
   * with a `displayName eq` filter and checks every answer itself, so a server that matched differently,
   * or ignored the filter, cannot hand back the wrong group.
   */
  async findGroupByName(displayName: string): Promise<ScimGroup | null> {
    return this.findOne('/Groups', ScimGroupList, this.dialect.groupNameFilter(displayName), (g) => sameGroupName(g.displayName, displayName));
  }

  async createGroup(group: NewGroup): Promise<ScimGroup> {
    const body = toScimGroupPayload(group.displayName, group.members);
    return parse(ScimGroup, await this.send('POST', '/Groups', { body }), 'POST /Groups');
  }

  /**
   * One PATCH (PatchOp), applied all or nothing. Renames are a `replace` of `displayName`. Should the
   * server answer with no body (Slack's v1 answered 204, RFC servers may), the group is read back.
   */
  async patchGroup(id: string, operations: PatchOperation[], version?: string | null): Promise<ScimGroup> {
    const body = { schemas: [SCIM_URNS.patchOp], Operations: operations };
    const answer = await this.send('PATCH', groupPath(id), { body, version });
    return this.groupOrReread(id, answer, 'PATCH /Groups/<id>');
  }

  /** DELETE is permanent (member accounts untouched). A group already gone counts as deleted. */
  async deleteGroup(id: string): Promise<void> {
    await this.orNull(() => this.send('DELETE', groupPath(id)));
  }

  /** Every group, page by page like users. */
  listGroups(options: PageOptions = {}): AsyncGenerator<ScimGroup[]> {
    return this.pages('/Groups', ScimGroupList, options);
  }

  /** One authenticated call: resolves when the target accepts the token, throws a classified error otherwise. */
  async verify(): Promise<void> {
    parse(ScimUserList, await this.send('GET', '/Users', { query: { count: '1' } }), 'GET /Users');
  }

  /** An unauthenticated-or-not GET of a discovery endpoint (`/ServiceProviderConfig`, `/ResourceTypes`, `/Schemas`). */
  async discover(path: string): Promise<unknown> {
    return (await this.send('GET', path)).body;
  }

  // ---- plumbing ----

  private async orNull<T>(work: () => Promise<T>): Promise<T | null> {
    try {
      return await work();
    } catch (e) {
      if (e instanceof ScimError && this.dialect.isNotFound(e)) return null;
      throw e;
    }
  }

  /** The first match: with a filter where the server filters (one short page), else by paging through the list. */
  private async findOne<T>(path: '/Users' | '/Groups', schema: z.ZodType<{ totalResults: number; Resources: T[] }>, filter: string, matches: (item: T) => boolean): Promise<T | null> {
    if (this.dialect.filtering) {
      for await (const page of this.pages(path, schema, { filter, pageSize: 10 })) {
        const found = page.find(matches);
        if (found) return found;
      }
      return null;
    }
    for await (const page of this.pages(path, schema, {})) {
      const found = page.find(matches);
      if (found) return found;
    }
    return null;
  }

  /** Pages of a list endpoint (1-based startIndex), until totalResults or an empty page. */
  private async *pages<T>(path: '/Users' | '/Groups', schema: z.ZodType<{ totalResults: number; Resources: T[] }>, options: PageOptions): AsyncGenerator<T[]> {
    const count = Math.min(Math.max(1, Math.floor(options.pageSize ?? this.dialect.maxPageSize)), this.dialect.maxPageSize);
    let startIndex = Math.max(1, Math.floor(options.startIndex ?? 1));
    for (;;) {
      const query: Record<string, string> = { startIndex: String(startIndex), count: String(count) };
      if (options.filter) query.filter = options.filter;
      const page = parse(schema, await this.send('GET', path, { query }), `GET ${path}`);
      yield page.Resources;
      startIndex += page.Resources.length;
      if (page.Resources.length === 0 || startIndex > page.totalResults) return;
    }
  }

  private async groupOrReread(id: string, answer: Answer, request: string): Promise<ScimGroup> {
    if (answer.body !== undefined) return parse(ScimGroup, answer, request);
    const group = await this.getGroup(id);
    if (!group) throw new ScimError({ kind: 'permanent', code: 'no_such_group', status: 404, explanation: this.dialect.explain('no_such_group', 404) }, request);
    return group;
  }

  private async userOrReread(id: string, answer: Answer, request: string): Promise<ScimUser> {
    if (answer.body !== undefined) return parse(ScimUser, answer, request);
    const user = await this.getUser(id);
    if (!user) throw new ScimError({ kind: 'permanent', code: 'no_such_user', status: 404, explanation: this.dialect.explain('no_such_user', 404) }, request);
    return user;
  }

  /** One HTTP exchange; anything but a 2xx is thrown as a ScimError. */
  private async send(method: Method, path: string, options: { query?: Record<string, string>; body?: unknown; version?: string | null } = {}): Promise<Answer> {
    const url = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, v);
    // Name the request by method and route only: filters may hold emails or group names.
    const label = `${method} ${path.replace(/^\/(Users|Groups)\/.+$/, '/$1/<id>')}`;
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}`, accept: this.dialect.contentType === 'application/json' ? 'application/json' : `${this.dialect.contentType}, application/json` };
    // Only with a body: an empty body declared as JSON is itself a parse error for many servers.
    if (options.body !== undefined) headers['content-type'] = this.dialect.contentType;
    if (this.dialect.etag && options.version) headers['if-match'] = options.version;

    const resource = rateLimitResource(path);
    await this.beforeRequest?.(method, resource);
    const sentAt = performance.now();
    const answered = (status?: number) => this.onAnswer?.({ method, resource, status, seconds: (performance.now() - sentAt) / 1000 });

    let status: number;
    let responseHeaders: Record<string, string | string[] | undefined>;
    let text: string;
    try {
      const res = await request(url, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        dispatcher: this.dispatcher,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      status = res.statusCode;
      responseHeaders = res.headers;
      text = await res.body.text();
    } catch (error) {
      answered();
      const failure = classifyWith(this.dialect, undefined, undefined, error);
      if (failure.kind === 'success') throw error;
      throw new ScimError(failure, label, { cause: error });
    }

    answered(status);
    const body = text.trim() === '' ? undefined : parseJson(text);
    const outcome = classifyWith(this.dialect, status, responseHeaders, body);
    if (outcome.kind !== 'success') throw new ScimError(outcome, label);
    return { status, body };
  }
}

function userPath(id: string): string {
  return `/Users/${encodeURIComponent(id)}`;
}

function groupPath(id: string): string {
  return `/Groups/${encodeURIComponent(id)}`;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Checks a successful body against its schema; a mismatch is a permanent invalid_response. */
function parse<S extends z.ZodType>(schema: S, answer: Answer, request: string): z.output<S> {
  const result = schema.safeParse(answer.body);
  if (result.success) return result.data;
  // Paths and messages only: zod's messages do not repeat the offending values.
  const where = result.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`)
    .join('; ');
  throw new ScimError({ kind: 'permanent', code: 'invalid_response', status: answer.status, explanation: `The answer did not have the expected SCIM shape (${where}).` }, request);
}
