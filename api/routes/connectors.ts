import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { z } from 'zod';
import { DEPROVISION_MODES, SLACK_PLANS } from '../../core/connector';
import { line, paragraph } from '../../core/text';
import * as connectors from '../../services/connectors';
import { ensureResyncSchedule } from '../../dispatch/schedules';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { type ApiDeps, type App, doc, mutate } from '../context';
import { Connector, ConnectorList, Deleted, IdParam, responses } from '../schemas';

const Label = line(128).trim().min(1);
const TeamName = line(128).trim().min(1);
const TeamDomain = line(128).trim().min(1);
const ScimUrl = z.url({ protocol: /^https?$/ }).max(2048);
const ScimToken = z.string().trim().min(1).max(512).regex(/^[\x21-\x7e]+$/, 'a bearer token is printable ASCII without spaces');

const common = {
  label: Label.describe('display label'),
  description: paragraph(1024).optional(),
  showInUserPortal: z.boolean().optional(),
  scimBaseUrl: ScimUrl.optional().describe('SCIM base URL (Slack: https://api.slack.com/scim/v2); with scimToken, identity management is activated'),
  scimToken: ScimToken.optional().describe('SCIM token, verified against the target before it is accepted, then stored encrypted and never shown'),
  groupManagement: z.boolean().optional().describe('manage groups and group membership in the target (default on)'),
};

const NewSlackConnector = z.strictObject({
  kind: z.literal('slack').optional().describe('slack (default) or scim'),
  ...common,
  teamName: TeamName.describe('Slack team name'),
  teamDomain: TeamDomain.describe('Slack domain, e.g. acme.slack.com'),
  ssoIdpUrl: z.url().max(2048).optional().describe('SSO IdP URL; cannot be changed after creation (default: derived from the label)'),
  plan: z.enum(SLACK_PLANS).optional().describe('the Slack plan (default business_plus); multi-channel guests need enterprise_grid'),
  usersChooseDisplayName: z.boolean().optional(),
});
const NewScimConnector = z.strictObject({
  kind: z.literal('scim').describe('a generic SCIM 2.0 service provider'),
  ...common,
  deprovision: z.enum(DEPROVISION_MODES).optional().describe('what a user deleted from the directory becomes: deactivated (default) or deleted'),
});
const bothOrNeither = (b: { scimBaseUrl?: string; scimToken?: string }) => (b.scimBaseUrl === undefined) === (b.scimToken === undefined);
const NewConnectorBody = z
  .union([NewSlackConnector, NewScimConnector])
  .refine(bothOrNeither, { message: 'scimBaseUrl and scimToken go together', path: ['scimToken'] });

const notEditable = (why: string) => z.never({ error: why }).optional();
const ConnectorPatchBody = z
  .strictObject({
    label: Label.optional(),
    description: paragraph(1024).optional(),
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

const DeleteQuery = z.object({
  confirm: z.string().max(16).optional().describe(`the number of applications being deleted (${connectors.APPLICATIONS_PER_DELETE}), as confirmation`),
});

/** Terminated at once, at most. */
const TERMINATE_CONCURRENCY = 16;

/** Ends every running workflow of the connector (found by its search attribute); one that completes meanwhile is not an error. */
async function endConnectorWorkflows(temporal: Client, connectorId: string): Promise<number> {
  const query = `${SEARCH_ATTRIBUTES.connectorId.name} = '${connectorId.replace(/['\\]/g, '\\$&')}' AND ExecutionStatus = 'Running'`;
  const running: Array<{ workflowId: string; runId: string }> = [];
  for await (const wf of temporal.workflow.list({ query })) running.push({ workflowId: wf.workflowId, runId: wf.runId });
  let ended = 0;
  for (let i = 0; i < running.length; i += TERMINATE_CONCURRENCY) {
    await Promise.all(
      running.slice(i, i + TERMINATE_CONCURRENCY).map(async ({ workflowId, runId }) => {
        try {
          await temporal.workflow.getHandle(workflowId, runId).terminate('application deleted');
          ended++;
        } catch (err) {
          if (!(err instanceof WorkflowNotFoundError)) throw err;
        }
      }),
    );
  }
  return ended;
}

export function connectorRoutes(app: App, deps: ApiDeps): void {
  const { db } = deps;
  const tag = 'connectors';

  app.post(
    '/v1/connectors',
    {
      schema: {
        ...doc(
          tag,
          'create a connector',
          'A Slack connector (kind slack, the default) or one to any SCIM 2.0 service provider (kind scim). With scimBaseUrl and scimToken, identity management is activated once the target accepts the token (idm_integration_activate): 422 when it refuses it, 502 when it cannot be reached. Unknown fields are 400. `warnings` say which Slack plan is assumed and what it means for guests.',
        ),
        body: NewConnectorBody,
        response: responses({ 201: Connector }, [422, 502], { body: true }),
      },
    },
    async (req, reply) => reply.code(201).send(await connectors.createConnector(deps, req.body)),
  );

  app.get('/v1/connectors', { schema: { ...doc(tag, 'list connectors', 'Never with their tokens.'), response: responses({ 200: ConnectorList }, []) } }, async () => ({ items: await connectors.listConnectors(db) }));

  app.get('/v1/connectors/:id', { schema: { ...doc(tag, 'show a connector', 'Never with its token.'), params: IdParam, response: responses({ 200: Connector }, [404]) } }, async (req) =>
    connectors.getConnectorView(db, req.params.id),
  );

  app.patch(
    '/v1/connectors/:id',
    {
      schema: {
        ...doc(tag, 'change a connector’s general settings', 'label, description, showInUserPortal; for Slack also teamName, teamDomain, plan. The SSO IdP URL is fixed at creation (400).'),
        params: IdParam,
        body: ConnectorPatchBody,
        response: responses({ 200: Connector }, [404], { body: true }),
      },
    },
    async (req) => mutate(deps, (tx) => connectors.updateConnectorSettings(tx, req.params.id, req.body)),
  );

  app.delete(
    '/v1/connectors/:id',
    {
      schema: {
        ...doc(
          tag,
          'delete a connector (the application)',
          `Asks for the number of applications being deleted as confirmation: ?confirm=${connectors.APPLICATIONS_PER_DELETE}, else 400. Bindery's state for the connector goes (user and group links, bindings, queued syncs) and its running workflows are terminated; nothing is sent to the target, whose users stay active (as the seed documents). An idm_integration_delete event is recorded when identity management was active; events are kept.`,
        ),
        params: IdParam,
        querystring: DeleteQuery,
        response: responses({ 200: Deleted }, [404]),
      },
    },
    async (req) => {
      const row = await mutate(deps, (tx) => connectors.deleteConnector(tx, req.params.id, req.query.confirm));
      // After the commit: a workflow started from here on finds no connector and changes nothing.
      let workflowsEnded = 0;
      let warning: string | undefined;
      try {
        workflowsEnded = await endConnectorWorkflows(deps.temporal, req.params.id);
        await ensureResyncSchedule(deps.temporal, deps.taskQueue, req.params.id, false);
      } catch (err) {
        warning = `The connector is deleted, but its running workflows could not all be ended (${err instanceof Error ? err.message : String(err)}). They find no connector on their next pass, change nothing in the target, and complete by themselves.`;
      }
      return { deleted: true as const, connectorId: req.params.id, workflowsEnded, note: connectors.targetKeepsUsersNote(row), ...(warning ? { warning } : {}) };
    },
  );

  for (const [action, active] of [
    ['activate', true],
    ['deactivate', false],
  ] as const) {
    app.post(
      `/v1/connectors/:id/sso/${action}`,
      {
        schema: {
          ...doc('SSO', `${action} SSO for a connector`, `Records SSO as ${active ? 'active' : 'inactive'} (ssoActive); idempotent. Identity management is not affected${active ? '' : ', and nothing is sent to the target'}.`),
          params: IdParam,
          response: responses({ 200: Connector }, [404]),
        },
      },
      async (req) => mutate(deps, (tx) => connectors.setSso(tx, req.params.id, active)),
    );
  }
}
