import { Command, Option } from 'commander';
import { loadConfig } from '../core/config';
import { printable } from '../core/text';
import { resolveApiKey } from '../secrets/secrets';
import { type ApiClient, CliError, apiClient } from './http';

export type Page<T> = { items: T[]; next?: string | number };
export type Row = Record<string, unknown>;

/** The `bindery` program: global options, and every error as one line on stderr. */
export const program = new Command('bindery')
  .description('Bindery: keep Slack in step with the directory. Talks to the admin API started by `npm start`.')
  .option('--json', 'print machine-readable JSON')
  .option('--api-url <url>', 'admin API base URL (default: BINDERY_API_URL)')
  .configureOutput({ outputError: (message, write) => write(`bindery: ${message.replace(/^error: /, '').trim()} (see --help)\n`) });

export function api(): ApiClient {
  const config = loadConfig();
  return apiClient(program.opts<{ apiUrl?: string }>().apiUrl ?? config.apiUrl, resolveApiKey(config));
}

export function json(): boolean {
  return program.opts<{ json?: boolean }>().json === true;
}

/** JSON with --json, else the human rendering. */
export function print(value: unknown, human: () => string): void {
  console.log(json() ? JSON.stringify(value, null, 2) : human());
}

/** Warnings the API attached: part of the JSON with --json, one stderr line each otherwise. */
export function warn(value: { warning?: unknown; warnings?: unknown }): void {
  if (json()) return;
  const list = Array.isArray(value.warnings) ? value.warnings.map((w: { message?: unknown }) => w?.message) : [];
  for (const message of [value.warning, ...list]) if (typeof message === 'string') console.error(`bindery: warning: ${printable(message)}`);
}

export function path(...parts: string[]): string {
  return parts.map((p, i) => (i % 2 === 0 ? p : encodeURIComponent(p))).join('/');
}

export function query(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

export function more(page: { next?: string | number }, flag: string): string {
  return page.next === undefined ? '' : `\nmore: ${flag} ${page.next}`;
}

export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').trim();
}

/** An `on|off` switch option. */
export function onOff(flags: string, description: string): Option {
  return new Option(flags, description).choices(['on', 'off']);
}

export function toBool(value: string | undefined): boolean | undefined {
  return value === undefined ? undefined : value === 'on';
}

/** The Slack SCIM token from --token or --token-stdin (preferred: it stays out of shell history). */
export async function token(o: { token?: string; tokenStdin?: boolean }, required: boolean): Promise<string | undefined> {
  if (o.token !== undefined && o.tokenStdin) throw new CliError('give the token with --token or --token-stdin, not both');
  const value = o.tokenStdin ? await readStdin() : o.token;
  if (o.tokenStdin && !value) throw new CliError('--token-stdin: standard input was empty');
  if (required && !value) throw new CliError('the Slack SCIM token is missing: pipe it into --token-stdin (or pass --token)');
  return value;
}

export function tokenOptions(cmd: Command): Command {
  return cmd
    .option('--token <token>', 'Slack SCIM token (visible in shell history: prefer --token-stdin)')
    .option('--token-stdin', 'read the Slack SCIM token from standard input');
}

/** Drops undefined values, so PATCH bodies carry only the fields given. */
export function defined<T extends Record<string, unknown>>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
}
