import type { ConnectorKind } from '../core/connector';
import type { RemoteConfig } from '../core/remote-config';
import { ScimError } from './errors';
import { ScimClient, type ScimClientOptions } from './scim-client';
import { scimProfile } from './scim/profile';
import { discoverRemoteConfig } from './scim/discovery';
import { rfcDialect } from './scim/dialect';
import { slackProfile } from './slack/profile';
import { slackDialect } from './slack/dialect';
import type { TargetProfile, TargetSettings } from './target';

export type { ManualAction, TargetProfile, TargetSettings, ValidationProblem } from './target';

/** The targets Bindery provisions, by connector kind: adding one is one entry here. */
const PROFILES: Record<ConnectorKind, (settings: TargetSettings) => TargetProfile> = {
  slack: slackProfile,
  scim: scimProfile,
};

/** A connector's settings as its target reads them (the connector row has these columns). */
export function targetSettings(row: {
  kind: ConnectorKind;
  label: string;
  usersChooseDisplayName: boolean;
  plan: TargetSettings['plan'];
  deprovision: TargetSettings['deprovision'];
  remoteConfig: RemoteConfig | null;
  teamDomain: string | null;
  scimBaseUrl: string | null;
}): TargetSettings {
  const { kind, label, usersChooseDisplayName, plan, deprovision, remoteConfig, teamDomain, scimBaseUrl } = row;
  return { kind, label, usersChooseDisplayName, plan, deprovision, remoteConfig, teamDomain, scimBaseUrl };
}

export function profileFor(settings: TargetSettings): TargetProfile {
  return PROFILES[settings.kind](settings);
}

export type Credentials = { baseUrl: string; token: string };

/** The SCIM client for a connector's target, in its dialect. */
export function clientFor(profile: Pick<TargetProfile, 'dialect'>, creds: Credentials, options: Omit<ScimClientOptions, 'baseUrl' | 'token' | 'dialect'> = {}): ScimClient {
  return new ScimClient({ ...options, ...creds, dialect: profile.dialect });
}

/** Why a target did not accept a token: `refused` (it answered no) or `unreachable` (no answer). */
export type Refusal = { kind: 'refused' | 'unreachable'; code: string; reason: string };

/**
 * Asks the target whether it accepts the token, before anything is stored; a generic SCIM target also says
 * what it supports. A refusal carries the target's code and never the token.
 */
export async function verifyTarget(kind: ConnectorKind, creds: Credentials, options: Omit<ScimClientOptions, 'baseUrl' | 'token' | 'dialect'> = {}): Promise<{ remoteConfig: RemoteConfig | null } | { refusal: Refusal }> {
  const client = new ScimClient({ ...options, ...creds, dialect: kind === 'slack' ? slackDialect : rfcDialect(null) });
  try {
    await client.verify();
    return { remoteConfig: kind === 'scim' ? await discoverRemoteConfig(client) : null };
  } catch (err) {
    if (!(err instanceof ScimError)) throw err;
    const where = kind === 'slack' ? 'Slack' : 'the service provider';
    if (err.unreachable) return { refusal: { kind: 'unreachable', code: err.code, reason: `${where} could not be reached at ${creds.baseUrl} (${err.code}: ${err.cause instanceof Error ? err.cause.message : err.explanation})` } };
    // A server error or a rate limit says nothing about the token: the admin should try again later.
    if (err.kind !== 'permanent') return { refusal: { kind: 'unreachable', code: err.code, reason: `${where} at ${creds.baseUrl} did not answer usefully (${err.code}: ${err.explanation})` } };
    return { refusal: { kind: 'refused', code: err.code, reason: `${err.code}: ${err.explanation}` } };
  }
}
