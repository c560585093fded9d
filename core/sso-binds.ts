/**
 * The SSO bind window (B1, B2): when SSO is on, each authorized user who has not bound yet is emailed a
 * link and has 72 hours to launch the application from the user portal; the first launch binds them.
 * Pure facts shared by the workflow (which owns the timer), the activities, the services and the portal.
 */

/** The seed: "Members will have 72 hours to bind their account before their link expires". */
export const BIND_WINDOW_HOURS = 72;
export const BIND_WINDOW_MS = BIND_WINDOW_HOURS * 60 * 60 * 1000;

/**
 * What the bind workflow found when it looked (level-triggered: it is told to look, never what changed):
 * - `send`: a round whose email has not gone out yet (a new window, or a resend);
 * - `waiting`: the round's email went out; its window ends at `deadline` (epoch ms);
 * - `bound`: the user launched the application (B2); `expired`: the window ended first;
 * - `withdrawn`: SSO is off, or the user is no longer authorized: there is nothing to wait for.
 * Only IDs, round numbers and times: this travels through workflow history.
 */
export type BindLook =
  | { status: 'send'; round: number }
  | { status: 'waiting'; round: number; deadline: number }
  | { status: 'bound' }
  | { status: 'expired'; round: number }
  | { status: 'withdrawn' };

/** How a bind workflow run ends. */
export type BindOutcome = 'bound' | 'expired' | 'withdrawn';

/** The state a bind row is in (db/schema.ts BIND_STATES), and what the workflow makes of it. */
export function lookAt(row: { state: 'pending' | 'bound' | 'expired'; round: number; sentAt: Date | null; deadline: Date } | undefined): BindLook | undefined {
  if (!row) return undefined;
  if (row.state === 'bound') return { status: 'bound' };
  if (row.state === 'expired') return { status: 'expired', round: row.round };
  return row.sentAt ? { status: 'waiting', round: row.round, deadline: row.deadline.getTime() } : { status: 'send', round: row.round };
}

/** Where a bind email's sign-in link leads: the portal, offering to launch the connector's application. */
export function bindNext(connectorId: string, round: number): string {
  return `/portal/bind/${encodeURIComponent(connectorId)}/${round}`;
}

/** The connector and round a bind link was made for; undefined for any other `next`. */
export function parseBindNext(next: string | null | undefined): { connectorId: string; round: number } | undefined {
  const m = /^\/portal\/bind\/([^/?#]+)\/([1-9][0-9]{0,8})$/.exec(next ?? '');
  if (!m) return undefined;
  try {
    return { connectorId: decodeURIComponent(m[1]!), round: Number(m[2]) };
  } catch {
    return undefined;
  }
}
