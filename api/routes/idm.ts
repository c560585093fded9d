import { z } from 'zod';
import { DEPROVISION_MODES, SLACK_PLANS } from '../../core/connector';
import * as connectors from '../../services/connectors';
import { type ApiDeps, type App, doc, mutate } from '../context';
import { Connector, IdParam, responses } from '../schemas';

const ScimToken = z.string().trim().min(1).max(512).regex(/^[\x21-\x7e]+$/, 'a bearer token is printable ASCII without spaces').describe('the SCIM token; verified against the target before it is accepted, then stored encrypted and never shown');
const ActivateBody = z.strictObject({ scimBaseUrl: z.url({ protocol: /^https?$/ }).max(2048).describe('SCIM base URL (Slack: ending in /scim/v2)'), scimToken: ScimToken });
const ReauthBody = z.strictObject({ scimToken: ScimToken });
const IdmSettingsBody = z
  .strictObject({
    groupManagement: z.boolean().optional().describe('manage groups and group membership in the target'),
    usersChooseDisplayName: z.boolean().optional().describe('Slack’s “Allow users to choose their own display name”; the integration needs it off'),
    plan: z.enum(SLACK_PLANS).optional().describe('the Slack plan; multi-channel guests need enterprise_grid'),
    deprovision: z.enum(DEPROVISION_MODES).optional().describe('generic SCIM: what a user deleted from the directory becomes'),
    breakerEnabled: z.boolean().optional().describe('the circuit breaker: hold deactivations beyond the threshold until an admin approves them (S4)'),
    breakerPercent: z.number().int().min(1).max(100).optional().describe('threshold: more than this share of linked users (default 10)…'),
    breakerMinUsers: z.number().int().min(1).max(1_000_000).optional().describe('…and at least this many users (default 25)…'),
    breakerWindowMinutes: z.number().int().min(1).max(7 * 24 * 60).optional().describe('…within this many minutes (default 60)'),
    notifyEmail: z.email().max(320).nullable().optional().describe('who is emailed about this connector (held deactivations); null: BINDERY_ADMIN_EMAIL'),
  })
  .refine((o) => Object.values(o).some((v) => v !== undefined), 'send at least one setting to change');

export function idmRoutes(app: App, deps: ApiDeps): void {
  const tag = 'identity management';

  app.post(
    '/v1/connectors/:id/idm/activate',
    {
      schema: {
        ...doc(tag, 'activate identity management', 'Verifies the token against the target, stores it encrypted, and queues every user the connector concerns (idm_integration_activate). 422 when the target refuses the token, 502 when it cannot be reached, 409 when already active.'),
        params: IdParam,
        body: ActivateBody,
        response: responses({ 200: Connector }, [404, 409, 422, 502], { body: true }),
      },
    },
    async (req) => connectors.activateIdentityManagement(deps, req.params.id, { baseUrl: req.body.scimBaseUrl, token: req.body.scimToken }),
  );

  app.post(
    '/v1/connectors/:id/idm/reauth',
    {
      schema: {
        ...doc(tag, 're-authenticate identity management with a new token', 'Verifies the new token against the stored SCIM URL before replacing the old one (idm_integration_reauth). 422 when the target refuses it, 502 when it cannot be reached.'),
        params: IdParam,
        body: ReauthBody,
        response: responses({ 200: Connector }, [404, 409, 422, 502], { body: true }),
      },
    },
    async (req) => connectors.reauthenticate(deps, req.params.id, req.body.scimToken),
  );

  app.patch(
    '/v1/connectors/:id/idm',
    {
      schema: {
        ...doc(
          tag,
          'change identity-management settings',
          'groupManagement, usersChooseDisplayName, plan, deprovision, the circuit breaker (breakerEnabled, breakerPercent, breakerMinUsers, breakerWindowMinutes) and notifyEmail (idm_integration_update). Turning group management off marks the connector’s group links `disabled` and queues nothing (the target keeps its groups as they are, G6); turning it on queues a sync of every bound group.',
        ),
        params: IdParam,
        body: IdmSettingsBody,
        response: responses({ 200: Connector }, [404], { body: true }),
      },
    },
    async (req) => mutate(deps, (tx) => connectors.updateIdentityManagement(tx, req.params.id, req.body)),
  );

  app.post(
    '/v1/connectors/:id/idm/deactivate',
    {
      schema: {
        ...doc(tag, 'deactivate identity management', 'Syncing stops and the token is deleted; nothing is sent to the target, which keeps its users and groups as they are (idm_integration_delete). 409 when not active.'),
        params: IdParam,
        response: responses({ 200: Connector }, [404, 409]),
      },
    },
    async (req) => mutate(deps, (tx) => connectors.deactivateIdentityManagement(tx, req.params.id)),
  );
}
