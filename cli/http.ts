import { request } from 'undici';
import { printable } from '../core/text';

/** A failure the CLI prints as one line: the API's problem detail, or why the API was unreachable. */
export class CliError extends Error {}

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
/** Calls the admin API; resolves with the parsed JSON answer (undefined for 204), throws CliError otherwise. */
export type ApiClient = <T>(method: Method, path: string, body?: unknown) => Promise<T>;

export function apiClient(baseUrl: string, apiKey: string): ApiClient {
  return async <T>(method: Method, path: string, body?: unknown): Promise<T> => {
    let res;
    try {
      res = await request(new URL(path, baseUrl), {
        method,
        // The API words its remedies for the surface used: commands for the CLI, routes for HTTP.
        headers: { authorization: `Bearer ${apiKey}`, 'x-bindery-client': 'cli', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new CliError(`cannot reach the Bindery API at ${baseUrl} (${(err as Error).message}); is \`npm start\` running?`);
    }
    const text = await res.body.text();
    let json: unknown;
    try {
      json = text ? (JSON.parse(text) as unknown) : undefined;
    } catch {
      throw new CliError(`the API at ${baseUrl} answered HTTP ${res.statusCode} with something that is not JSON; is BINDERY_API_URL right?`);
    }
    if (res.statusCode >= 400) {
      const problem = json as { title?: string; detail?: string; requestId?: string } | undefined;
      const reference = res.statusCode >= 500 && problem?.requestId ? ` (request ${problem.requestId})` : '';
      throw new CliError(printable(`${problem?.title ?? `HTTP ${res.statusCode}`}: ${problem?.detail ?? text}${reference}`));
    }
    return json as T;
  };
}
