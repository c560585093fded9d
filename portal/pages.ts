import { PORTAL_PATHS, SIGN_IN_LINK_MINUTES } from '../core/portal-access';
import { printable } from '../core/text';
import { escapeHtml } from '../mail/messages';

/**
 * The user portal's pages: server-rendered HTML, small and accessible (labels, headings, one main region,
 * alerts announced), no scripts. Every value shown is escaped; forms carry their CSRF token.
 */

/** An untrusted value for the page: control characters shown as escapes, then HTML-escaped. */
const h = (value: string) => escapeHtml(printable(value));

const STYLE = `
body { font-family: system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif; margin: 0; color: #1d1c1d; background: #f8f8f8; }
header { background: #1d1c1d; color: #fff; padding: 12px 24px; display: flex; justify-content: space-between; align-items: center; }
header form { margin: 0; }
main { max-width: 720px; margin: 32px auto; padding: 0 24px; }
.card { background: #fff; border: 1px solid #ddd; border-radius: 8px; padding: 20px 24px; margin: 16px 0; }
.tiles { list-style: none; padding: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 16px; }
.tile h3 { margin-top: 0; }
label { display: block; font-weight: 600; margin-bottom: 4px; }
input[type=email] { font-size: 16px; padding: 8px; width: 100%; max-width: 360px; box-sizing: border-box; }
button { font-size: 15px; padding: 8px 16px; border-radius: 4px; border: 1px solid #1264a3; background: #1264a3; color: #fff; cursor: pointer; }
header button { background: transparent; border-color: #fff; }
[role=alert], .notice { border-left: 4px solid #e01e5a; padding: 8px 12px; background: #fff; }
.notice { border-left-color: #1264a3; }
.muted { color: #616061; font-size: 14px; }
`;

type Chrome = { title: string; signedInAs?: { name: string; email: string; csrfToken: string } };

function page(chrome: Chrome, body: string): string {
  const who = chrome.signedInAs;
  const header = who
    ? `<header><span>Bindery user portal</span><span>${h(who.name)} <span class="muted">(${h(who.email)})</span> <form method="post" action="${PORTAL_PATHS.signOut}" style="display:inline">${csrf(who.csrfToken)}<button type="submit">Sign out</button></form></span></header>`
    : '<header><span>Bindery user portal</span></header>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="referrer" content="no-referrer">
<title>${h(chrome.title)} · Bindery</title><style>${STYLE}</style></head>
<body>${header}<main>${body}</main></body></html>
`;
}

const csrf = (token: string) => `<input type="hidden" name="_csrf" value="${escapeHtml(token)}">`;
const hidden = (name: string, value: string | undefined) => (value === undefined ? '' : `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`);
const alert = (text: string | undefined) => (text ? `<p role="alert">${h(text)}</p>` : '');

/** Sign-in: the person's email address, to receive a single-use link. */
export function signInPage(o: { csrfToken: string; next?: string; email?: string; error?: string; notice?: string }): string {
  return page(
    { title: 'Sign in' },
    `<h1>Sign in</h1>
${alert(o.error)}${o.notice ? `<p class="notice">${h(o.notice)}</p>` : ''}
<div class="card">
<form method="post" action="${PORTAL_PATHS.signIn}">
${csrf(o.csrfToken)}${hidden('next', o.next)}
<label for="email">Your work email address</label>
<p><input id="email" name="email" type="email" autocomplete="email" required maxlength="320" value="${escapeHtml(o.email ?? '')}"></p>
<p><button type="submit">Email me a sign-in link</button></p>
</form>
<p class="muted">There is no password: we email you a link that signs you in once, within ${SIGN_IN_LINK_MINUTES} minutes.</p>
</div>`,
  );
}

/** After a sign-in request: the same answer whether or not the address is known. */
export function checkEmailPage(o: { email: string }): string {
  return page(
    { title: 'Check your email' },
    `<h1>Check your email</h1>
<div class="card" aria-live="polite">
<p>If <strong>${h(o.email)}</strong> belongs to someone in the directory, a sign-in link is on its way to it.</p>
<p>The link works once, within ${SIGN_IN_LINK_MINUTES} minutes. You can close this page.</p>
<p><a href="${PORTAL_PATHS.home}">Use another address</a></p>
</div>`,
  );
}

/** An emailed link, opened: one button uses it (a mail scanner following links does not). */
export function continuePage(o: { token: string; csrfToken: string; bind: boolean }): string {
  return page(
    { title: 'Continue signing in' },
    `<h1>${o.bind ? 'Bind your account' : 'Sign in'}</h1>
<div class="card">
<form method="post" action="${PORTAL_PATHS.link}">
${csrf(o.csrfToken)}${hidden('token', o.token)}
<p>${o.bind ? 'Continue to the user portal, then launch the application once to bind your account to single sign-on.' : 'Continue to sign in to the user portal.'}</p>
<p><button type="submit">Continue</button></p>
</form>
</div>`,
  );
}

export type Tile = { connectorId: string; label: string; description: string; launchable: boolean; note?: string; bindPending: boolean };

/** The person's applications: a tile per application they may use, with its launch button. */
export function appsPage(o: { name: string; email: string; csrfToken: string; tiles: Tile[]; notice?: string; error?: string }): string {
  const tiles = o.tiles.map(
    (t) => `<li class="card tile"><h3>${h(t.label)}</h3>${t.description ? `<p class="muted">${h(t.description)}</p>` : ''}
${t.launchable ? `<form method="post" action="${escapeHtml(PORTAL_PATHS.launch(t.connectorId))}">${csrf(o.csrfToken)}<button type="submit" aria-label="Launch ${h(t.label)}">Launch</button></form>` : ''}
${t.note ? `<p class="muted">${h(t.note)}</p>` : ''}${t.bindPending && t.launchable ? '<p class="muted">Launch once to bind your account to single sign-on.</p>' : ''}</li>`,
  );
  return page(
    { title: 'Your applications', signedInAs: { name: o.name, email: o.email, csrfToken: o.csrfToken } },
    `<h1>Your applications</h1>
${alert(o.error)}${o.notice ? `<p class="notice">${h(o.notice)}</p>` : ''}
${tiles.length > 0 ? `<ul class="tiles">${tiles.join('\n')}</ul>` : '<p class="card">No applications are available to you yet. Ask your administrator.</p>'}`,
  );
}

/** Something the person cannot do, and what to do instead. */
export function messagePage(o: { title: string; message: string; action?: { href: string; text: string } }): string {
  return page(
    { title: o.title },
    `<h1>${h(o.title)}</h1>
<div class="card"><p role="alert">${h(o.message)}</p>${o.action ? `<p><a href="${escapeHtml(o.action.href)}">${h(o.action.text)}</a></p>` : ''}</div>`,
  );
}
