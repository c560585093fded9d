import { z } from 'zod';
import { LINK_STATES } from '../../core/links';
import { line } from '../../core/text';
import { requestSync } from '../../dispatch/temporal';
import { getUser } from '../../db/users';
import * as bindings from '../../services/bindings';
import { notFound } from '../../services/context';
import { requireConnector } from '../../services/connectors';
import { type ApiDeps, type App, doc, mutate, page } from '../context';
import { Binding, ConnectorGroups, Id, IdParam, Impact, Limit, LinkPage, NoContent, Progress, responses, Started } from '../schemas';

const BindParams = z.object({ id: Id.describe('the connector ID'), groupId: Id.describe('the group ID') });
const BindBody = z
  .strictObject({ override: line(500).trim().min(1).optional().describe('why the group may be bound although another connector has it (G5); stored with the binding') })
  .nullish();
const LinkQuery = z.object({
  state: z.enum(LINK_STATES).optional().describe('only links in this state; `stuck` lists the quarantined users, `needs_action` those waiting for an admin in the target'),
  limit: Limit,
  after: Id.optional().describe('continue after this user ID'),
});
const SyncParams = z.object({ connectorId: Id, userId: Id });

export function bindingRoutes(app: App, deps: ApiDeps): void {
  const { db } = deps;
  const tag = 'connectors';

  app.get(
    '/v1/connectors/:id/groups',
    {
      schema: {
        ...doc(
          tag,
          'list the groups bound to a connector, with their state in the target',
          'Each binding with state `bound` or `unbound` (a removed binding is kept: G4), and `groupLink`: the group’s state in the target (`pending` until synced, `synced`, `empty`, `failed` with lastErrorCode and lastError, `disabled` while group management is off or the group is unbound, `deleted`), its remote group ID, its member count (for a group no longer synced: its members still active in the target) and the members left out (guests in Slack).',
        ),
        params: IdParam,
        response: responses({ 200: ConnectorGroups }, [404]),
      },
    },
    async (req) => ({ items: await bindings.connectorGroups(db, req.params.id) }),
  );

  app.get(
    '/v1/connectors/:id/groups/:groupId/progress',
    {
      schema: {
        ...doc(
          tag,
          'how far a group’s changes have reached the target',
          'From the database: the group’s live members, the outbox intents not yet handed to Temporal for them or the group (pendingIntents), the members’ links by state, the members left out of the group in the target, and the group’s own state (groupState). Also for an unbound or deleted group, whose members are being deactivated. 404 when the group was never bound to the connector.',
        ),
        params: BindParams,
        response: responses({ 200: Progress }, [404]),
      },
    },
    async (req) => bindings.groupProgressView(db, req.params.id, req.params.groupId),
  );

  app.put(
    '/v1/connectors/:id/groups/:groupId',
    {
      schema: {
        ...doc(
          tag,
          'bind a group to a connector (authorize its members)',
          '201 when bound, 200 when it already was. 409 when the group was unbound from this connector while group management is on (G4), or is bound to another connector without an `override` reason (G5).',
        ),
        params: BindParams,
        body: BindBody,
        response: responses({ 200: Binding, 201: Binding }, [404, 409], { body: true }),
      },
    },
    async (req, reply) => {
      const { created, binding } = await mutate(deps, (tx) => bindings.bindGroup(tx, req.params.id, req.params.groupId, req.body?.override));
      return reply.code(created ? 201 : 200).send(binding);
    },
  );

  app.get(
    '/v1/connectors/:id/groups/:groupId/unbind-impact',
    {
      schema: {
        ...doc(tag, 'what unbinding a group would do', 'The members it may deactivate, and whether the group could be bound again (`oneWay`: with group management on, it cannot).'),
        params: BindParams,
        response: responses({ 200: Impact }, [404]),
      },
    },
    async (req) => bindings.unbindImpact(db, req.params.id, req.params.groupId),
  );

  app.delete(
    '/v1/connectors/:id/groups/:groupId',
    {
      schema: {
        ...doc(
          tag,
          'unbind a group from a connector',
          'Syncing of the group stops and the target keeps it as it is; its members are deactivated unless another bound group authorizes them (G3). With group management on, the group cannot be bound again (G4).',
        ),
        params: BindParams,
        response: responses({ 204: NoContent }, [404]),
      },
    },
    async (req, reply) => {
      await mutate(deps, (tx) => bindings.unbindGroup(tx, req.params.id, req.params.groupId));
      return reply.code(204).send();
    },
  );

  app.get(
    '/v1/connectors/:id/users',
    {
      schema: {
        ...doc(tag, 'list a connector’s user links', 'Each directory user the connector has looked at: remote ID, state and last error. `state=stuck` is the quarantine list.'),
        params: IdParam,
        querystring: LinkQuery,
        response: responses({ 200: LinkPage }, [404]),
      },
    },
    async (req) => page(await bindings.connectorUsers(db, req.params.id, req.query), req.query.limit, (l) => l.userId),
  );

  app.post(
    '/v1/connectors/:connectorId/users/:userId/sync',
    {
      schema: {
        ...doc(tag, 'reconcile one user with one connector now', 'Starts or signals user-sync/<connectorId>/<userId>. 202 {workflowId, runId}.'),
        params: SyncParams,
        response: responses({ 202: Started }, [404]),
      },
    },
    async (req, reply) => {
      const { connectorId, userId } = req.params;
      await requireConnector(db, connectorId);
      // Deleted users too: a manual sync is how their deactivation is retried.
      if (!(await getUser(db, userId))) throw notFound('directory user', userId);
      return reply.code(202).send(await requestSync(deps.temporal, deps.taskQueue, { kind: 'user', connectorId, objectId: userId }));
    },
  );
}
