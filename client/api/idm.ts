import { z } from 'zod';
import { boundGroupIds } from '../../db/bindings';
import { activateIdm, type ConnectorRow, deactivateIdm, toView, updateConnector } from '../../db/connectors';
import { recordEvent } from '../../db/events';
import { disableGroupLinks } from '../../db/group-links';
import type { EventType } from '../../core/events';
import { enqueue, enqueueConnectorUsers } from '../../db/outbox';
import { SLACK_PLANS } from '../../db/schema';
import { ScimClient } from '../../scim/client';
import { ScimError } from '../../scim/errors';
import { Problem } from '../problem';
import { type ApiDeps, type App, IdParam, conflict, doc, requireConnector, mutate } from './deps';

const ScimToken = z.string().trim().min(1).max(512).describe('the Slack SCIM token; verified against Slack before it is accepted, then stored encrypted and never shown');
const ActivateBody = z.strictObject({ scimBaseUrl: z.url().describe('Slack SCIM base URL, ending in /scim/v2'), scimToken: ScimToken });
const ReauthBody = z.strictObject({ scimToken: ScimToken });
const IdmSettingsBody = z
  .strictObject({
    groupManagement: z.boolean().optional().describe('manage user groups and group membership in Slack'),
    usersChooseDisplayName: z.boolean().optional().describe('Slack’s “Allow users to choose their own display name”; the integration needs it off'),
    plan: z.enum(SLACK_PLANS).optional().describe('the Slack plan; multi-channel guests need enterprise_grid'),
  })
  .refine((o) => Object.values(o).some((v) => v !== undefined), 'send at least one setting to change');

export type TokenRefusal = { code: string; reason: string };

/** Asks Slack whether it accepts the token; a refusal carries Slack's code and never the token. */
export async function verifyScimToken(baseUrl: string, token: string): Promise<TokenRefusal | undefined> {
  try {
    await new ScimClient({ baseUrl, token }).verify();
    return undefined;
  } catch (err) {
    if (err instanceof ScimError) return { code: err.code, reason: `${err.code}: ${err.explanation}` };
    return { code: 'unreachable', reason: `Slack could not be reached at ${baseUrl}` };
  }
}

const DISPLAY_NAME_WARNING =
  'Slack’s “Allow users to choose their own display name” must be disabled for this integration: with it on, display names set by Bindery may be overwritten in Slack.';

function onOff(v: boolean): string {
  return v ? 'on' : 'off';
}

export function idmRoutes(app: App, deps: ApiDeps): void {
  const { db } = deps;
  const tag = 'identity management';

  async function refuse(type: EventType, connector: ConnectorRow, refusal: TokenRefusal): Promise<never> {
    await recordEvent(db, { type, connectorId: connector.id, objectType: 'connector', objectId: connector.id, outcome: 'failure', errorCode: refusal.code, message: `The SCIM token was not accepted: ${refusal.reason}` });
    throw new Problem(422, 'SCIM token rejected', `Slack did not accept the SCIM token: ${refusal.reason}. Generate a new token in Slack and try again.`, { errorCode: refusal.code });
  }

  app.post(
    '/v1/connectors/:id/idm/activate',
    {
      schema: {
        ...doc(tag, 'activate identity management', 'Verifies the token against Slack, stores it encrypted, and queues every user the connector concerns (idm_integration_activate). 422 when Slack refuses the token.'),
        params: IdParam,
        body: ActivateBody,
      },
    },
    async (req) => {
      const connector = await requireConnector(db, req.params.id);
      if (connector.idmStatus === 'active') {
        throw conflict(`Identity management is already active for connector ${connector.id}. Change its token with POST /v1/connectors/${connector.id}/idm/reauth, or deactivate it first.`);
      }
      const refused = await verifyScimToken(req.body.scimBaseUrl, req.body.scimToken);
      if (refused) return refuse('idm_integration_activate', connector, refused);
      return mutate(deps, async (tx) => {
        const row = (await activateIdm(tx, deps.secretKey, connector.id, { baseUrl: req.body.scimBaseUrl, token: req.body.scimToken }))!;
        await recordEvent(tx, { type: 'idm_integration_activate', connectorId: row.id, objectType: 'connector', objectId: row.id, outcome: 'success', message: 'Identity management activated; the SCIM token was verified against Slack.' });
        await enqueueConnectorUsers(tx, row.id);
        return { ...toView(row), ...(row.usersChooseDisplayName ? { warning: DISPLAY_NAME_WARNING } : {}) };
      });
    },
  );

  app.post(
    '/v1/connectors/:id/idm/reauth',
    {
      schema: {
        ...doc(tag, 're-authenticate identity management with a new token', 'Verifies the new token against the stored SCIM URL before replacing the old one (idm_integration_reauth). 422 when Slack refuses it.'),
        params: IdParam,
        body: ReauthBody,
      },
    },
    async (req) => {
      const connector = await requireConnector(db, req.params.id);
      if (connector.idmStatus !== 'active' || !connector.scimBaseUrl) {
        throw conflict(`Identity management is not active for connector ${connector.id}: activate it with POST /v1/connectors/${connector.id}/idm/activate.`);
      }
      const refused = await verifyScimToken(connector.scimBaseUrl, req.body.scimToken);
      if (refused) return refuse('idm_integration_reauth', connector, refused);
      return mutate(deps, async (tx) => {
        const row = (await activateIdm(tx, deps.secretKey, connector.id, { baseUrl: connector.scimBaseUrl!, token: req.body.scimToken }))!;
        await recordEvent(tx, { type: 'idm_integration_reauth', connectorId: row.id, objectType: 'connector', objectId: row.id, outcome: 'success', message: 'The SCIM token was replaced; the new one was verified against Slack.' });
        await enqueueConnectorUsers(tx, row.id);
        return toView(row);
      });
    },
  );

  app.patch(
    '/v1/connectors/:id/idm',
    {
      schema: {
        ...doc(
          tag,
          'change identity-management settings',
          'groupManagement, usersChooseDisplayName, plan (idm_integration_update). Turning group management off marks the connector’s group links `disabled` and queues nothing (Slack keeps its groups as they are, G6); turning it on queues a sync of every bound group.',
        ),
        params: IdParam,
        body: IdmSettingsBody,
      },
    },
    async (req) =>
      mutate(deps, async (tx) => {
        const before = await requireConnector(tx, req.params.id);
        const after = (await updateConnector(tx, before.id, req.body))!;
        const changes: string[] = [];
        if (after.groupManagement !== before.groupManagement) changes.push(`group management ${onOff(before.groupManagement)} → ${onOff(after.groupManagement)}`);
        if (after.usersChooseDisplayName !== before.usersChooseDisplayName) changes.push(`users choose display name ${onOff(before.usersChooseDisplayName)} → ${onOff(after.usersChooseDisplayName)}`);
        if (after.plan !== before.plan) changes.push(`plan ${before.plan} → ${after.plan}`);
        await recordEvent(tx, {
          type: 'idm_integration_update',
          connectorId: after.id,
          objectType: 'connector',
          objectId: after.id,
          outcome: 'success',
          message: changes.length > 0 ? `Identity-management settings changed: ${changes.join('; ')}.` : 'Identity-management settings saved; nothing changed.',
        });
        // Group management turned off (G6): group syncing stops, Slack keeps its groups and memberships as they are.
        if (!after.groupManagement && before.groupManagement) await disableGroupLinks(tx, after.id);
        if (after.idmStatus === 'active') {
          // The plan decides how guests are provisioned: every user is looked at again.
          if (after.plan !== before.plan) await enqueueConnectorUsers(tx, after.id);
          // Group management turned on: every bound group is synced from now on.
          if (after.groupManagement && !before.groupManagement) for (const groupId of await boundGroupIds(tx, after.id)) await enqueue(tx, 'group', after.id, groupId);
        }
        return { ...toView(after), ...(after.usersChooseDisplayName ? { warning: DISPLAY_NAME_WARNING } : {}) };
      }),
  );

  app.post(
    '/v1/connectors/:id/idm/deactivate',
    {
      schema: {
        ...doc(tag, 'deactivate identity management', 'Syncing stops and the token is deleted; nothing is sent to Slack, which keeps its users and groups as they are (idm_integration_delete).'),
        params: IdParam,
      },
    },
    async (req) => {
      const connector = await requireConnector(db, req.params.id);
      if (connector.idmStatus !== 'active') throw conflict(`Identity management is not active for connector ${connector.id}; there is nothing to deactivate.`);
      return mutate(deps, async (tx) => {
        const row = (await deactivateIdm(tx, connector.id))!;
        await recordEvent(tx, {
          type: 'idm_integration_delete',
          connectorId: row.id,
          objectType: 'connector',
          objectId: row.id,
          outcome: 'success',
          message: 'Identity management deactivated and the SCIM token deleted. Nothing was sent to Slack: its users and groups stay as they are.',
        });
        return toView(row);
      });
    },
  );
}
