import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { freePort } from '../tools/ports';
import { findTool } from '../tools/tools';

/**
 * A mail catcher for `npm start` and the tests: a mailpit process (installed by `npm run setup`) that accepts
 * any SMTP mail on loopback and keeps it, with `mailbox(apiUrl)` to read what arrived.
 *
 * `startMailCatcher()` picks free ports (unless given), keeps messages in temporary storage deleted when it
 * stops (or in `dataFile`, kept across runs), waits until mailpit answers /readyz, and resolves with
 * `smtpUrl` (for createMailer), `webUrl` (mailpit's web UI: it does not load when mailpit was built with
 * `go install`, whose module lacks the UI's JavaScript, but the API works), `apiUrl` (…/api/v1) and `stop()`.
 * The process is also ended if this process exits without calling stop().
 */

export type MailCatcherOptions = {
  smtpPort?: number;
  httpPort?: number;
  /** Keep messages in this SQLite file; without it they are deleted when the catcher stops. */
  dataFile?: string;
  /** The mailpit binary; by default the one `npm run setup` installed, else one on PATH. */
  binary?: string;
  /** Each line mailpit prints; by default only the last lines are kept, for errors. */
  log?: (line: string) => void;
  /** How long to wait for /readyz. */
  readyTimeoutMs?: number;
};

export type MailCatcher = { smtpUrl: string; webUrl: string; apiUrl: string; stop(): Promise<void> };

const HOST = '127.0.0.1';
const SETUP_HINT = 'run `npm run setup` (it builds mailpit with `go install`)';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startMailCatcher(options: MailCatcherOptions = {}): Promise<MailCatcher> {
  const binary = options.binary ?? findTool('mailpit');
  if (!binary) throw new Error(`no mailpit found (looked in the tools folder, PATH and Go's bin folder): ${SETUP_HINT}`);
  if (!existsSync(binary)) throw new Error(`mailpit not found at ${binary}: ${SETUP_HINT}`);

  const smtpPort = options.smtpPort || (await freePort());
  let httpPort = options.httpPort || (await freePort());
  while (httpPort === smtpPort) httpPort = await freePort();
  const webUrl = `http://${HOST}:${httpPort}`;
  const args = ['--smtp', `${HOST}:${smtpPort}`, '--listen', `${HOST}:${httpPort}`, '--smtp-auth-accept-any', '--smtp-auth-allow-insecure', '--disable-version-check'];
  if (options.dataFile) args.push('--database', options.dataFile);

  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const tail: string[] = [];
  const onOutput = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split(/\r?\n/)) {
      if (!line) continue;
      options.log?.(line);
      tail.push(line);
      if (tail.length > 20) tail.shift();
    }
  };
  child.stdout.on('data', onOutput);
  child.stderr.on('data', onOutput);

  let exited: string | undefined;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = signal ? `signal ${signal}` : `exit code ${code}`;
      resolve();
    });
    child.once('error', (err) => {
      exited = err.message;
      resolve();
    });
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (exited === undefined) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exit;
      clearTimeout(timer);
    }
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 15_000);
  for (;;) {
    if (exited !== undefined) {
      await stop();
      throw new Error(`mailpit (${binary}) stopped before it was ready (${exited}) on SMTP ${HOST}:${smtpPort}, HTTP ${HOST}:${httpPort}:\n${tail.join('\n')}`);
    }
    try {
      const res = await fetch(`${webUrl}/readyz`, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`mailpit (${binary}) did not answer ${webUrl}/readyz within ${options.readyTimeoutMs ?? 15_000} ms:\n${tail.join('\n')}`);
    }
    await sleep(50);
  }

  return { smtpUrl: `smtp://${HOST}:${smtpPort}`, webUrl, apiUrl: `${webUrl}/api/v1`, stop };
}

export type MailSummary = { id: string; subject: string; to: string[]; createdAt: Date };
export type CaughtMail = { id: string; messageId: string; from: string; subject: string; to: string[]; text: string; html: string; createdAt: Date };

export type Mailbox = {
  /** Every message, newest first. */
  list(): Promise<MailSummary[]>;
  /** One message; its text with CRLF line ends turned into LF. */
  get(id: string): Promise<CaughtMail>;
  /** Polls until a message matches (each message fetched once), and resolves with the first that does. */
  waitFor(predicate: (message: CaughtMail) => boolean, timeoutMs?: number): Promise<CaughtMail>;
  /** Deletes every message. */
  clear(): Promise<void>;
};

type ApiAddress = { Name?: string; Address?: string };
type ApiSummary = { ID: string; Subject?: string; To?: ApiAddress[] | null; Created?: string };
type ApiMessage = ApiSummary & { MessageID?: string; From?: ApiAddress | null; Text?: string; HTML?: string; Date?: string };

const addresses = (list: ApiAddress[] | null | undefined) => (list ?? []).map((a) => a.Address ?? '');

/** A client of mailpit's HTTP API (`apiUrl` ends in /api/v1). */
export function mailbox(apiUrl: string): Mailbox {
  const base = apiUrl.replace(/\/+$/, '');
  const call = async <T>(method: string, path: string): Promise<T> => {
    const res = await fetch(`${base}${path}`, { method, signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`mailpit ${method} ${base}${path}: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
    return (res.headers.get('content-type')?.includes('json') ? await res.json() : undefined) as T;
  };

  const list = async (): Promise<MailSummary[]> => {
    const out: MailSummary[] = [];
    const limit = 200;
    for (let start = 0; ; start += limit) {
      const page = await call<{ total: number; messages: ApiSummary[] | null }>('GET', `/messages?start=${start}&limit=${limit}`);
      const messages = page.messages ?? [];
      out.push(...messages.map((m) => ({ id: m.ID, subject: m.Subject ?? '', to: addresses(m.To), createdAt: new Date(m.Created ?? 0) })));
      if (messages.length < limit || out.length >= page.total) return out;
    }
  };

  const get = async (id: string): Promise<CaughtMail> => {
    const m = await call<ApiMessage>('GET', `/message/${encodeURIComponent(id)}`);
    return {
      id: m.ID,
      messageId: m.MessageID ?? '',
      from: m.From?.Address ?? '',
      subject: m.Subject ?? '',
      to: addresses(m.To),
      text: (m.Text ?? '').replace(/\r\n/g, '\n'),
      html: m.HTML ?? '',
      createdAt: new Date(m.Created ?? m.Date ?? 0),
    };
  };

  return {
    list,
    get,
    async waitFor(predicate, timeoutMs = 5_000) {
      const seen = new Map<string, CaughtMail>();
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const summaries = await list();
        for (const s of [...summaries].reverse()) {
          if (seen.has(s.id)) continue;
          const message = await get(s.id);
          seen.set(s.id, message);
          if (predicate(message)) return message;
        }
        if (Date.now() > deadline) {
          const subjects = [...seen.values()].map((m) => `"${m.subject}" to ${m.to.join(', ')}`);
          throw new Error(`no matching mail arrived within ${timeoutMs} ms; ${subjects.length ? `seen: ${subjects.join('; ')}` : 'the mailbox is empty'}`);
        }
        await sleep(100);
      }
    },
    async clear() {
      await call<unknown>('DELETE', '/messages');
    },
  };
}
