import { z } from 'zod';
import { boundConnectorIds, enqueueGroupForBoundConnectors } from '../../db/bindings';
import { addMember, createGroup, findGroupByName, getGroup, type GroupRow, groupMemberIds, listGroups, lockGroupName, removeMember, renameGroup, softDeleteGroup } from '../../db/groups';
import { enqueueGroupMembers, enqueueUser } from '../../db/outbox';
import { findUser } from '../../db/users';
import { type ApiDeps, type App, Id, IdParam, Page, type Transaction, conflict, doc, mutate, notFound, page } from './deps';

const GroupName = z.string().trim().min(1).max(256).describe('group name, unique among groups (ignoring case)');
const GroupBody = z.strictObject({ name: GroupName });
const MemberParams = z.object({ id: Id.describe('the group ID'), userId: Id.describe('the directory user ID') });

async function detailedView(tx: Transaction | ApiDeps['db'], row: GroupRow) {
  const { deletedAt: _deleted, ...group } = row;
  return { ...group, memberIds: await groupMemberIds(tx, row.id), connectorIds: await boundConnectorIds(tx, row.id) };
}

/** 409 when another live group has this name, ignoring case. Holds the name's lock until the transaction ends. */
async function assertNameFree(tx: Transaction, name: string, self?: string): Promise<void> {
  await lockGroupName(tx, name);
  const holder = await findGroupByName(tx, name);
  if (holder && holder.id !== self) throw conflict(`A group named "${holder.name}" already exists (${holder.id}). Group names are unique, ignoring case.`, { groupId: holder.id });
}

async function liveGroup(tx: Transaction, id: string): Promise<GroupRow> {
  const group = await getGroup(tx, id);
  if (!group) throw notFound('group', id);
  return group;
}

export function groupRoutes(app: App, deps: ApiDeps): void {
  const { db } = deps;
  const tag = 'groups';

  app.post('/v1/groups', { schema: { ...doc(tag, 'create a user group', '409 when a group with this name (ignoring case) exists.'), body: GroupBody } }, async (req, reply) => {
    const created = await mutate(deps, async (tx) => {
      await assertNameFree(tx, req.body.name);
      return detailedView(tx, await createGroup(tx, req.body.name));
    });
    return reply.code(201).send(created);
  });

  app.get('/v1/groups', { schema: { ...doc(tag, 'list user groups', 'Keyset pages ordered by ID, with member counts; deleted groups are not listed.'), querystring: Page } }, async (req) =>
    page(await listGroups(db, req.query), req.query.limit, (g) => g.id),
  );

  app.get('/v1/groups/:id', { schema: { ...doc(tag, 'show a user group', 'With its member IDs and the connectors it is bound to.'), params: IdParam } }, async (req) => {
    const group = await getGroup(db, req.params.id);
    if (!group) throw notFound('group', req.params.id);
    return detailedView(db, group);
  });

  app.patch('/v1/groups/:id', { schema: { ...doc(tag, 'rename a user group', 'The new name reaches every Slack the group is bound to (G1).'), params: IdParam, body: GroupBody } }, async (req) =>
    mutate(deps, async (tx) => {
      const group = await liveGroup(tx, req.params.id);
      if (group.name === req.body.name) return detailedView(tx, group);
      await assertNameFree(tx, req.body.name, group.id);
      const renamed = (await renameGroup(tx, group.id, req.body.name))!;
      await enqueueGroupForBoundConnectors(tx, group.id);
      return detailedView(tx, renamed);
    }),
  );

  app.delete(
    '/v1/groups/:id',
    {
      schema: {
        ...doc(tag, 'delete a user group', 'Soft delete: the group is deleted in every Slack it is bound to, and its members are deactivated there unless another bound group still authorizes them (G2). 204.'),
        params: IdParam,
      },
    },
    async (req, reply) => {
      await mutate(deps, async (tx) => {
        const group = await liveGroup(tx, req.params.id);
        await softDeleteGroup(tx, group.id);
        // Bindings and memberships stay: each member is looked at by every connector the group was bound to.
        await enqueueGroupMembers(tx, group.id);
        await enqueueGroupForBoundConnectors(tx, group.id);
      });
      return reply.code(204).send();
    },
  );

  app.put(
    '/v1/groups/:id/members/:userId',
    { schema: { ...doc(tag, 'add a member to a group', 'Idempotent. The user becomes authorized for every connector the group is bound to. 204.'), params: MemberParams } },
    async (req, reply) => {
      await mutate(deps, async (tx) => {
        const group = await liveGroup(tx, req.params.id);
        if (!(await findUser(tx, req.params.userId))) throw notFound('directory user', req.params.userId);
        if (await addMember(tx, group.id, req.params.userId)) {
          await enqueueUser(tx, req.params.userId);
          await enqueueGroupForBoundConnectors(tx, group.id);
        }
      });
      return reply.code(204).send();
    },
  );

  app.delete(
    '/v1/groups/:id/members/:userId',
    {
      schema: {
        ...doc(tag, 'remove a member from a group', 'Idempotent. Where no other bound group authorizes the user any more, Slack deactivates them. 204.'),
        params: MemberParams,
      },
    },
    async (req, reply) => {
      await mutate(deps, async (tx) => {
        const group = await liveGroup(tx, req.params.id);
        if (!(await findUser(tx, req.params.userId))) throw notFound('directory user', req.params.userId);
        if (await removeMember(tx, group.id, req.params.userId)) {
          // After the removal: enqueueUser also covers connectors the user is linked to, which may now have to deactivate them.
          await enqueueUser(tx, req.params.userId);
          await enqueueGroupForBoundConnectors(tx, group.id);
        }
      });
      return reply.code(204).send();
    },
  );
}
