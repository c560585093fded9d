import { syncWorkflowId } from '../core/sync-kinds';
import type { Tx } from '../db/client';
import { recordEvent } from '../db/events';
import { enqueue, enqueueMany } from '../db/outbox';
import { type BindState, type BindView, getBind, listBinds as selectBinds, markBound, newRound, openBinds, withdrawBinds } from '../db/sso-binds';
import { findUser } from '../db/users';
import { DomainError, notFound } from './context';
import { requireConnector } from './connectors';

/**
 * The SSO bind window (B1, B2), on the directory's side. Each change writes its rows and queues "look at
 * this bind" (the outbox) in the caller's transaction; the workflow sso-bind/<connectorId>/<userId> then
 * sends the email, holds the 72-hour timer, and ends when it finds the user bound, expired or withdrawn.
 * Users who become authorized, or lose it, while SSO is on are queued by db/outbox.ts (enqueueUser and
 * enqueueGroupMembers), where every change of authorization already passes.
 */

/** SSO was turned on: every authorized user who has not bound gets a window and an email. Returns how many. */
export async function onSsoActivated(tx: Tx, connectorId: string): Promise<number> {
  const users = await openBinds(tx, connectorId);
  await enqueueMany(tx, 'bind', connectorId, users);
  return users.length;
}

/**
 * SSO was turned off: every open window ends, and so does its workflow (it looks, finds SSO off, and
 * completes). Users kept inactive in the target for a first launch are looked at again by their user-sync.
 */
export async function onSsoDeactivated(tx: Tx, connectorId: string): Promise<number> {
  const connector = await requireConnector(tx, connectorId);
  const ended = await withdrawBinds(tx, connectorId);
  await enqueueMany(tx, 'bind', connectorId, ended.map((e) => e.userId));
  if (connector.idmStatus === 'active') {
    await enqueueMany(tx, 'user', connectorId, ended.filter((e) => e.createdInactive).map((e) => e.userId));
  }
  if (ended.length > 0) {
    await recordEvent(tx, {
      type: 'sso_bind_withdrawn',
      connectorId,
      objectType: 'connector',
      objectId: connectorId,
      outcome: 'success',
      message: `SSO deactivated: ${ended.length} bind window(s) not yet bound ended; their links no longer work.`,
    });
  }
  return ended.length;
}

/**
 * The user launched the application from the portal (IdP-initiated) or signed in to it through Bindery
 * (SP-initiated): their window is bound (B2), its workflow ends, and their user-sync looks again so that an
 * account kept inactive until this first launch is activated. True for the first launch only.
 */
export async function recordLaunch(tx: Tx, connectorId: string, userId: string): Promise<boolean> {
  const connector = await requireConnector(tx, connectorId);
  if (!(await markBound(tx, connectorId, userId))) return false;
  await recordEvent(tx, {
    type: 'sso_bind_bound',
    connectorId,
    objectType: 'user',
    objectId: userId,
    outcome: 'success',
    message: `First launch through single sign-on: the account is bound.`,
    workflowId: syncWorkflowId('bind', connectorId, userId),
  });
  await enqueue(tx, 'bind', connectorId, userId);
  if (connector.idmStatus === 'active') await enqueue(tx, 'user', connectorId, userId);
  return true;
}

export type Resent = { userId: string; round: number; deadline: Date };

/**
 * A new email and a fresh 72-hour window, for one user or for every pending and expired one; links of
 * earlier rounds stop working. The deadline returned is provisional until the email goes out.
 */
export async function resendBinds(tx: Tx, connectorId: string, target: { userId: string } | { all: true }): Promise<Resent[]> {
  const connector = await requireConnector(tx, connectorId);
  if (!connector.ssoActive) {
    throw new DomainError('conflict', `SSO is not active for connector ${connectorId}: there is no bind window to resend.`, {
      api: `Activate SSO first (POST /v1/connectors/${connectorId}/sso/activate): every authorized user who has not bound gets an email.`,
      cli: `Activate SSO first (\`bindery connector sso ${connectorId} on\`): every authorized user who has not bound gets an email.`,
    });
  }
  if ('userId' in target) {
    const bind = await getBind(tx, connectorId, target.userId);
    if (!bind) {
      if (!(await findUser(tx, target.userId))) throw notFound('directory user', target.userId);
      throw new DomainError('not_found', `User ${target.userId} has no bind window on connector ${connectorId}: only users the connector authorizes (through a bound group) get one.`);
    }
    if (bind.state === 'bound') throw new DomainError('conflict', `User ${target.userId} is already bound on connector ${connectorId} (since ${bind.boundAt?.toISOString() ?? 'their first launch'}); there is nothing to resend.`);
  }
  const rows = await newRound(tx, connectorId, { userIds: 'userId' in target ? [target.userId] : undefined, states: ['pending', 'expired'] });
  await enqueueMany(tx, 'bind', connectorId, rows.map((r) => r.userId));
  return rows;
}

export async function listBinds(tx: Tx, connectorId: string, page: { state?: BindState; after?: string; limit: number }): Promise<BindView[]> {
  await requireConnector(tx, connectorId);
  return selectBinds(tx, connectorId, page);
}
