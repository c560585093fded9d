import { z } from 'zod';
import { bindGroup, boundConnectorIds, getBinding, listBindings, lockGroupBindings, toBindingView, unbindGroup } from '../../db/bindings';
import { createConnector, listConnectors, toView, updateConnector } from '../../db/connectors';
import { recordEvent } from '../../db/events';
import { disableGroupLinks, getGroupLink, groupLinkView, groupProgress, listGroupLinks } from '../../db/group-links';
import { getGroup, getGroupIncludingDeleted } from '../../db/groups';
import { listLinks } from '../../db/links';
import { enqueue, enqueueConnectorUsers, enqueueGroupMembers } from '../../db/outbox';
import { LINK_STATES, SLACK_PLANS } from '../../db/schema';
import { getUser } from '../../db/users';
import { Problem } from '../problem';
import { requestUserSync } from '../temporal';
import { type ApiDeps, type App, Id, IdParam, Limit, conflict, doc, requireConnector, mutate, notFound, page } from './deps';
import { verifyScimToken } from './idm';

const Label = z.string().trim().min(1).max(128);
const TeamName = z.string().trim().min(1).max(128);
const TeamDomain = z.string().trim().min(1).max(128);

const NewConnectorBody = z
  .object({
    label: Label.describe('display label'),
    description: z.string().max(1024).optional(),
    showInUserPortal: z.boolean().optional(),
    teamName: TeamName.describe('Slack team name'),
    teamDomain: TeamDomain.describe('Slack domain, e.g. acme.slack.com'),
    ssoIdpUrl: z.url().optional().describe('SSO IdP URL; cannot be changed after creation (default: derived from the label)'),
    plan: z.enum(SLACK_PLANS).optional(),
    scimBaseUrl: z.url().optional().describe('Slack SCIM base URL; with scimToken, identity management is activated'),
    scimToken: z.string().min(1).max(512).optional().describe('Slack SCIM token, verified against Slack before it is accepted'),
    groupManagement: z.boolean().optional().describe('manage user groups and group membership in Slack (default on)'),
    usersChooseDisplayName: z.boolean().optional(),
  })
  .refine((b) => (b.scimBaseUrl === undefined) === (b.scimToken === undefined), { message: 'scimBaseUrl and scimToken go together', path: ['scimToken'] });

const notEditable = (why: string) => z.never({ error: why }).optional();
const ConnectorPatchBody = z
  .strictObject({
    label: Label.optional(),
    description: z.string().max(1024).optional(),
    showInUserPortal: z.boolean().optional(),
    teamName: TeamName.optional(),
    teamDomain: TeamDomain.optional(),
    plan: z.enum(SLACK_PLANS).optional(),
    ssoIdpUrl: notEditable('the SSO IdP URL cannot be edited after the connector is created; to change it, delete the connector and create it again'),
    scimBaseUrl: notEditable('change the SCIM endpoint with POST /v1/connectors/{id}/idm/activate (after deactivating) or the token with /idm/reauth'),
    scimToken: notEditable('change the SCIM token with POST /v1/connectors/{id}/idm/reauth'),
    groupManagement: notEditable('change identity-management settings with PATCH /v1/connectors/{id}/idm'),
    usersChooseDisplayName: notEditable('change identity-management settings with PATCH /v1/connectors/{id}/idm'),
  })
  .refine((o) => Object.values(o).some((v) => v !== undefined), 'send at least one field to change');

const BindParams = z.object({ id: Id.describe('the connector ID'), groupId: Id.describe('the group ID') });
const BindBody = z
  .strictObject({
    override: z.string().trim().min(1).max(500).optional().describe('why the group may be bound although another connector has it (G5); stored with the binding'),
  })
  .nullish();
const LinkQuery = z.object({
  state: z.enum(LINK_STATES).optional().describe('only links in this state; `stuck` lists the quarantined users'),
  limit: Limit,
  after: Id.optional().describe('continue after this user ID'),
});
const SyncParams = z.object({ connectorId: Id, userId: Id });

export function connectorRoutes(app: App, deps: ApiDeps): void {
  const { db } = deps;
  const tag = 'connectors';

  app.post(
    '/v1/connectors',
    {
      schema: {
        ...doc(tag, 'create a Slack connector', 'With scimBaseUrl and scimToken, identity management is activated once Slack accepts the token (idm_integration_activate); 422 when it does not.'),
        body: NewConnectorBody,
      },
    },
    async (req, reply) => {
      const body = req.body;
      if (body.scimBaseUrl && body.scimToken) {
        const refused = await verifyScimToken(body.scimBaseUrl, body.scimToken);
        if (refused) {
          await recordEvent(db, { type: 'idm_integration_activate', objectType: 'connector', objectId: body.label, outcome: 'failure', errorCode: refused.code, message: refused.reason });
          throw new Problem(422, 'SCIM token rejected', `Slack did not accept the SCIM URL and token: ${refused.reason}`, { errorCode: refused.code });
        }
      }
      const connector = await mutate(deps, async (tx) => {
        const created = await createConnector(tx, deps.secretKey, body);
        if (body.scimToken) {
          await recordEvent(tx, { type: 'idm_integration_activate', connectorId: created.id, objectType: 'connector', objectId: created.id, outcome: 'success', message: 'Identity management activated; the SCIM token was verified against Slack.' });
        }
        return created;
      });
      return reply.code(201).send(connector);
    },
  );

  app.get('/v1/connectors', { schema: doc(tag, 'list connectors', 'Never with their tokens.') }, async () => ({ items: await listConnectors(db) }));

  app.get('/v1/connectors/:id', { schema: { ...doc(tag, 'show a connector', 'Never with its token.'), params: IdParam } }, async (req) => toView(await requireConnector(db, req.params.id)));

  app.patch(
    '/v1/connectors/:id',
    {
      schema: {
        ...doc(tag, 'change a connector’s general settings', 'label, description, showInUserPortal, teamName, teamDomain, plan. The SSO IdP URL is fixed at creation (400).'),
        params: IdParam,
        body: ConnectorPatchBody,
      },
    },
    async (req) =>
      mutate(deps, async (tx) => {
        const before = await requireConnector(tx, req.params.id);
        const { label, description, showInUserPortal, teamName, teamDomain, plan } = req.body;
        const after = (await updateConnector(tx, before.id, { label, description, showInUserPortal, teamName, teamDomain, plan }))!;
        // The plan decides how guests are provisioned (U9): every user of the connector is looked at again.
        if (after.plan !== before.plan && after.idmStatus === 'active') await enqueueConnectorUsers(tx, after.id);
        return toView(after);
      }),
  );

  app.get(
    '/v1/connectors/:id/groups',
    {
      schema: {
        ...doc(
          tag,
          'list the groups bound to a connector, with their state in Slack',
          'Each binding with state `bound` or `unbound` (a removed binding is kept: G4), and `groupLink`: the group’s state in Slack (`pending` until synced, `synced`, `empty`, `failed` with lastErrorCode and lastError, `disabled` while group management is off or the group is unbound, `deleted`), its Slack group ID and member count.',
        ),
        params: IdParam,
      },
    },
    async (req) => {
      const connector = await requireConnector(db, req.params.id);
      const bindings = await listBindings(db, connector.id);
      const links = new Map((await listGroupLinks(db, connector.id)).map((l) => [l.groupId, l]));
      return {
        items: bindings.map((b) => ({ ...b, groupLink: groupLinkView(links.get(b.groupId), { groupManagement: connector.groupManagement, bound: b.state === 'bound' }) })),
      };
    },
  );

  app.get(
    '/v1/connectors/:id/groups/:groupId/progress',
    {
      schema: {
        ...doc(
          tag,
          'how far a group’s changes have reached Slack on a connector',
          'From the database: the group’s live members, the outbox intents not yet handed to Temporal for them or the group (pendingIntents), the members’ links by state (usersActive, usersDeactivated, usersFailed, usersStuck, usersPending: a creation under way, usersNotLinked: no link yet), and the group’s own state (groupState). Also for an unbound or deleted group, whose members are being deactivated. 404 when the group was never bound to the connector.',
        ),
        params: BindParams,
      },
    },
    async (req) => {
      const connector = await requireConnector(db, req.params.id);
      const group = await getGroupIncludingDeleted(db, req.params.groupId);
      if (!group) throw notFound('group', req.params.groupId);
      const binding = await getBinding(db, connector.id, group.id);
      if (!binding) throw new Problem(404, 'Not found', `Group ${group.id} has never been bound to connector ${connector.id}: bind it first (PUT /v1/connectors/${connector.id}/groups/${group.id}).`);
      const bound = binding.unboundAt === null;
      const counts = await groupProgress(db, connector.id, group.id);
      const groupState = groupLinkView(await getGroupLink(db, connector.id, group.id), { groupManagement: connector.groupManagement, bound }).state;
      return { connectorId: connector.id, groupId: group.id, groupName: group.name, binding: bound ? 'bound' : 'unbound', groupDeleted: group.deletedAt !== null, ...counts, groupState };
    },
  );

  app.put(
    '/v1/connectors/:id/groups/:groupId',
    {
      schema: {
        ...doc(
          tag,
          'bind a group to a connector (authorize its members)',
          '201 when bound, 200 when it already was or is bound again. 409 when the group was removed from this connector while group management is on (G4), or is bound to another connector without an `override` reason (G5).',
        ),
        params: BindParams,
        body: BindBody,
      },
    },
    async (req, reply) => {
      const override = req.body?.override;
      const { status, result } = await mutate(deps, async (tx) => {
        const connector = await requireConnector(tx, req.params.id);
        const group = await getGroup(tx, req.params.groupId);
        if (!group) throw notFound('group', req.params.groupId);
        await lockGroupBindings(tx, group.id);
        const existing = await getBinding(tx, connector.id, group.id);
        if (existing && existing.unboundAt === null) return { status: 200, result: toBindingView(existing, group.name) };
        if (existing && connector.groupManagement) {
          throw conflict(
            `Group "${group.name}" was removed from connector "${connector.label}" on ${existing.unboundAt!.toISOString()}. With group management on, removing it disabled the group in Slack, and Slack's SCIM API cannot re-enable a disabled group, so binding it again would fail. Create a new group with these members and bind that one instead, or turn group management off for this connector (PATCH /v1/connectors/${connector.id}/idm) to manage its users only.`,
            { unboundAt: existing.unboundAt },
          );
        }
        const others = await boundConnectorIds(tx, group.id, { except: connector.id });
        if (others.length > 0 && !override) {
          throw conflict(
            `Group "${group.name}" is already bound to connector ${others.join(', ')}. One group bound to two Slack connectors is refused: removing it from one of them would deactivate its members in that Slack. Bind a separate group, or repeat the request with an override reason ({"override": "<why>"}; CLI: --override "<why>") to bind it anyway.`,
            { boundTo: others },
          );
        }
        const binding = await bindGroup(tx, connector.id, group.id, others.length > 0 ? override! : null);
        await enqueueGroupMembers(tx, group.id, connector.id);
        if (connector.idmStatus === 'active') await enqueue(tx, 'group', connector.id, group.id);
        const view = toBindingView(binding, group.name);
        const warning =
          others.length > 0
            ? `Group "${group.name}" is now bound to ${others.length + 1} connectors (${[...others, connector.id].join(', ')}). Removing it from one of them will deactivate its members in that Slack.`
            : undefined;
        return { status: existing ? 200 : 201, result: { ...view, ...(warning ? { warning } : {}) } };
      });
      return reply.code(status).send(result);
    },
  );

  app.delete(
    '/v1/connectors/:id/groups/:groupId',
    {
      schema: {
        ...doc(
          tag,
          'unbind a group from a connector',
          'Syncing of the group stops and Slack keeps it as it is; its members are deactivated unless another bound group authorizes them (G3). With group management on, the group cannot be bound again (G4). 204.',
        ),
        params: BindParams,
      },
    },
    async (req, reply) => {
      await mutate(deps, async (tx) => {
        const connector = await requireConnector(tx, req.params.id);
        const group = await getGroup(tx, req.params.groupId);
        if (!group) throw notFound('group', req.params.groupId);
        await lockGroupBindings(tx, group.id);
        if (await unbindGroup(tx, connector.id, group.id)) {
          // G3: syncing of the group stops; Slack keeps it as it is.
          await disableGroupLinks(tx, connector.id, group.id);
          await enqueueGroupMembers(tx, group.id, connector.id);
        } else if (!(await getBinding(tx, connector.id, group.id))) {
          throw new Problem(404, 'Not found', `Group ${group.id} is not bound to connector ${connector.id}`);
        }
      });
      return reply.code(204).send();
    },
  );

  app.get(
    '/v1/connectors/:id/users',
    {
      schema: {
        ...doc(tag, 'list a connector’s user links', 'Each directory user the connector has looked at: Slack ID, state and last error. `state=stuck` is the quarantine list.'),
        params: IdParam,
        querystring: LinkQuery,
      },
    },
    async (req) => {
      await requireConnector(db, req.params.id);
      return page(await listLinks(db, req.params.id, req.query), req.query.limit, (l) => l.userId);
    },
  );

  app.post(
    '/v1/connectors/:connectorId/users/:userId/sync',
    { schema: { ...doc(tag, 'reconcile one user with one connector now', 'Starts or signals user-sync/<connectorId>/<userId>. 202 {workflowId, runId}.'), params: SyncParams } },
    async (req, reply) => {
      const ref = req.params;
      await requireConnector(db, ref.connectorId);
      // Deleted users too: a manual sync is how their deactivation is retried.
      if (!(await getUser(db, ref.userId))) throw notFound('directory user', ref.userId);
      return reply.code(202).send(await requestUserSync(deps.temporal, deps.taskQueue, ref));
    },
  );
}
