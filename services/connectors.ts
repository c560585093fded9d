import type { EventType } from '../core/events';
import type { RemoteConfig } from '../core/remote-config';
import type { Tx } from '../db/client';
import {
  activateIdm,
  type ConnectorPatch,
  type ConnectorRow,
  type ConnectorView,
  createConnector as insertConnector,
  deactivateIdm,
  deleteConnector as removeConnector,
  getConnector,
  type IdmSettings,
  listConnectors as selectConnectors,
  type NewConnector,
  setSsoActive,
  toView,
  updateConnector,
} from '../db/connectors';
import { recordEvent } from '../db/events';
import { disableGroupLinks } from '../db/group-links';
import { boundGroupIds } from '../db/bindings';
import { enqueue, enqueueConnectorUsers, enqueueMany } from '../db/outbox';
import { verifyTarget } from '../targets';
import { change, DomainError, notFound, type ServiceDeps, type Warning, type WithWarnings, withWarnings } from './context';
import { onSsoActivated, onSsoDeactivated } from './sso-binds';

export async function requireConnector(tx: Tx, id: string): Promise<ConnectorRow> {
  const row = await getConnector(tx, id);
  if (!row) throw notFound('connector', id);
  return row;
}

export const DISPLAY_NAME_WARNING: Warning = {
  code: 'users_choose_display_name',
  message: 'Slack’s “Allow users to choose their own display name” must be disabled for this integration: with it on, Bindery does not send display names, and those set in Slack stay.',
};

/** What a Slack connector's plan means for guests (U9), said when a connector is created or its plan changed. */
export function planNote(row: Pick<ConnectorRow, 'kind' | 'plan'>): Warning | undefined {
  if (row.kind !== 'slack') return undefined;
  return row.plan === 'enterprise_grid'
    ? { code: 'plan_enterprise_grid', message: 'Plan: Enterprise Grid. Directory guests are provisioned as multi-channel guests, and members can be converted to guests and back through SCIM; guests are left out of Slack user groups.' }
    : {
        code: 'plan_business_plus',
        message: 'Plan: Business+ (the default; change it with --plan enterprise_grid). Slack Business+ cannot make guests through SCIM: directory guests are created as full members, and the connector lists them as needs_action until an admin changes their role in Slack.',
      };
}

const TARGET_NAME = { slack: 'Slack', scim: 'the service provider' } as const;

/** Settings that belong to one kind of target only: refused for the other, whoever calls. */
function checkKindSettings(kind: ConnectorRow['kind'], id: string, settings: { plan?: unknown; usersChooseDisplayName?: unknown; deprovision?: unknown; teamName?: unknown; teamDomain?: unknown }): void {
  if (kind !== 'slack' && (settings.plan !== undefined || settings.usersChooseDisplayName !== undefined || settings.teamName != null || settings.teamDomain != null)) {
    throw new DomainError('invalid', `Connector ${id} provisions a generic SCIM service provider: teamName, teamDomain, plan and usersChooseDisplayName are Slack's settings.`);
  }
  if (kind === 'slack' && settings.deprovision === 'delete') {
    throw new DomainError('invalid', 'Slack never deletes users through SCIM (its DELETE deactivates): deprovision delete applies to generic SCIM connectors only.');
  }
}

/**
 * Asks the target whether it accepts the token, before anything is stored (I1). A refusal records a
 * failure event and becomes a DomainError: `refused` (the target said no) or `unreachable` (no answer).
 */
async function verified(deps: ServiceDeps, kind: ConnectorRow['kind'], creds: { baseUrl: string; token: string }, event: { type: EventType; connectorId?: string; objectId: string }): Promise<RemoteConfig | null> {
  const verify = deps.verifyTarget ?? verifyTarget;
  const answer = await verify(kind, creds);
  if ('remoteConfig' in answer) return answer.remoteConfig;
  const { refusal } = answer;
  const message = refusal.kind === 'refused' ? `The SCIM token was not accepted: ${refusal.reason}` : `The SCIM token could not be checked: ${refusal.reason}`;
  await recordEvent(deps.db, { type: event.type, connectorId: event.connectorId, objectType: 'connector', objectId: event.objectId, outcome: 'failure', errorCode: refusal.code, message });
  if (refusal.kind === 'refused') {
    throw new DomainError('refused', `${TARGET_NAME[kind]} did not accept the SCIM URL and token: ${refusal.reason}.`, { api: 'Generate a new token and try again.', cli: 'Generate a new token and try again.' }, { errorCode: refusal.code });
  }
  throw new DomainError('unreachable', `Nothing was stored: ${refusal.reason}.`, { api: 'Check the SCIM URL and the network, then try again.', cli: 'Check --scim-url and the network, then try again.' }, { errorCode: refusal.code });
}

const activatedEvent = (connectorId: string, target: string) => ({
  type: 'idm_integration_activate' as const,
  connectorId,
  objectType: 'connector',
  objectId: connectorId,
  outcome: 'success' as const,
  message: `Identity management activated; the SCIM token was verified against ${target}.`,
});

/**
 * Creates a connector (D3). With a SCIM URL and token, identity management is activated once the target
 * accepts the token (I1); a Slack connector's answer says which plan is assumed and what it means for guests.
 */
export async function createConnector(deps: ServiceDeps, input: NewConnector): Promise<WithWarnings<ConnectorView>> {
  const kind = input.kind ?? 'slack';
  checkKindSettings(kind, input.label, input);
  if (kind === 'slack' && (!input.teamName || !input.teamDomain)) throw new DomainError('invalid', 'A Slack connector needs its team name and domain.');
  const remoteConfig = input.scimBaseUrl && input.scimToken ? await verified(deps, kind, { baseUrl: input.scimBaseUrl, token: input.scimToken }, { type: 'idm_integration_activate', objectId: input.label }) : null;
  const created = await change(deps, async (tx) => {
    const view = await insertConnector(tx, deps.secretKey, { ...input, kind, remoteConfig });
    if (view.idmStatus === 'active') {
      await recordEvent(tx, activatedEvent(view.id, kind === 'slack' ? 'Slack' : input.label));
      await enqueueConnectorUsers(tx, view.id);
      await enqueue(tx, 'schedule', view.id, view.id);
    }
    return view;
  });
  const warnings = [planNote(created), created.usersChooseDisplayName ? DISPLAY_NAME_WARNING : undefined].filter((w): w is Warning => w !== undefined);
  return withWarnings(created, warnings);
}

/** General settings; a plan change makes every user of the connector be looked at again (U9). */
export async function updateConnectorSettings(tx: Tx, id: string, patch: ConnectorPatch): Promise<WithWarnings<ConnectorView>> {
  const before = await requireConnector(tx, id);
  checkKindSettings(before.kind, id, patch);
  const after = (await updateConnector(tx, before.id, patch))!;
  if (after.plan !== before.plan && after.idmStatus === 'active') await enqueueConnectorUsers(tx, after.id);
  const note = after.plan !== before.plan ? planNote(after) : undefined;
  return withWarnings(toView(after), note ? [note] : []);
}

export async function activateIdentityManagement(deps: ServiceDeps, id: string, creds: { baseUrl: string; token: string }): Promise<WithWarnings<ConnectorView>> {
  const connector = await requireConnector(deps.db, id);
  if (connector.idmStatus === 'active') {
    throw new DomainError('conflict', `Identity management is already active for connector ${id}.`, {
      api: `Change its token with POST /v1/connectors/${id}/idm/reauth, or deactivate it first (POST /v1/connectors/${id}/idm/deactivate).`,
      cli: `Change its token with \`bindery connector reauth ${id}\`, or deactivate it first (\`bindery connector deactivate ${id}\`).`,
    });
  }
  const remoteConfig = await verified(deps, connector.kind, creds, { type: 'idm_integration_activate', connectorId: id, objectId: id });
  const row = await change(deps, async (tx) => {
    const activated = (await activateIdm(tx, deps.secretKey, id, { ...creds, remoteConfig }))!;
    await recordEvent(tx, activatedEvent(id, targetName(connector)));
    await enqueueConnectorUsers(tx, id);
    await enqueue(tx, 'schedule', id, id);
    return activated;
  });
  return withWarnings(toView(row), row.usersChooseDisplayName ? [DISPLAY_NAME_WARNING] : []);
}

export async function reauthenticate(deps: ServiceDeps, id: string, token: string): Promise<ConnectorView> {
  const connector = await requireConnector(deps.db, id);
  if (connector.idmStatus !== 'active' || !connector.scimBaseUrl) {
    throw new DomainError('conflict', `Identity management is not active for connector ${id}.`, {
      api: `Activate it with POST /v1/connectors/${id}/idm/activate.`,
      cli: `Activate it with \`bindery connector activate ${id} --scim-url <url> --token-stdin\`.`,
    });
  }
  const remoteConfig = await verified(deps, connector.kind, { baseUrl: connector.scimBaseUrl, token }, { type: 'idm_integration_reauth', connectorId: id, objectId: id });
  const row = await change(deps, async (tx) => {
    const updated = (await activateIdm(tx, deps.secretKey, id, { baseUrl: connector.scimBaseUrl!, token, remoteConfig }))!;
    await recordEvent(tx, { type: 'idm_integration_reauth', connectorId: id, objectType: 'connector', objectId: id, outcome: 'success', message: `The SCIM token was replaced; the new one was verified against ${targetName(connector)}.` });
    await enqueueConnectorUsers(tx, id);
    return updated;
  });
  return toView(row);
}

const onOff = (v: boolean) => (v ? 'on' : 'off');

/**
 * Identity-management settings (I2, idm_integration_update). Group management off (G6): group syncing
 * stops and the target keeps its groups and memberships as they are, users are still managed; on: every
 * bound group is synced from now on. A plan change makes every user be looked at again (U9).
 */
export async function updateIdentityManagement(tx: Tx, id: string, settings: IdmSettings): Promise<WithWarnings<ConnectorView>> {
  const before = await requireConnector(tx, id);
  checkKindSettings(before.kind, id, settings);
  const after = (await updateConnector(tx, before.id, settings))!;
  const changes: string[] = [];
  if (after.groupManagement !== before.groupManagement) changes.push(`group management ${onOff(before.groupManagement)} → ${onOff(after.groupManagement)}`);
  if (after.usersChooseDisplayName !== before.usersChooseDisplayName) changes.push(`users choose display name ${onOff(before.usersChooseDisplayName)} → ${onOff(after.usersChooseDisplayName)}`);
  if (after.plan !== before.plan) changes.push(`plan ${before.plan} → ${after.plan}`);
  if (after.deprovision !== before.deprovision) changes.push(`deprovision ${before.deprovision} → ${after.deprovision}`);
  const breaker = (c: ConnectorRow) => (c.breakerEnabled ? `on (${c.breakerPercent}%, at least ${c.breakerMinUsers}, ${c.breakerWindowMinutes} min)` : 'off');
  if (breaker(after) !== breaker(before)) changes.push(`circuit breaker ${breaker(before)} → ${breaker(after)}`);
  if (after.notifyEmail !== before.notifyEmail) changes.push('notification address changed');
  await recordEvent(tx, {
    type: 'idm_integration_update',
    connectorId: id,
    objectType: 'connector',
    objectId: id,
    outcome: 'success',
    message: changes.length > 0 ? `Identity-management settings changed: ${changes.join('; ')}.` : 'Identity-management settings saved; nothing changed.',
  });
  if (!after.groupManagement && before.groupManagement) await disableGroupLinks(tx, id);
  if (after.idmStatus === 'active') {
    // The plan decides how guests are provisioned; display names are sent again once members may not choose their own.
    if (after.plan !== before.plan || (before.usersChooseDisplayName && !after.usersChooseDisplayName)) await enqueueConnectorUsers(tx, id);
    if (after.groupManagement && !before.groupManagement) await enqueueMany(tx, 'group', id, await boundGroupIds(tx, id));
  }
  const warnings = [after.usersChooseDisplayName ? DISPLAY_NAME_WARNING : undefined, after.plan !== before.plan ? planNote(after) : undefined].filter((w): w is Warning => w !== undefined);
  return withWarnings(toView(after), warnings);
}

/** R1: syncing stops and the token is deleted; nothing is sent to the target, which keeps its state. */
export async function deactivateIdentityManagement(tx: Tx, id: string): Promise<ConnectorView> {
  const connector = await requireConnector(tx, id);
  if (connector.idmStatus !== 'active') throw new DomainError('conflict', `Identity management is not active for connector ${id}; there is nothing to deactivate.`);
  const row = (await deactivateIdm(tx, id))!;
  await enqueue(tx, 'schedule', id, id); // the resync schedule goes
  await recordEvent(tx, {
    type: 'idm_integration_delete',
    connectorId: id,
    objectType: 'connector',
    objectId: id,
    outcome: 'success',
    message: `Identity management deactivated and the SCIM token deleted. Nothing was sent to ${targetName(connector)}: its users and groups stay as they are.`,
  });
  return toView(row);
}

/** The seed's confirmation: "Enter the number of the applications you are deleting". One call deletes one. */
export const APPLICATIONS_PER_DELETE = 1;

/** How messages name a connector's target: Slack, or the generic connector's label. */
export function targetName(row: Pick<ConnectorRow, 'kind' | 'label'>): string {
  return row.kind === 'slack' ? 'Slack' : row.label;
}

/** What deleting the application leaves behind (R2, as the seed documents). */
export function targetKeepsUsersNote(row: Pick<ConnectorRow, 'kind' | 'label'>): string {
  const target = targetName(row);
  return `${target} users stay active: deleting the application in Bindery sends nothing to ${target}, whose users and groups stay as they are. Deactivate them there (or before deleting: unbind the groups) if they should lose access.`;
}

/**
 * R2: deletes the application — Bindery's state for it (links, group links, bindings, queued syncs) — after
 * the confirmation; nothing is sent to the target. Ending its running workflows is the caller's (Temporal).
 */
export async function deleteConnector(tx: Tx, id: string, confirm: string | undefined): Promise<ConnectorRow> {
  const row = await requireConnector(tx, id);
  const given = confirm?.trim();
  if (given !== String(APPLICATIONS_PER_DELETE)) {
    const what = `Deleting connector "${row.label}" (${row.id}) removes Bindery's state for it: its user and group links, bindings and queued syncs; ${targetName(row)} users stay active.`;
    const remedy = { api: `To confirm, give the number of applications you are deleting: ?confirm=${APPLICATIONS_PER_DELETE}.`, cli: `To confirm, pass --confirm ${APPLICATIONS_PER_DELETE} (or answer the question on a terminal).` };
    if (given === undefined || given === '') throw new DomainError('invalid', what, remedy, {}, 'Confirmation required');
    throw new DomainError('invalid', `confirm=${given} does not match the number of applications being deleted (${APPLICATIONS_PER_DELETE}); nothing was deleted. ${what}`, remedy, {}, 'Confirmation required');
  }
  if (row.idmStatus === 'active') {
    await recordEvent(tx, {
      type: 'idm_integration_delete',
      connectorId: row.id,
      objectType: 'connector',
      objectId: row.id,
      outcome: 'success',
      message: `Application "${row.label}" deleted: Bindery's state for it (user and group links, bindings, queued syncs) was removed and its running workflows are ended. Nothing was sent to ${targetName(row)}: its users stay active and its groups stay as they are.`,
    });
  }
  if (!(await removeConnector(tx, row.id))) throw notFound('connector', row.id);
  return row;
}

/** SSO on or off (R1's SSO half); idempotent; identity management is not affected. */
export async function setSso(tx: Tx, id: string, active: boolean): Promise<ConnectorView> {
  const before = await requireConnector(tx, id);
  const row = await setSsoActive(tx, id, active);
  if (!row) throw notFound('connector', id);
  // B1: turning SSO on opens a bind window for every authorized user not bound yet; off ends them all.
  if (active !== before.ssoActive) await (active ? onSsoActivated : onSsoDeactivated)(tx, id);
  return toView(row);
}

export async function getConnectorView(tx: Tx, id: string): Promise<ConnectorView> {
  return toView(await requireConnector(tx, id));
}

export const listConnectors = selectConnectors;
