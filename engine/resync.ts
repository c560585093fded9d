import { createHash } from 'node:crypto';
import { and, asc, eq, gt, inArray, or, sql } from 'drizzle-orm';
import { newId } from '../core/ids';
import { type GroupPlan, planGroup } from '../core/plan/group';
import { planUser, type RemoteFacts, type UserPlan } from '../core/plan/user';
import { ScimGroup } from '../core/scim-group';
import { ScimUser } from '../core/scim-user';
import { allowedDeactivations } from '../db/breaker';
import { authorizations } from '../db/authorization';
import type { Tx } from '../db/client';
import { getGroupLink } from '../db/group-links';
import { recordEvent } from '../db/events';
import { connectorGroups, groupLinks, resyncItems, resyncRuns, targetSnapshot, userLinks } from '../db/schema';
import { rowsOf } from '../db/outbox';
import { applyGroupPlan, applyUserPlan, MemberRefusal } from './executor';
import { forEachConcurrently } from './pool';
import { loadGroupState } from './groups';
import type { Session } from './session';
import { directoryFacts, linkFacts, loadUserStates, syncUser } from './users';

/**
 * A full reconciliation of one connector (S2), or its plan (S3), in pages so that memory stays bounded
 * whatever the directory's size: (1) the target's users are read once, at its largest page size, into a
 * snapshot table; (2) the directory's users (authorized or linked) are planned a page at a time against it
 * with the same planner as real-time sync — only plans that change something are kept, as the run's
 * items; (3) groups likewise; (4) accounts nobody in the directory matches are reported, never touched;
 * (5) the items are applied by the one executor, a batch at a time. A run that finds nothing to change
 * sends no write and starts no per-object work.
 */

export { emptyCounts, type RunCounts, type RunMode } from '../core/runs';
import { emptyCounts, type RunCounts, type RunMode } from '../core/runs';

/** Users planned per page, and target pages read per activity call. */
export const USER_PAGE = 1000;
export const READ_PAGES_PER_CALL = 20;
/** Items applied per call, and at once within it. */
export const APPLY_BATCH = 200;
const APPLY_CONCURRENCY = 8;

/**
 * An item: the plan, and a digest of what it was made from (the target's records and the directory's row),
 * so that a plan whose requests would be the same, but whose object changed since, is stale all the same.
 */
type ItemPlan = { kind: 'user'; plan: UserPlan; basis: string } | { kind: 'group'; plan: GroupPlan; basis: string };

const basisOf = (...parts: unknown[]) => createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);

export async function startRun(tx: Tx, connectorId: string, mode: RunMode, opts: { planId?: string; workflowId?: string } = {}): Promise<string> {
  const id = newId(mode === 'plan' ? 'plan' : 'run');
  await tx.insert(resyncRuns).values({ id, connectorId, mode, planId: opts.planId, workflowId: opts.workflowId, counts: emptyCounts() });
  return id;
}

/** Reads up to READ_PAGES_PER_CALL pages of the target's users from `startIndex` into the run's snapshot. */
export async function readTargetUsers(session: Session, runId: string, startIndex: number): Promise<{ next?: number; read: number }> {
  const { db } = session.deps;
  let read = 0;
  let index = startIndex;
  let pages = 0;
  for await (const page of session.client.listUsers({ startIndex })) {
    if (page.length > 0) {
      const rows = page.map((u) => ({
        runId,
        remoteId: u.id,
        userNameLc: u.userName.toLowerCase(),
        emailLc: (u.emails.find((e) => e.primary) ?? u.emails[0])?.value?.toLowerCase() ?? null,
        active: u.active !== false,
        resource: u as Record<string, unknown>,
      }));
      await db.insert(targetSnapshot).values(rows).onConflictDoNothing();
    }
    read += page.length;
    index += page.length;
    pages++;
    session.run.heartbeat?.();
    if (pages >= READ_PAGES_PER_CALL && page.length > 0) return { next: index, read };
  }
  return { read };
}

/**
 * The directory's users this connector concerns (authorized or linked), a page at a time by ID. Each of
 * the two sets is walked by its own keyset (`> after`, ordered, limited), which the user-ID indexes serve
 * in time proportional to the page; the page is their union's first `limit` IDs (each set distinct, so a
 * short page means both ran out). The union ordered and limited as a whole would be built whole for every
 * page: quadratic over a big directory.
 */
export async function concernedUsers(tx: Tx, connectorId: string, after: string | undefined, limit: number): Promise<string[]> {
  const auth = authorizations(tx, { connectorId }).as('auth');
  const authorized = tx.selectDistinct({ id: auth.userId }).from(auth).where(gt(auth.userId, after ?? '')).orderBy(auth.userId).limit(limit);
  const linked = tx.select({ id: userLinks.userId }).from(userLinks).where(and(eq(userLinks.connectorId, connectorId), gt(userLinks.userId, after ?? ''))).orderBy(userLinks.userId).limit(limit);
  const rows = rowsOf<{ id: string }>(await tx.execute(sql`select id from ((${authorized}) union (${linked})) as u(id) order by id limit ${limit}`));
  return rows.map((r) => r.id);
}

/** The snapshot's accounts that may be these users': by linked ID, userName or email. */
async function remoteFactsFor(tx: Tx, runId: string, users: Array<{ id: string; linkedId?: string | null; userName?: string; email?: string }>): Promise<Map<string, RemoteFacts>> {
  const ids = users.flatMap((u) => (u.linkedId ? [u.linkedId] : []));
  const names = users.flatMap((u) => (u.userName ? [u.userName.toLowerCase()] : []));
  const emails = users.flatMap((u) => (u.email ? [u.email.toLowerCase()] : []));
  const rows =
    ids.length + names.length + emails.length === 0
      ? []
      : await tx
          .select()
          .from(targetSnapshot)
          .where(
            and(
              eq(targetSnapshot.runId, runId),
              or(
                ids.length ? inArray(targetSnapshot.remoteId, ids) : undefined,
                names.length ? inArray(targetSnapshot.userNameLc, names) : undefined,
                emails.length ? inArray(targetSnapshot.emailLc, emails) : undefined,
              ),
            ),
          );
  const parsed = new Map<string, ScimUser>();
  const rowById = new Map(rows.map((r) => [r.remoteId, r]));
  const byId = (id: string) => {
    let user = parsed.get(id);
    if (!user) {
      const row = rowById.get(id);
      if (!row) return null;
      user = ScimUser.parse(row.resource);
      parsed.set(id, user);
    }
    return user;
  };
  const byName = new Map(rows.map((r) => [r.userNameLc, r.remoteId]));
  const byEmail = new Map(rows.filter((r) => r.emailLc).map((r) => [r.emailLc!, r.remoteId]));
  return new Map(
    users.map((u) => {
      const linked = u.linkedId ? byId(u.linkedId) : null;
      const nameId = u.userName ? byName.get(u.userName.toLowerCase()) : undefined;
      const emailId = u.email ? byEmail.get(u.email.toLowerCase()) : undefined;
      return [u.id, { linked, byUserName: nameId ? byId(nameId) : null, byEmail: emailId ? byId(emailId) : null }];
    }),
  );
}

/** Plans one page of users against the snapshot; keeps the plans that change something as items. */
export async function planUsersPage(session: Session, runId: string, after: string | undefined, seqStart: number): Promise<{ next?: string; counts: Record<string, number>; items: number; deactivations: number }> {
  const { db } = session.deps;
  const ids = await concernedUsers(db, session.connector.id, after, USER_PAGE);
  if (ids.length === 0) return { counts: {}, items: 0, deactivations: 0 };
  const states = await loadUserStates(db, session.connector.id, ids);
  const remote = await remoteFactsFor(
    db,
    runId,
    ids.map((id) => {
      const s = states.get(id)!;
      return { id, linkedId: s.link?.remoteId, userName: s.row?.username, email: s.row?.email };
    }),
  );
  const counts: Record<string, number> = {};
  const items: Array<typeof resyncItems.$inferInsert> = [];
  let deactivations = 0;
  for (const id of ids) {
    const state = states.get(id)!;
    const plan = planUser({ directory: directoryFacts(state), link: linkFacts(state), remote: remote.get(id), rules: session.profile });
    if ('needs' in plan) throw new Error('planUser asked for the target although the snapshot was given');
    const key = plan.steps.length === 0 && !plan.refusal ? 'unchanged' : plan.result;
    counts[key] = (counts[key] ?? 0) + 1;
    if (plan.steps.length === 0 && !plan.refusal) continue;
    // A refusal already recorded for this link is not news: the run reports it, nothing is applied twice.
    if (plan.refusal && state.link?.state === 'failed' && state.link.lastErrorCode === plan.refusal.code) continue;
    if (plan.steps.some((s) => s.op === 'deactivate')) deactivations++;
    items.push(itemRow(runId, seqStart + items.length, 'user', id, { kind: 'user', plan, basis: basisOf(remote.get(id), state.row?.updatedAt, state.link?.updatedAt) }));
  }
  if (items.length > 0) await db.insert(resyncItems).values(items);
  session.run.heartbeat?.();
  return { next: ids.length === USER_PAGE ? ids.at(-1) : undefined, counts, items: items.length, deactivations };
}

function itemRow(runId: string, seq: number, objectType: 'user' | 'group', objectId: string, item: ItemPlan): typeof resyncItems.$inferInsert {
  const plan = item.plan;
  return {
    runId,
    seq,
    objectType,
    objectId,
    step: item as unknown as Record<string, unknown>,
    op: plan.result,
    outcome: plan.refusal ? 'refused' : 'planned',
    code: plan.refusal?.code ?? null,
    message: plan.refusal?.message ?? null,
  };
}

/** Plans every group the connector binds (or has a link for) against the target's groups, read once. */
export async function planGroups(session: Session, runId: string, seqStart: number): Promise<{ counts: Record<string, number>; items: number; read: number }> {
  const { db } = session.deps;
  const counts: Record<string, number> = {};
  if (!session.profile.groups || !session.connector.groupManagement) return { counts, items: 0, read: 0 };
  const remoteGroups: ScimGroup[] = [];
  for await (const page of session.client.listGroups()) remoteGroups.push(...page);
  const byId = new Map(remoteGroups.map((g) => [g.id, g]));
  const byName = new Map(remoteGroups.map((g) => [g.displayName.toLowerCase(), g]));
  const bound = await db.select({ groupId: connectorGroups.groupId }).from(connectorGroups).where(eq(connectorGroups.connectorId, session.connector.id));
  const linked = await db.select({ groupId: groupLinks.groupId }).from(groupLinks).where(eq(groupLinks.connectorId, session.connector.id));
  const groupIds = [...new Set([...bound, ...linked].map((r) => r.groupId))].sort();
  const items: Array<typeof resyncItems.$inferInsert> = [];
  for (const groupId of groupIds) {
    const { facts } = await loadGroupState(session, { connectorId: session.connector.id, groupId });
    const link = await getGroupLink(db, session.connector.id, groupId);
    const remote = { linked: link?.remoteGroupId ? (byId.get(link.remoteGroupId) ?? null) : null, byName: facts.group ? (byName.get(facts.group.name.toLowerCase()) ?? null) : null };
    const plan = planGroup({ ...facts, remote: { linked: remote.linked, byName: remote.linked || facts.group?.deleted ? null : remote.byName } });
    if ('needs' in plan) throw new Error('planGroup asked for the target although it was read');
    const key = plan.steps.length === 0 && !plan.refusal ? 'unchanged' : plan.result;
    counts[`group_${key}`] = (counts[`group_${key}`] ?? 0) + 1;
    if (plan.steps.length === 0 && !plan.refusal) continue;
    if (plan.refusal && link?.state === 'failed' && link.lastErrorCode === plan.refusal.code) continue;
    items.push(itemRow(runId, seqStart + items.length, 'group', groupId, { kind: 'group', plan, basis: basisOf(remote, facts.group, facts.memberRemoteIds) }));
  }
  if (items.length > 0) await db.insert(resyncItems).values(items);
  return { counts, items: items.length, read: remoteGroups.length };
}

/** Accounts in the target that no directory user of this connector matches: reported, never touched. */
export async function reportUnknown(session: Session, runId: string, seqStart: number): Promise<number> {
  const { db } = session.deps;
  const connectorId = session.connector.id;
  const known = sql`(
    select 1 from ${userLinks} l where l.connector_id = ${connectorId} and l.remote_id = ${targetSnapshot.remoteId}
    union all select 1 from directory_users u where lower(u.username) = ${targetSnapshot.userNameLc} or lower(u.email) = ${targetSnapshot.emailLc})`;
  const rows = rowsOf<{ remote_id: string; user_name_lc: string; active: boolean }>(
    await db.execute(sql`select remote_id, user_name_lc, active from ${targetSnapshot} where run_id = ${runId} and not exists ${known} order by remote_id`),
  );
  if (rows.length > 0) {
    const items = rows.map((r, i) => ({
      runId,
      seq: seqStart + i,
      objectType: 'remote_user',
      objectId: r.remote_id,
      op: 'unknown',
      outcome: 'reported',
      message: `${r.user_name_lc}${r.active ? '' : ' (deactivated)'}: in ${session.profile.targetName}, unknown to the directory; left as it is.`,
    }));
    for (let i = 0; i < items.length; i += 1000) await db.insert(resyncItems).values(items.slice(i, i + 1000));
  }
  return rows.length;
}

/** Every planned item in order, hashed: two plans with the same digest send the same requests. */
export async function fingerprint(tx: Tx, runId: string): Promise<string> {
  const hash = createHash('sha256');
  let after = -1;
  for (;;) {
    const rows = await tx
      .select({ seq: resyncItems.seq, objectId: resyncItems.objectId, step: resyncItems.step })
      .from(resyncItems)
      .where(and(eq(resyncItems.runId, runId), gt(resyncItems.seq, after), eq(resyncItems.outcome, 'planned')))
      .orderBy(asc(resyncItems.seq))
      .limit(1000);
    for (const r of rows) hash.update(`${r.objectId}\n${JSON.stringify(r.step)}\n`);
    if (rows.length < 1000) break;
    after = rows.at(-1)!.seq;
  }
  return hash.digest('hex');
}

/** How many of the planned deactivations the circuit breaker would hold right now. */
export function predictHeld(session: Session, deactivations: number, linked: number, claimedInWindow: number): number {
  const c = session.connector;
  if (!c.breakerEnabled) return 0;
  const room = Math.max(0, allowedDeactivations(linked, c) - claimedInWindow);
  return Math.max(0, deactivations - room);
}

/** Applies up to APPLY_BATCH planned items after `afterSeq` with the one executor, recording each item's outcome. */
export async function applyItems(session: Session, runId: string, afterSeq: number): Promise<{ next?: number; applied: Record<string, number>; held: number }> {
  const { db } = session.deps;
  const rows = await db
    .select()
    .from(resyncItems)
    .where(and(eq(resyncItems.runId, runId), gt(resyncItems.seq, afterSeq), inArray(resyncItems.outcome, ['planned', 'refused'])))
    .orderBy(asc(resyncItems.seq))
    .limit(APPLY_BATCH);
  const applied: Record<string, number> = {};
  let held = 0;
  const connectorId = session.connector.id;
  const work = async (row: (typeof rows)[number]) => {
    const item = row.step as unknown as ItemPlan;
    let outcome = 'applied';
    let code: string | undefined;
    try {
      if (item.kind === 'user') {
        const states = await loadUserStates(db, connectorId, [row.objectId]);
        const ref = { connectorId, userId: row.objectId };
        const result = await applyUserPlan(session, ref, item.plan, states.get(row.objectId)?.link, { replan: () => syncUser(session, ref, { fresh: true }) });
        code = result.code;
        if (result.result === 'held') held++;
        applied[result.result] = (applied[result.result] ?? 0) + 1;
        if (result.result === 'failed') outcome = 'failed';
      } else {
        const link = await getGroupLink(db, connectorId, row.objectId);
        const { facts } = await loadGroupState(session, { connectorId, groupId: row.objectId });
        const result = await applyGroupPlan(session, { connectorId, groupId: row.objectId }, item.plan, link, facts.membersLeftOut);
        code = result.code;
        applied[`group_${result.result}`] = (applied[`group_${result.result}`] ?? 0) + 1;
        if (result.result === 'failed') outcome = 'failed';
      }
    } catch (err) {
      // A member the target refuses, or a transient failure that outlasted the client: the object's own
      // sync takes it from here (queued by the executor or the next change); the run goes on.
      outcome = 'failed';
      code = err instanceof MemberRefusal ? err.error.code : (err as { code?: string }).code ?? 'error';
      applied.failed = (applied.failed ?? 0) + 1;
    }
    await db.update(resyncItems).set({ outcome, code: code ?? null }).where(and(eq(resyncItems.runId, runId), eq(resyncItems.seq, row.seq)));
    session.run.heartbeat?.();
  };
  await forEachConcurrently(rows, APPLY_CONCURRENCY, work);
  return { next: rows.length === APPLY_BATCH ? rows.at(-1)!.seq : undefined, applied, held };
}

/** Ends a run: its status and counts, the snapshot dropped, and an event with the counts. */
export async function finishRun(session: Session, runId: string, status: 'completed' | 'failed' | 'stale', counts: RunCounts, fingerprintValue?: string, error?: string): Promise<void> {
  const { db } = session.deps;
  await db.transaction(async (tx) => {
    await tx
      .update(resyncRuns)
      .set({ status, counts, finishedAt: new Date(), fingerprint: fingerprintValue ?? null, error: error ?? null })
      .where(eq(resyncRuns.id, runId));
    await tx.delete(targetSnapshot).where(eq(targetSnapshot.runId, runId));
    const [run] = await tx.select({ mode: resyncRuns.mode }).from(resyncRuns).where(eq(resyncRuns.id, runId));
    if (run?.mode !== 'plan') {
      const changed = Object.entries(counts.applied).filter(([k]) => k !== 'unchanged').reduce((n, [, v]) => n + v, 0);
      await recordEvent(tx, {
        type: 'resync_completed',
        connectorId: session.connector.id,
        objectType: 'run',
        objectId: runId,
        outcome: status === 'completed' ? 'success' : 'failure',
        errorCode: status === 'completed' ? null : status,
        message:
          status === 'stale'
            ? 'The plan was not applied: the directory or the target changed since it was made. Plan again.'
            : `Resync ${status}: ${counts.read.users} user(s) and ${counts.read.groups} group(s) read, ${changed} change(s) applied, ${counts.held} deactivation(s) held, ${counts.unknown} account(s) unknown to the directory.`,
        workflowId: session.run.trace?.workflowId,
        runId: session.run.trace?.runId,
      });
    }
  });
}

export async function runCounts(tx: Tx, runId: string): Promise<RunCounts | undefined> {
  const [run] = await tx.select({ counts: resyncRuns.counts }).from(resyncRuns).where(eq(resyncRuns.id, runId));
  return run?.counts as RunCounts | undefined;
}

export async function saveProgress(tx: Tx, runId: string, counts: RunCounts): Promise<void> {
  await tx.update(resyncRuns).set({ counts }).where(eq(resyncRuns.id, runId));
}
