import { request, type Dispatcher } from 'undici';
import type { z } from 'zod';
import { LIMITS, SCHEMAS } from '../core/slack';
import { SlackUser, SlackUserList, type ScimUserPayload } from '../core/scim-user';
import { SlackGroup, SlackGroupList, sameGroupName, toScimGroupPayload } from '../core/scim-group';
import type { PatchOperation } from '../core/mapping';
import { ScimError, classify, explain } from './errors';

/** A thin client for Slack's SCIM v2 users and groups API. Every failure is thrown as a classified ScimError. */

export type ScimClientOptions = {
  /** Ends with `/scim/v2`. */
  baseUrl: string;
  token: string;
  dispatcher?: Dispatcher;
  /** Whole-request timeout. */
  timeoutMs?: number;
  /**
   * Awaited before every request with its method and rate-limit resource (`Users`, `Users/:id`,
   * `Groups`, `Groups/:id`): where the rate governor makes the request wait its turn.
   */
  beforeRequest?: (method: Method, resource: string) => Promise<void>;
};

export type ListUsersOptions = { filter?: string; pageSize?: number };
export type ListGroupsOptions = { filter?: string; pageSize?: number };
/** What a new group starts as: its name and the Slack user IDs of its first members. */
export type NewGroup = { displayName: string; members?: readonly string[] };

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
type Answer = { status: number; body: unknown };

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_PAGE_SIZE = 100;

/** The resource a path counts against in Slack's rate-limit tables: `/Users/U1` → `Users/:id`. */
export function rateLimitResource(path: string): string {
  const [, resource = '', id] = /^\/([^/?]+)(\/[^?]+)?/.exec(path) ?? [];
  return id ? `${resource}/:id` : resource;
}

/** A SCIM filter string literal: backslashes and quotes escaped. */
export function scimString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export class ScimClient {
  private readonly baseUrl: string;
  private readonly token: string;
  private readonly dispatcher?: Dispatcher;
  private readonly timeoutMs: number;
  private readonly beforeRequest?: ScimClientOptions['beforeRequest'];

  constructor(options: ScimClientOptions) {
    this.beforeRequest = options.beforeRequest;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.token = options.token;
    this.dispatcher = options.dispatcher;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** The user, or null when Slack has no user with this ID. */
  async getUser(id: string): Promise<SlackUser | null> {
    try {
      const answer = await this.send('GET', userPath(id));
      return parse(SlackUser, answer, 'GET /Users/<id>');
    } catch (e) {
      if (e instanceof ScimError && e.status === 404 && (e.code === 'no_such_user' || e.code === 'unknown_user')) return null;
      throw e;
    }
  }

  /** Slack lowercases userNames, so the lookup does too. */
  findUserByUserName(userName: string): Promise<SlackUser | null> {
    return this.findOne(`userName eq ${scimString(userName.toLowerCase())}`);
  }

  findUserByEmail(email: string): Promise<SlackUser | null> {
    return this.findOne(`emails eq ${scimString(email)}`);
  }

  async createUser(payload: ScimUserPayload): Promise<SlackUser> {
    return parse(SlackUser, await this.send('POST', '/Users', { body: payload }), 'POST /Users');
  }

  async patchUser(id: string, operations: PatchOperation[]): Promise<SlackUser> {
    const body = { schemas: [SCHEMAS.patchOp], Operations: operations };
    const answer = await this.send('PATCH', userPath(id), { body });
    return this.userOrReread(id, answer, 'PATCH /Users/<id>');
  }

  /**
   * PUT: attributes left out of `payload` become blank in Slack. externalId and password are not
   * sent: Slack refuses to change either after creation, so a create body can be reused as is.
   */
  async replaceUser(id: string, payload: ScimUserPayload): Promise<SlackUser> {
    const { externalId: _externalId, password: _password, ...body } = payload;
    const answer = await this.send('PUT', userPath(id), { body });
    return this.userOrReread(id, answer, 'PUT /Users/<id>');
  }

  /** DELETE deactivates (Slack never hard-deletes). An unknown ID throws permanent no_such_user. */
  async deactivateUser(id: string): Promise<void> {
    await this.send('DELETE', userPath(id));
  }

  /** Every user, page by page (1-based startIndex), until totalResults or an empty page. */
  listUsers(options: ListUsersOptions = {}): AsyncGenerator<SlackUser> {
    return this.paginate('/Users', SlackUserList, options);
  }

  // ---- groups [spec §4] ----

  /** The group, or null when Slack has no group with this ID. */
  async getGroup(id: string): Promise<SlackGroup | null> {
    try {
      const answer = await this.send('GET', groupPath(id));
      return parse(SlackGroup, answer, 'GET /Groups/<id>');
    } catch (e) {
      if (e instanceof ScimError && e.status === 404 && e.code === 'no_such_group') return null;
      throw e;
    }
  }

  /**
   * The group with this name, compared without regard to case (Slack's names are unique that way),
   * or null. Asks with a `displayName eq` filter and checks every answer itself, so a Slack that
   * matched differently, or ignored the filter, cannot hand back the wrong group.
   */
  async findGroupByName(displayName: string): Promise<SlackGroup | null> {
    for await (const group of this.listGroups({ filter: `displayName eq ${scimString(displayName)}` })) {
      if (sameGroupName(group.displayName, displayName)) return group;
    }
    return null;
  }

  /** POST /Groups. At most LIMITS.groupMembersPerRequestMax members per request (Slack: too_many_users). */
  async createGroup(group: NewGroup): Promise<SlackGroup> {
    const body = toScimGroupPayload(group.displayName, group.members);
    return parse(SlackGroup, await this.send('POST', '/Groups', { body }), 'POST /Groups');
  }

  /**
   * One PATCH (v2 PatchOp), applied by Slack all or nothing. Renames are a `replace` of `displayName`.
   * v2 answers with the group; should Slack answer with no body (v1 answered 204), it is read back.
   */
  async patchGroup(id: string, operations: PatchOperation[]): Promise<SlackGroup> {
    const body = { schemas: [SCHEMAS.patchOp], Operations: operations };
    const answer = await this.send('PATCH', groupPath(id), { body });
    return this.groupOrReread(id, answer, 'PATCH /Groups/<id>');
  }

  /** DELETE is permanent in Slack (member accounts untouched). A group already gone counts as deleted. */
  async deleteGroup(id: string): Promise<void> {
    try {
      await this.send('DELETE', groupPath(id));
    } catch (e) {
      if (e instanceof ScimError && e.status === 404 && e.code === 'no_such_group') return;
      throw e;
    }
  }

  /** Every group (Slack-managed and disabled ones included), page by page like users. */
  listGroups(options: ListGroupsOptions = {}): AsyncGenerator<SlackGroup> {
    return this.paginate('/Groups', SlackGroupList, options);
  }

  /** One authenticated call: resolves when Slack accepts the token, throws a classified error otherwise. */
  async verify(): Promise<void> {
    parse(SlackUserList, await this.send('GET', '/Users', { query: { count: '1' } }), 'GET /Users');
  }

  private async findOne(filter: string): Promise<SlackUser | null> {
    const answer = await this.send('GET', '/Users', { query: { filter, count: '1' } });
    return parse(SlackUserList, answer, 'GET /Users').Resources[0] ?? null;
  }

  /** Pages of a list endpoint (1-based startIndex), until totalResults or an empty page. */
  private async *paginate<T>(
    path: '/Users' | '/Groups',
    schema: z.ZodType<{ totalResults: number; Resources: T[] }>,
    options: { filter?: string; pageSize?: number },
  ): AsyncGenerator<T> {
    const count = Math.min(Math.max(1, Math.floor(options.pageSize ?? DEFAULT_PAGE_SIZE)), LIMITS.pageSizeMax);
    let startIndex = 1;
    for (;;) {
      const query: Record<string, string> = { startIndex: String(startIndex), count: String(count) };
      if (options.filter) query.filter = options.filter;
      const page = parse(schema, await this.send('GET', path, { query }), `GET ${path}`);
      yield* page.Resources;
      startIndex += page.Resources.length;
      if (page.Resources.length === 0 || startIndex > page.totalResults) return;
    }
  }

  /** Slack's v2 answers group writes with the group; should a write answer with no body, read it back. */
  private async groupOrReread(id: string, answer: Answer, request: string): Promise<SlackGroup> {
    if (answer.body !== undefined) return parse(SlackGroup, answer, request);
    const group = await this.getGroup(id);
    if (!group) throw new ScimError({ kind: 'permanent', code: 'no_such_group', status: 404, explanation: explain('no_such_group') }, request);
    return group;
  }

  /** Slack answers user writes with the user; should a write answer with no body, read it back. */
  private async userOrReread(id: string, answer: Answer, request: string): Promise<SlackUser> {
    if (answer.body !== undefined) return parse(SlackUser, answer, request);
    const user = await this.getUser(id);
    if (!user) throw new ScimError({ kind: 'permanent', code: 'no_such_user', status: 404, explanation: 'Slack has no user with this ID.' }, request);
    return user;
  }

  /** One HTTP exchange; anything but a 2xx is thrown as a ScimError. */
  private async send(method: Method, path: string, options: { query?: Record<string, string>; body?: unknown } = {}): Promise<Answer> {
    const url = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, v);
    // Name the request by method and route only: filters may hold emails or group names.
    const label = `${method} ${path.replace(/^\/(Users|Groups)\/.+$/, '/$1/<id>')}`;
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}`, accept: 'application/json' };
    // Only with a body: an empty body declared as JSON is itself a parse error for many servers.
    if (options.body !== undefined) headers['content-type'] = 'application/json';

    await this.beforeRequest?.(method, rateLimitResource(path));

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
      const failure = classify(undefined, undefined, error);
      if (failure.kind === 'success') throw error;
      throw new ScimError(failure, label, { cause: error });
    }

    const body = text.trim() === '' ? undefined : parseJson(text);
    const outcome = classify(status, responseHeaders, body);
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
  throw new ScimError(
    { kind: 'permanent', code: 'invalid_response', status: answer.status, explanation: `Slack's answer did not have the expected SCIM shape (${where}).` },
    request,
  );
}
