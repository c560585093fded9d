import { timingSafeEqual } from 'node:crypto';

/**
 * Who may use the codec server: a caller with a bearer token it accepts (the admin API key: an operator,
 * the Temporal CLI's `--codec-auth`), or a browser on a Temporal Web UI origin the deployment allows
 * (BINDERY_CODEC_ALLOW_ORIGINS; the UI has no way to send a token over plain HTTP). Nobody else.
 *
 * An origin is what a browser says it is on; a non-browser can claim any. So an allowed origin protects
 * against other web pages, not against someone who can reach the port: keep the codec server where only
 * operators reach it (loopback for `npm start`, a private network in production) or use tokens only.
 */
export type Access = { allowed: true; cors: boolean } | { allowed: false; status: 401 | 403; detail: string; cors: boolean };

export type AccessPolicy = { tokens: readonly string[]; allowOrigins: readonly string[]; namespace?: string };

/** `https://ui.example.com,http://127.0.0.1:8233` → origins, each checked to be exactly an origin. */
export function parseOrigins(text: string | undefined, source = 'BINDERY_CODEC_ALLOW_ORIGINS'): string[] {
  const origins: string[] = [];
  for (const entry of (text ?? '').split(',').map((e) => e.trim()).filter(Boolean)) {
    let origin: string | undefined;
    try {
      origin = new URL(entry).origin;
    } catch {
      origin = undefined;
    }
    if (!origin || origin === 'null' || origin !== entry.replace(/\/$/, '')) {
      throw new Error(`${source}: "${entry}" is not an origin; write scheme://host[:port] with no path, e.g. http://127.0.0.1:8233`);
    }
    origins.push(origin);
  }
  return origins;
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The decision for one request, from its Authorization, Origin and X-Namespace headers. */
export function decideAccess(policy: AccessPolicy, headers: { authorization?: string; origin?: string; namespace?: string }): Access {
  const cors = headers.origin !== undefined && policy.allowOrigins.includes(headers.origin);
  if (policy.namespace && headers.namespace && headers.namespace !== policy.namespace) {
    return { allowed: false, status: 403, cors, detail: `This codec server serves the namespace "${policy.namespace}" only (X-Namespace: ${JSON.stringify(headers.namespace.slice(0, 100))}).` };
  }
  const bearer = /^bearer\s+(.+)$/i.exec(headers.authorization ?? '')?.[1]?.trim();
  if (bearer !== undefined) {
    if (policy.tokens.some((t) => t && sameSecret(bearer, t))) return { allowed: true, cors };
    return { allowed: false, status: 401, cors, detail: 'The bearer token is not one this codec server accepts: send the admin API key (BINDERY_API_KEY) as "Authorization: Bearer <key>".' };
  }
  if (cors) return { allowed: true, cors };
  if (headers.origin !== undefined) {
    return { allowed: false, status: 403, cors, detail: `The origin ${JSON.stringify(headers.origin.slice(0, 200))} may not decode payloads: add the Temporal Web UI's origin to BINDERY_CODEC_ALLOW_ORIGINS, or send the admin API key as a bearer token.` };
  }
  return { allowed: false, status: 401, cors, detail: 'Send the admin API key (BINDERY_API_KEY) as "Authorization: Bearer <key>", e.g. temporal workflow show --codec-endpoint <url> --codec-auth "Bearer <key>".' };
}
