import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { z } from 'zod';
import { deleteConnector, setSsoActive, toView } from '../../db/connectors';
import { recordEvent } from '../../db/events';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { Problem } from '../problem';
import { type ApiDeps, type App, IdParam, doc, mutate, notFound, requireConnector } from './deps';

/** The seed's confirmation: "Enter the number of the applications you are deleting". One route deletes one. */
const APPLICATIONS_PER_DELETE = 1;

const DeleteQuery = z.object({
  confirm: z.string().max(16).optional().describe(`the number of applications being deleted (${APPLICATIONS_PER_DELETE}), as confirmation`),
});

export const SLACK_KEEPS_USERS_NOTE =
  'Slack users stay active: deleting the application in Bindery sends nothing to Slack, whose users and groups stay as they are. Deactivate them in Slack (or before deleting: unbind the groups) if they should lose access.';

/** Terminated at once, at most. */
const TERMINATE_CONCURRENCY = 16;

/**
 * Ends every running workflow of the connector (found by the BinderyConnectorId search attribute).
 * One that completes in the meantime is not an error. Returns how many were ended.
 */
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

/** Removing the integration (R1's SSO half, R2): SSO on/off and deleting the application. */
export function lifecycleRoutes(app: App, deps: ApiDeps): void {
  const { db } = deps;
  const tag = 'connectors';

  app.delete(
    '/v1/connectors/:id',
    {
      schema: {
        ...doc(
          tag,
          'delete a connector (the application)',
          `Asks for the number of applications being deleted as confirmation: ?confirm=${APPLICATIONS_PER_DELETE}, else 400. Bindery's state for the connector goes (user and group links, bindings, queued syncs) and its running workflows are terminated; nothing is sent to Slack, whose users stay active (as the seed documents). An idm_integration_delete event is recorded when identity management was active; events are kept.`,
        ),
        params: IdParam,
        querystring: DeleteQuery,
      },
    },
    async (req) => {
      const connector = await requireConnector(db, req.params.id);
      const confirm = req.query.confirm?.trim();
      if (confirm !== String(APPLICATIONS_PER_DELETE)) {
        const what = `Deleting connector "${connector.label}" (${connector.id}) removes Bindery's state for it: its user and group links, bindings and queued syncs; Slack users stay active.`;
        throw new Problem(
          400,
          'Confirmation required',
          confirm === undefined || confirm === ''
            ? `${what} To confirm, give the number of applications you are deleting: ?confirm=${APPLICATIONS_PER_DELETE} (CLI: --confirm ${APPLICATIONS_PER_DELETE}).`
            : `confirm=${confirm} does not match the number of applications being deleted (${APPLICATIONS_PER_DELETE}); nothing was deleted. ${what} Repeat with ?confirm=${APPLICATIONS_PER_DELETE} to delete it.`,
        );
      }
      await mutate(deps, async (tx) => {
        const row = await requireConnector(tx, connector.id);
        if (row.idmStatus === 'active') {
          await recordEvent(tx, {
            type: 'idm_integration_delete',
            connectorId: row.id,
            objectType: 'connector',
            objectId: row.id,
            outcome: 'success',
            message: `Application "${row.label}" deleted: Bindery's state for it (user and group links, bindings, queued syncs) was removed and its running workflows are ended. Nothing was sent to Slack: its users stay active and its groups stay as they are.`,
          });
        }
        if (!(await deleteConnector(tx, row.id))) throw notFound('connector', row.id);
      });
      // After the commit: a workflow started from here on finds no connector and changes nothing.
      let workflowsEnded = 0;
      let warning: string | undefined;
      try {
        workflowsEnded = await endConnectorWorkflows(deps.temporal, connector.id);
      } catch (err) {
        warning = `The connector is deleted, but its running workflows could not all be ended (${err instanceof Error ? err.message : String(err)}). They find no connector on their next pass, change nothing in Slack, and complete by themselves.`;
      }
      return { deleted: true, connectorId: connector.id, workflowsEnded, note: SLACK_KEEPS_USERS_NOTE, ...(warning ? { warning } : {}) };
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
          ...doc(
            'SSO',
            `${action} SSO for a connector`,
            `Records SSO as ${active ? 'active' : 'inactive'} (ssoActive); idempotent. Identity management is not affected${active ? '' : ', and nothing is sent to Slack'}.`,
          ),
          params: IdParam,
        },
      },
      async (req) => {
        const row = await setSsoActive(db, req.params.id, active);
        if (!row) throw notFound('connector', req.params.id);
        return toView(row);
      },
    );
  }
}
