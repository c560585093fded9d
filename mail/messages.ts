import { printable } from '../core/text';

/**
 * The mail Bindery sends, rendered from plain data as `{ subject, text, html }` for mail/mailer.ts. Pure: no I/O.
 *
 * Every value may come from the directory and is untrusted: in the subject and the text, control characters
 * and bidirectional overrides are shown as `\u{…}` escapes (core/text `printable`), so a value can neither
 * add a header line nor disguise itself; in the HTML, every value is also escaped (`escapeHtml`).
 * Callers pass only what the recipient may see (see mail/mailer.ts).
 */

export type RenderedMail = { subject: string; text: string; html: string };

export type HeldDeactivations = {
  connectorLabel: string;
  connectorId: string;
  /** Deactivations held back by the circuit breaker. */
  held: number;
  /** Users of the connector linked to a target account. */
  linkedUsers: number;
  /** The limit that was crossed, in words: "more than 10% of linked users or 50 users". */
  threshold: string;
  /** Why the deactivations were planned (what the sync saw). */
  reason: string;
  /** The CLI command that carries them out, and the one that drops them. */
  approveCommand: string;
  rejectCommand: string;
};

export type ImportSummary = {
  connectorLabel: string;
  importId: string;
  created: number;
  alreadyImported: number;
  refused: Array<{ remoteId: string; userName: string; reason: string }>;
};

export type SsoBind = { userDisplayName: string; connectorLabel: string; link: string; expiresAt: Date };

/** At most this many refused users are listed in an import summary; the rest are counted. */
export const REFUSED_LISTED = 50;

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe inside HTML elements and quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch]!);
}

/** An untrusted value for the subject or the text: one line, nothing that acts on a terminal or a header. */
const plain = (value: string) => printable(value);
/** An untrusted value for the subject: as `plain`, and short enough to keep the subject one header line. */
const short = (value: string, max = 100) => {
  const chars = [...plain(value)]; // by code point: never half a surrogate pair
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : chars.join('');
};
/** An untrusted value for the HTML. */
const h = (value: string) => escapeHtml(printable(value));

const numberFormat = new Intl.NumberFormat('en-US');
const count = (n: number) => numberFormat.format(n);
const plural = (n: number, one: string, many = `${one}s`) => `${count(n)} ${n === 1 ? one : many}`;

/** `2026-12-04 09:30 UTC`: one reading for every recipient, whatever their time zone. */
export function formatUtc(at: Date): string {
  if (Number.isNaN(at.getTime())) throw new RangeError('expiresAt is not a valid date');
  return `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** The plain-text part: the lines, then the signature the HTML part also carries. */
function plainText(lines: string[]): string {
  return [...lines, '', '-- ', 'Sent by Bindery.'].join('\n');
}

function page(paragraphs: string[]): string {
  return [
    '<!doctype html>',
    '<html><head><meta charset="utf-8"></head>',
    '<body style="font-family: -apple-system, Segoe UI, Helvetica, Arial, sans-serif; font-size: 15px; line-height: 1.5; color: #1d1c1d; max-width: 640px">',
    ...paragraphs,
    '<p style="color: #616061; font-size: 13px">Sent by Bindery.</p>',
    '</body></html>',
  ].join('\n');
}

const code = (command: string) => `<pre style="background: #f4f4f4; padding: 8px 12px; border-radius: 4px; white-space: pre-wrap"><code>${h(command)}</code></pre>`;

/** To the admin: the circuit breaker held deactivations; approve or reject them. */
export function heldDeactivationsMessage(d: HeldDeactivations): RenderedMail {
  const share = d.linkedUsers > 0 ? ` (${Math.round((d.held / d.linkedUsers) * 1000) / 10}%)` : '';
  const subject = `Bindery held ${plural(d.held, 'deactivation')} for ${short(d.connectorLabel)}`;
  const text = plainText([
    `Bindery held ${plural(d.held, 'deactivation')} on connector ${plain(d.connectorLabel)} (${plain(d.connectorId)}) instead of carrying them out.`,
    '',
    `That is ${count(d.held)} of ${plural(d.linkedUsers, 'linked user')}${share}, over the limit: ${plain(d.threshold)}.`,
    `Reason: ${plain(d.reason)}`,
    '',
    'Nobody has been deactivated yet. Check the reason first; then, to deactivate them:',
    '',
    `    ${plain(d.approveCommand)}`,
    '',
    'or, to leave them active and drop the held deactivations:',
    '',
    `    ${plain(d.rejectCommand)}`,
  ]);
  const html = page([
    `<p>Bindery held <strong>${plural(d.held, 'deactivation')}</strong> on connector <strong>${h(d.connectorLabel)}</strong> (<code>${h(d.connectorId)}</code>) instead of carrying them out.</p>`,
    `<p>That is ${count(d.held)} of ${plural(d.linkedUsers, 'linked user')}${share}, over the limit: ${h(d.threshold)}.<br>Reason: ${h(d.reason)}</p>`,
    '<p>Nobody has been deactivated yet. Check the reason first; then, to deactivate them:</p>',
    code(d.approveCommand),
    '<p>or, to leave them active and drop the held deactivations:</p>',
    code(d.rejectCommand),
  ]);
  return { subject, text, html };
}

/** To the admin: a background import finished. Lists up to REFUSED_LISTED refused users. */
export function importSummaryMessage(d: ImportSummary): RenderedMail {
  const refused = d.refused.length;
  const listed = d.refused.slice(0, REFUSED_LISTED);
  const more = refused - listed.length;
  const subject = `Bindery import for ${short(d.connectorLabel)} finished: ${count(d.created)} created${refused ? `, ${count(refused)} refused` : ''}`;
  const counts: Array<[string, number]> = [
    ['Created', d.created],
    ['Already imported', d.alreadyImported],
    ['Refused', refused],
  ];
  const refusedLine = (r: ImportSummary['refused'][number]) => `${plain(r.userName)} (remote ID ${plain(r.remoteId)}): ${plain(r.reason)}`;
  const text = plainText([
    `The import ${plain(d.importId)} for connector ${plain(d.connectorLabel)} has finished.`,
    '',
    ...counts.map(([label, n]) => `${label}: ${count(n)}`),
    ...(refused
      ? ['', 'Refused users, not imported:', ...listed.map((r) => `  - ${refusedLine(r)}`), ...(more > 0 ? [`  … and ${count(more)} more (see import ${plain(d.importId)}).`] : [])]
      : []),
    '',
    'Imported users are left as they are until a bound group includes them.',
  ]);
  const html = page([
    `<p>The import <code>${h(d.importId)}</code> for connector <strong>${h(d.connectorLabel)}</strong> has finished.</p>`,
    `<table style="border-collapse: collapse">${counts.map(([label, n]) => `<tr><td style="padding: 2px 16px 2px 0">${label}</td><td style="text-align: right"><strong>${count(n)}</strong></td></tr>`).join('')}</table>`,
    ...(refused
      ? [
          '<p>Refused users, not imported:</p>',
          `<ul>${listed.map((r) => `<li><strong>${h(r.userName)}</strong> (remote ID <code>${h(r.remoteId)}</code>): ${h(r.reason)}</li>`).join('')}${more > 0 ? `<li>… and ${count(more)} more (see import <code>${h(d.importId)}</code>).</li>` : ''}</ul>`,
        ]
      : []),
    '<p>Imported users are left as they are until a bound group includes them.</p>',
  ]);
  return { subject, text, html };
}

/** To a member: bind their account to single sign-on with a link that expires. The link must be http(s). */
export function ssoBindMessage(d: SsoBind): RenderedMail {
  let link: string;
  try {
    const url = new URL(d.link);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error();
    link = url.href;
  } catch {
    throw new RangeError('the SSO bind link must be an http(s) URL');
  }
  const expires = formatUtc(d.expiresAt);
  const subject = `Action needed: bind your ${short(d.connectorLabel)} account to single sign-on`;
  const text = plainText([
    `Hello ${plain(d.userDisplayName)},`,
    '',
    `${plain(d.connectorLabel)} now signs you in with single sign-on (SSO). To keep using your account, open this link and sign in:`,
    '',
    link,
    '',
    `The link expires on ${expires}. If it has expired, ask your administrator to send a new one.`,
    'If you did not expect this email, you can ignore it.',
  ]);
  const html = page([
    `<p>Hello ${h(d.userDisplayName)},</p>`,
    `<p><strong>${h(d.connectorLabel)}</strong> now signs you in with single sign-on (SSO). To keep using your account, open this link and sign in:</p>`,
    ...button(link, 'Bind my account'),
    `<p>The link expires on <strong>${expires}</strong>. If it has expired, ask your administrator to send a new one.</p>`,
    '<p>If you did not expect this email, you can ignore it.</p>',
  ]);
  return { subject, text, html };
}

/** A link as the HTML part shows it: the link, and the address to copy when the client hides links. */
function button(link: string, label: string): string[] {
  return [`<p><a href="${escapeHtml(link)}">${h(label)}</a></p>`, `<p style="font-size: 13px; color: #616061">Or copy this address into your browser: ${escapeHtml(link)}</p>`];
}

export type PortalSignIn = { userDisplayName: string; link: string; validMinutes: number };

/** To a member: a single-use link that signs them in to the user portal, valid a few minutes. The link must be http(s). */
export function portalSignInMessage(d: PortalSignIn): RenderedMail {
  const link = httpLink(d.link, 'the sign-in link');
  const subject = 'Your sign-in link for the Bindery user portal';
  const text = plainText([
    `Hello ${plain(d.userDisplayName)},`,
    '',
    'Open this link to sign in to the user portal:',
    '',
    link,
    '',
    `It works once, within ${plural(d.validMinutes, 'minute')}. If you did not ask to sign in, you can ignore this email: nobody can use the link without access to your mailbox.`,
  ]);
  const html = page([
    `<p>Hello ${h(d.userDisplayName)},</p>`,
    '<p>Open this link to sign in to the user portal:</p>',
    ...button(link, 'Sign in to the user portal'),
    `<p>It works once, within ${plural(d.validMinutes, 'minute')}. If you did not ask to sign in, you can ignore this email: nobody can use the link without access to your mailbox.</p>`,
  ]);
  return { subject, text, html };
}

/** An http(s) URL, normalised; anything else is refused (a mail must never carry a javascript: or file: link). */
function httpLink(value: string, what: string): string {
  try {
    const url = new URL(value);
    if (url.protocol === 'https:' || url.protocol === 'http:') return url.href;
  } catch {
    // refused below
  }
  throw new RangeError(`${what} must be an http(s) URL`);
}
