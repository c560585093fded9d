import type { ConnectorKind, DeprovisionMode, SlackPlan } from '../core/connector';
import type { DirectoryUser } from '../core/directory';
import type { UserRules } from '../core/plan/user';
import type { RemoteConfig } from '../core/remote-config';
import type { ScimUserPayload } from '../core/scim-user';
import type { ScimDialect } from './scim-client';

/**
 * A target is where a connector provisions: Slack, or any SCIM 2.0 service provider. The sync engine
 * (engine/) and the planners (core/plan) are one for all; what is a target's own sits behind this
 * interface — mapping, validation, matching, error classification (the dialect), rate rules and
 * capabilities — like authentik's outgoing sync: one generic engine, one client per provider.
 */

/** A connector's settings that shape what its target is sent (read from the connector row). */
export type TargetSettings = {
  kind: ConnectorKind;
  /** The connector's display label: how events name a generic target. */
  label: string;
  /** Slack: display names are sent only while members may not choose their own. */
  usersChooseDisplayName: boolean;
  /** Slack: the plan decides how guests are provisioned. */
  plan: SlackPlan;
  /** Generic SCIM: deactivate or delete a user deleted from the directory. */
  deprovision: DeprovisionMode;
  /** Generic SCIM: what the service provider declared at activation. */
  remoteConfig: RemoteConfig | null;
  /** Slack: names the org whose rate limits every connector to it shares. */
  teamDomain: string | null;
  scimBaseUrl: string | null;
};

/** A rule the target refuses, found before anything is sent (Slack: requirement U5). */
export type ValidationProblem = { code: string; field: string; message: string };

/** A change the target cannot take through SCIM: an admin must make it there (link state `needs_action`). */
export type ManualAction = { code: string; message: string };

export interface TargetProfile extends UserRules {
  readonly kind: ConnectorKind;
  /** Groups and memberships can be managed. */
  readonly groups: boolean;
  /** Most member references in one group request. */
  readonly groupBatchSize: number;
  /** How errors are named, users deactivated, and lookups filtered. */
  readonly dialect: ScimDialect;
  /** The rules that hold whoever the other users are: for warnings when the directory changes. */
  staticProblems(user: DirectoryUser, payload?: ScimUserPayload): ValidationProblem[];
  /** Whether a user may be a group member in the target (Slack: guests may not). */
  canJoinGroups(user: { guest: boolean }): boolean;
  /** Group names the target manages itself and never lets SCIM write (Slack: "Team Admins"). */
  isManagedGroupName(name: string): boolean;
  /** The key whose rate budget requests share (Slack: the org), or undefined for no proactive limits. */
  readonly rateLimitKey: string | undefined;
  /** The explanation of a code, for events and messages. */
  explain(code: string): string;
}
