import { z } from 'zod';
import { line } from '../../core/text';
import * as groups from '../../services/groups';
import { type ApiDeps, type App, doc, mutate, page } from '../context';
import { Group, GroupPage, Id, IdParam, Membership, NoContent, Page, responses } from '../schemas';

const GroupName = line(256).trim().min(1).describe('group name, unique among groups (ignoring case)');
const GroupBody = z.strictObject({ name: GroupName });
const MemberParams = z.object({ id: Id.describe('the group ID'), userId: Id.describe('the directory user ID') });

export function groupRoutes(app: App, deps: ApiDeps): void {
  const { db } = deps;
  const tag = 'groups';

  app.post('/v1/groups', { schema: { ...doc(tag, 'create a user group', '409 when a group with this name (ignoring case) exists.'), body: GroupBody, response: responses({ 201: Group }, [409], { body: true }) } }, async (req, reply) =>
    reply.code(201).send(await mutate(deps, (tx) => groups.createGroup(tx, req.body.name))),
  );

  app.get('/v1/groups', { schema: { ...doc(tag, 'list user groups', 'Keyset pages ordered by ID, with member counts; deleted groups are not listed.'), querystring: Page, response: responses({ 200: GroupPage }, []) } }, async (req) =>
    page(await groups.listGroups(db, req.query), req.query.limit, (g) => g.id),
  );

  app.get('/v1/groups/:id', { schema: { ...doc(tag, 'show a user group', 'With its member IDs and the connectors it is bound to.'), params: IdParam, response: responses({ 200: Group }, [404]) } }, async (req) =>
    groups.getGroup(db, req.params.id),
  );

  app.patch(
    '/v1/groups/:id',
    { schema: { ...doc(tag, 'rename a user group', 'The new name reaches every target the group is bound to (G1).'), params: IdParam, body: GroupBody, response: responses({ 200: Group }, [404, 409], { body: true }) } },
    async (req) => mutate(deps, (tx) => groups.renameGroup(tx, req.params.id, req.body.name)),
  );

  app.delete(
    '/v1/groups/:id',
    {
      schema: {
        ...doc(tag, 'delete a user group', 'Soft delete: the group is deleted in every target it is bound to, and its members are deactivated there unless another bound group still authorizes them (G2).'),
        params: IdParam,
        response: responses({ 204: NoContent }, [404]),
      },
    },
    async (req, reply) => {
      await mutate(deps, (tx) => groups.deleteGroup(tx, req.params.id));
      return reply.code(204).send();
    },
  );

  app.put(
    '/v1/groups/:id/members/:userId',
    {
      schema: {
        ...doc(tag, 'add a member to a group', 'Idempotent; no body (an empty one is accepted). The user becomes authorized for every connector the group is bound to; `warnings` name rules those targets will refuse.'),
        params: MemberParams,
        response: responses({ 200: Membership }, [404]),
      },
    },
    async (req) => mutate(deps, (tx) => groups.addMember(tx, req.params.id, req.params.userId)),
  );

  app.delete(
    '/v1/groups/:id/members/:userId',
    {
      schema: {
        ...doc(tag, 'remove a member from a group', 'Idempotent. Where no other bound group authorizes the user any more, they are deactivated there.'),
        params: MemberParams,
        response: responses({ 204: NoContent }, [404]),
      },
    },
    async (req, reply) => {
      await mutate(deps, (tx) => groups.removeMember(tx, req.params.id, req.params.userId));
      return reply.code(204).send();
    },
  );
}
