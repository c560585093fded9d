/**
 * A person's browser, reduced to what the user portal needs, for tests over plain HTTP: a cookie jar,
 * forms posted as application/x-www-form-urlencoded, redirects followed by hand (so each can be seen).
 * The headless-Chromium test (test/browser) drives the same pages with a real browser.
 */
export type Answer = { status: number; url: string; location?: string; text: string; setCookies: string[] };

export class PortalClient {
  readonly cookies = new Map<string, string>();
  /** Every Set-Cookie header the portal sent, in order (to check their attributes). */
  readonly setCookies: string[] = [];

  constructor(readonly origin: string) {}

  /** One request, no redirect followed; cookies sent and kept. */
  async request(method: 'GET' | 'POST', pathOrUrl: string, form?: Record<string, string>): Promise<Answer> {
    const url = new URL(pathOrUrl, this.origin).toString();
    const res = await fetch(url, {
      method,
      redirect: 'manual',
      headers: {
        ...(this.cookies.size > 0 ? { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {}),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: form ? new URLSearchParams(form).toString() : undefined,
    });
    const setCookies = res.headers.getSetCookie();
    if (new URL(url).origin === new URL(this.origin).origin) {
      this.setCookies.push(...setCookies);
      for (const c of setCookies) {
        const [pair] = c.split(';');
        const at = pair!.indexOf('=');
        const name = pair!.slice(0, at).trim();
        const value = pair!.slice(at + 1).trim();
        if (/;\s*max-age=0/i.test(c) || /expires=Thu, 01 Jan 1970/i.test(c) || value === '') this.cookies.delete(name);
        else this.cookies.set(name, value);
      }
    }
    return { status: res.status, url, location: res.headers.get('location') ?? undefined, text: await res.text(), setCookies };
  }

  /** A request, then every redirect (a 303 turns into a GET), up to a few; the last answer. */
  async follow(method: 'GET' | 'POST', pathOrUrl: string, form?: Record<string, string>): Promise<Answer> {
    let answer = await this.request(method, pathOrUrl, form);
    for (let i = 0; i < 5 && answer.location && answer.status >= 300 && answer.status < 400; i++) {
      answer = await this.request('GET', new URL(answer.location, answer.url).toString());
    }
    return answer;
  }

  /** Opens an emailed sign-in link and presses Continue; the answer after the redirects. */
  async useLink(link: string): Promise<Answer> {
    const page = await this.request('GET', link);
    if (page.status !== 200) return page;
    return this.follow('POST', '/portal/link', { _csrf: field(page.text, '_csrf'), token: field(page.text, 'token') });
  }
}

/** A hidden form field's value in a page (the first with that name). */
export function field(html: string, name: string): string {
  const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  if (!m) throw new Error(`no field "${name}" in the page:\n${html.slice(0, 2000)}`);
  return decodeEntities(m[1]!);
}

/** A form's action in a page (the first form posting to a URL matching `pattern`). */
export function formAction(html: string, pattern: RegExp): string {
  const actions = [...html.matchAll(/<form method="post" action="([^"]*)"/g)].map((m) => decodeEntities(m[1]!));
  const found = actions.find((a) => pattern.test(a));
  if (!found) throw new Error(`no form posting to ${pattern} in the page (forms: ${actions.join(', ')})`);
  return found;
}

function decodeEntities(s: string): string {
  return s.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n))).replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** The portal link an email carries. */
export function linkIn(text: string): string {
  const m = /https?:\/\/\S+\/portal\/link\/[A-Za-z0-9_-]{43}/.exec(text);
  if (!m) throw new Error(`no portal link in the mail:\n${text}`);
  return m[0];
}
