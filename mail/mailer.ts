import nodemailer from 'nodemailer';
import { z } from 'zod';

/**
 * The one way Bindery sends mail: `createMailer({ smtpUrl, from })` over nodemailer's pooled SMTP transport.
 *
 * What a message may hold: only what its recipient may see. Callers render messages with mail/messages.ts
 * from plain data; a message never carries a token, a password or another connector's data unless it is
 * meant for that recipient (an SSO bind link is the recipient's own). Nothing here logs a message.
 *
 * - `smtpUrl`: `smtp://[user:password@]host[:port]` (STARTTLS when the server offers it; port 587 by default)
 *   or `smtps://…` (TLS from the start; port 465 by default). User and password are percent-decoded.
 * - `from`: `bindery@example.com` or `Bindery <bindery@example.com>`.
 * - `send` validates before it connects: `to` must be one email address, the subject one line (no CR/LF:
 *   header injection) and not empty. It resolves with the Message-ID the server accepted.
 * - Failures throw a `MailError` naming the server as `smtp://host:port` and the cause; the URL's user and
 *   password never appear in it (see `redactSmtpUrl`).
 * - `close()` ends the pooled connections; call it when the process shuts down.
 */

export type MailMessage = { to: string; subject: string; text: string; html?: string };

export type Mailer = {
  send(message: MailMessage): Promise<{ messageId: string }>;
  /** Connects (and logs in, when the URL has a user) without sending: checks SMTP_URL at start-up. */
  verify(): Promise<void>;
  close(): void;
};

export type MailerOptions = {
  smtpUrl: string;
  from: string;
  /** Milliseconds; the defaults suit a real relay: connect 10 s, greeting 10 s, idle socket 60 s. */
  timeouts?: { connectMs?: number; greetingMs?: number; socketMs?: number };
};

/** An error from the mailer: invalid input (`kind: 'invalid'`) or the SMTP server failing (`kind: 'smtp'`). */
export class MailError extends Error {
  override readonly name = 'MailError';
  constructor(
    message: string,
    readonly kind: 'invalid' | 'smtp',
    /** The server as `smtp://host:port`, without credentials. */
    readonly server?: string,
    /** Nodemailer's error code (ESOCKET, EAUTH, ETIMEDOUT, …) or the SMTP reply code, when there is one. */
    readonly code?: string,
    readonly responseCode?: number,
  ) {
    super(message);
  }
}

const LINE_BREAK = /[\r\n]/;
const SUBJECT_MAX = 900; // a header line stays under SMTP's 998 characters, with room for "Subject: "

const email = z.email({ error: 'must be one email address' });
const messageSchema = z.object({
  to: z.string().trim().pipe(email),
  subject: z
    .string()
    .min(1, 'must not be empty')
    .max(SUBJECT_MAX)
    .refine((s) => !LINE_BREAK.test(s), 'must be one line (no CR or LF): a line break would start a new header'),
  text: z.string(),
  html: z.string().optional(),
});

/** `from`: an address, or a display name and an address in angle brackets. */
function parseFrom(from: string): { name?: string; address: string } {
  if (LINE_BREAK.test(from)) throw new MailError('MAIL_FROM must be one line (no CR or LF)', 'invalid');
  const named = /^\s*(.*?)\s*<([^<>]+)>\s*$/.exec(from);
  const address = (named ? named[2]! : from).trim();
  if (!email.safeParse(address).success) throw new MailError(`MAIL_FROM must be an email address or "Name <address>", not ${JSON.stringify(from)}`, 'invalid');
  const name = named?.[1]?.replace(/^"(.*)"$/, '$1');
  return name ? { name, address } : { address };
}

type Server = { host: string; port: number; secure: boolean; user?: string; pass?: string; shown: string };

function parseSmtpUrl(smtpUrl: string): Server {
  let url: URL;
  try {
    url = new URL(smtpUrl);
  } catch {
    // The text may hold a password: it is not repeated.
    throw new MailError('SMTP_URL is not a URL: expected smtp://[user:password@]host[:port] or smtps://…', 'invalid');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') throw new MailError(`SMTP_URL must start with smtp:// or smtps://, not ${url.protocol}//`, 'invalid');
  if (!url.hostname) throw new MailError('SMTP_URL has no host', 'invalid');
  const secure = url.protocol === 'smtps:';
  const port = url.port ? Number(url.port) : secure ? 465 : 587;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1'); // IPv6 literals go to the socket without brackets
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      throw new MailError('SMTP_URL has a malformed percent-escape in its user or password', 'invalid');
    }
  };
  return {
    host,
    port,
    secure,
    user: url.username ? decode(url.username) : undefined,
    pass: url.password ? decode(url.password) : undefined,
    shown: `${url.protocol}//${url.hostname}:${port}`,
  };
}

/**
 * An SMTP URL fit to print: scheme, host and port only. User, password, path and query are dropped;
 * text that is not a URL is not repeated at all (it may be a password pasted in the wrong place).
 */
export function redactSmtpUrl(smtpUrl: string): string {
  try {
    const url = new URL(smtpUrl);
    return `${url.protocol}//${url.hostname}${url.port ? `:${url.port}` : ''}`;
  } catch {
    return '(an SMTP_URL that is not a URL)';
  }
}

/** `secret` removed from `text`, also in the forms a server or a library might echo it (percent-encoded, base64). */
function scrub(text: string, secrets: Array<string | undefined>): string {
  let out = text;
  for (const s of secrets) {
    if (!s || s.length < 2) continue;
    for (const form of new Set([s, encodeURIComponent(s), Buffer.from(s).toString('base64')])) out = out.split(form).join('***');
  }
  return out;
}

type NodemailerFailure = { message?: unknown; code?: unknown; responseCode?: unknown };

export function createMailer(options: MailerOptions): Mailer {
  const server = parseSmtpUrl(options.smtpUrl);
  const from = parseFrom(options.from);
  const t = options.timeouts ?? {};
  const transport = nodemailer.createTransport({
    pool: true,
    maxConnections: 2,
    maxMessages: 100,
    host: server.host,
    port: server.port,
    secure: server.secure,
    auth: server.user ? { user: server.user, pass: server.pass ?? '' } : undefined,
    connectionTimeout: t.connectMs ?? 10_000,
    greetingTimeout: t.greetingMs ?? 10_000,
    socketTimeout: t.socketMs ?? 60_000,
    dnsTimeout: t.connectMs ?? 10_000,
    logger: false,
    debug: false,
    // Bodies are strings this module was handed: never let a message read a file or fetch a URL.
    disableFileAccess: true,
    disableUrlAccess: true,
  });

  const failure = (doing: string, err: unknown): MailError => {
    const e = (err ?? {}) as NodemailerFailure;
    const cause = scrub(typeof e.message === 'string' ? e.message : String(err), [server.user && server.pass ? `${server.user}:${server.pass}` : undefined, server.pass, server.user]);
    const code = typeof e.code === 'string' ? e.code : undefined;
    const responseCode = typeof e.responseCode === 'number' ? e.responseCode : undefined;
    return new MailError(`${doing} through SMTP server ${server.shown} failed: ${cause}${code && !cause.includes(code) ? ` (${code})` : ''}`, 'smtp', server.shown, code, responseCode);
  };

  return {
    async send(message) {
      const parsed = messageSchema.safeParse(message);
      if (!parsed.success) {
        const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'message'} ${i.message}`).join('; ');
        throw new MailError(`mail not sent: ${problems}`, 'invalid', server.shown);
      }
      const m = parsed.data;
      let info: { messageId?: unknown; rejected?: unknown };
      try {
        info = await transport.sendMail({ from, to: m.to, subject: m.subject, text: m.text, ...(m.html !== undefined ? { html: m.html } : {}) });
      } catch (err) {
        throw failure(`sending mail to ${m.to}`, err);
      }
      if (Array.isArray(info.rejected) && info.rejected.length > 0) {
        throw new MailError(`sending mail to ${m.to} through SMTP server ${server.shown} failed: the server refused the recipient`, 'smtp', server.shown);
      }
      return { messageId: typeof info.messageId === 'string' ? info.messageId : '' };
    },
    async verify() {
      try {
        await transport.verify();
      } catch (err) {
        throw failure('connecting', err);
      }
    },
    close() {
      transport.close();
    },
  };
}
