import { and, eq, gt, isNull, lt, or, sql } from 'drizzle-orm';
import { hashToken, newToken } from '../core/portal-access';
import type { Tx } from './client';
import { directoryUsers, portalLinks, portalSessions } from './schema';

/**
 * The user portal's single-use sign-in links and its sessions. Only SHA-256 digests of their secrets are
 * stored: a copy of the database signs nobody in.
 */

/** A new single-use link for the user; the token is returned once, for the email, and never stored. */
export async function createSignInLink(tx: Tx, link: { userId: string; next?: string | null; expiresAt: Date }): Promise<string> {
  const token = newToken();
  await tx.insert(portalLinks).values({ tokenHash: hashToken(token), userId: link.userId, next: link.next ?? null, expiresAt: link.expiresAt });
  return token;
}

/** The link the token names, while it can still be used (for the page that asks to continue; uses nothing). */
export async function peekSignInLink(tx: Tx, token: string): Promise<{ next: string | null } | undefined> {
  const [row] = await tx
    .select({ next: portalLinks.next })
    .from(portalLinks)
    .where(and(eq(portalLinks.tokenHash, hashToken(token)), isNull(portalLinks.usedAt), gt(portalLinks.expiresAt, sql`now()`)));
  return row;
}

/**
 * Uses the link: at most once (one UPDATE marks it used, so two clicks at the same moment cannot both
 * succeed), and only before it expires. Undefined for an unknown, used or expired link.
 */
export async function redeemSignInLink(tx: Tx, token: string): Promise<{ userId: string; next: string | null } | undefined> {
  const [row] = await tx
    .update(portalLinks)
    .set({ usedAt: sql`now()` })
    .where(and(eq(portalLinks.tokenHash, hashToken(token)), isNull(portalLinks.usedAt), gt(portalLinks.expiresAt, sql`now()`)))
    .returning({ userId: portalLinks.userId, next: portalLinks.next });
  return row;
}

export type PortalSession = { userId: string; csrfToken: string; expiresAt: Date };

/** A new session; its ID (the cookie's value) is returned once and stored only as a digest. */
export async function createSession(tx: Tx, userId: string, expiresAt: Date): Promise<{ id: string } & PortalSession> {
  const id = newToken();
  const csrfToken = newToken();
  await tx.insert(portalSessions).values({ idHash: hashToken(id), userId, csrfToken, expiresAt });
  return { id, userId, csrfToken, expiresAt };
}

/** The live session the cookie names; undefined when unknown or expired. */
export async function findSession(tx: Tx, id: string): Promise<PortalSession | undefined> {
  const [row] = await tx
    .select({ userId: portalSessions.userId, csrfToken: portalSessions.csrfToken, expiresAt: portalSessions.expiresAt })
    .from(portalSessions)
    .where(and(eq(portalSessions.idHash, hashToken(id)), gt(portalSessions.expiresAt, sql`now()`)));
  return row;
}

export async function deleteSession(tx: Tx, id: string): Promise<void> {
  await tx.delete(portalSessions).where(eq(portalSessions.idHash, hashToken(id)));
}

/** Forgets expired sessions and links that can no longer be used (a day after they were used or expired). */
export async function purgePortal(tx: Tx): Promise<void> {
  await tx.delete(portalSessions).where(lt(portalSessions.expiresAt, sql`now()`));
  await tx.delete(portalLinks).where(or(lt(portalLinks.expiresAt, sql`now() - interval '1 day'`), lt(portalLinks.usedAt, sql`now() - interval '1 day'`)));
}

/** The directory's live users with this email address, ignoring case (the portal's sign-in form). */
export async function liveUsersByEmail(tx: Tx, email: string) {
  return tx
    .select()
    .from(directoryUsers)
    .where(and(sql`lower(${directoryUsers.email}) = lower(${email})`, isNull(directoryUsers.deletedAt)))
    .limit(10);
}
