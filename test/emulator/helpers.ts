/** Shared helpers for the emulator tests: a started emulator and a small HTTP client for it. */
import { expect } from 'vitest';
import { SCHEMAS, SLACK_ERRORS, type SlackErrorCode } from '../../targets/slack/facts';
import { startEmulator, type RunningEmulator } from '../../emulator/server';
import type { RateLimitSetting } from '../../emulator/rate-limit';

export const TOKEN = 'xoxp-emulator-test-token';

export interface Res {
  status: number;
  headers: Headers;
  body: any;
}

export class Client {
  constructor(readonly emu: RunningEmulator) {}

  async send(method: string, url: string, body?: unknown, opts: { token?: string | null; contentType?: string; raw?: string } = {}): Promise<Res> {
    const headers: Record<string, string> = {};
    const token = opts.token === undefined ? TOKEN : opts.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    const payload = opts.raw ?? (body === undefined ? undefined : JSON.stringify(body));
    if (payload !== undefined) headers['content-type'] = opts.contentType ?? 'application/json';
    const res = await fetch(url, { method, headers, body: payload });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
  }

  /** A SCIM call, path relative to /scim/v2. */
  scim(method: string, path: string, body?: unknown, opts?: { token?: string | null; contentType?: string; raw?: string }): Promise<Res> {
    return this.send(method, `${this.emu.baseUrl}${path}`, body, opts);
  }

  /** A test control call, path relative to /_emulator. */
  control(method: string, path: string, body?: unknown, opts?: { token?: string | null }): Promise<Res> {
    return this.send(method, `${this.emu.origin}/_emulator${path}`, body, opts);
  }

  async reset(): Promise<void> {
    expect((await this.control('POST', '/reset')).status).toBe(200);
  }

  /** Creates a user and returns the response body, failing the test on any other status than 201. */
  async createUser(overrides: Record<string, unknown> = {}): Promise<Res['body']> {
    const res = await this.scim('POST', '/Users', userBody(overrides));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body;
  }

  /** Creates a group with these member IDs and returns the response body (201 or the test fails). */
  async createGroup(displayName: string, members: string[] = [], extra: Record<string, unknown> = {}): Promise<Res['body']> {
    const res = await this.scim('POST', '/Groups', groupBody(displayName, members, extra));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body;
  }

  /** `count` active members created in one control call (no rate limits); their IDs. */
  async bulkUsers(count: number): Promise<string[]> {
    const res = await this.control('POST', '/users/bulk', { count });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.ids;
  }
}

/** A POST/PUT /Groups body. */
export function groupBody(displayName: string, members: string[] = [], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { schemas: [SCHEMAS.group], displayName, members: members.map((value) => ({ value })), ...extra };
}

/** A v2 PatchOp body. */
export function patchOp(...Operations: unknown[]): Record<string, unknown> {
  return { schemas: [SCHEMAS.patchOp], Operations };
}

let seq = 0;

/** A valid POST /Users body with a fresh userName and email. */
export function userBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  seq += 1;
  return {
    schemas: [SCHEMAS.user],
    userName: `user${seq}`,
    name: { givenName: 'Test', familyName: `User${seq}` },
    emails: [{ value: `user${seq}@example.com`, type: 'work', primary: true }],
    ...overrides,
  };
}

export async function startTestEmulator(rateLimits: RateLimitSetting = { enabled: false }): Promise<{ emu: RunningEmulator; client: Client }> {
  const emu = await startEmulator({ port: 0, token: TOKEN, rateLimits });
  return { emu, client: new Client(emu) };
}

/** Asserts Slack's v2 error body (with the v1-style Errors object) and the code's HTTP status. */
export function expectSlackError(res: Res, code: SlackErrorCode, status: number = SLACK_ERRORS[code].status): void {
  expect(res.body, `expected ${code}`).toEqual({
    schemas: [SCHEMAS.error],
    detail: code,
    status,
    Errors: { description: code, code: status },
  });
  expect(res.status).toBe(status);
}
