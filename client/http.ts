import { request } from 'undici';

/** A failure the CLI prints as one line: the API's problem detail, or why the API was unreachable. */
export class CliError extends Error {}

export type ApiClient = <T>(method: 'GET' | 'POST', path: string, body?: unknown) => Promise<T>;

export function apiClient(baseUrl: string, apiKey: string): ApiClient {
  return async <T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> => {
    let res;
    try {
      res = await request(new URL(path, baseUrl), {
        method,
        headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new CliError(`cannot reach the Bindery API at ${baseUrl} (${(err as Error).message}); is \`npm start\` running?`);
    }
    const text = await res.body.text();
    const json = text ? (JSON.parse(text) as unknown) : undefined;
    if (res.statusCode >= 400) {
      const problem = json as { title?: string; detail?: string } | undefined;
      throw new CliError(`${problem?.title ?? `HTTP ${res.statusCode}`}: ${problem?.detail ?? text}`);
    }
    return json as T;
  };
}
