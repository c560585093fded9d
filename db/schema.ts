import { sql } from 'drizzle-orm';
import { bigserial, boolean, doublePrecision, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import type { Address, PhoneNumber } from '../core/directory';
import { CONNECTOR_KINDS, DEPROVISION_MODES, IDM_STATUSES, SLACK_PLANS } from '../core/connector';
import { EVENT_OUTCOMES, EVENT_TYPES } from '../core/events';
import { GROUP_LINK_STATES, LINK_STATES } from '../core/links';
import { INTENT_KINDS } from '../core/sync-kinds';
import type { RemoteConfig } from '../core/remote-config';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();

/** Directory users: every attribute of the seed's "Slack User Attributes" table (D1). */
export const directoryUsers = pgTable(
  'directory_users',
  {
    id: text('id').primaryKey(),
    username: text('username').notNull(),
    email: text('email').notNull(),
    firstName: text('first_name').notNull().default(''),
    middleName: text('middle_name').notNull().default(''),
    lastName: text('last_name').notNull().default(''),
    displayName: text('display_name').notNull().default(''),
    suspended: boolean('suspended').notNull().default(false),
    passwordExpired: boolean('password_expired').notNull().default(false),
    jobTitle: text('job_title').notNull().default(''),
    location: text('location').notNull().default(''),
    addresses: jsonb('addresses').$type<Address[]>().notNull().default([]),
    phoneNumbers: jsonb('phone_numbers').$type<PhoneNumber[]>().notNull().default([]),
    employeeIdentifier: text('employee_identifier').notNull().default(''),
    department: text('department').notNull().default(''),
    company: text('company').notNull().default(''),
    /** A multi-channel guest in Slack (U9: only on Enterprise Grid; on Business+ created as a member). */
    guest: boolean('guest').notNull().default(false),
    /** Set when the user is deleted from the directory; the row stays so Slack can be told. */
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('directory_users_username_uq').on(sql`lower(${t.username})`), index('directory_users_email_idx').on(sql`lower(${t.email})`)],
);

/** User groups (D2): a user is authorized for a connector only through a group bound to it. */
export const userGroups = pgTable(
  'user_groups',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('user_groups_live_name_uq').on(sql`lower(${t.name})`).where(sql`${t.deletedAt} is null`)],
);

export const groupMembers = pgTable(
  'group_members',
  {
    groupId: text('group_id').notNull().references(() => userGroups.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull().references(() => directoryUsers.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.groupId, t.userId] }), index('group_members_user_idx').on(t.userId)],
);

/** Connectors: application instances (D3) with their IdM integration (I1, I2); Slack, or any SCIM 2.0 service provider. */
export const connectors = pgTable('connectors', {
  id: text('id').primaryKey(),
  kind: text('kind', { enum: CONNECTOR_KINDS }).notNull().default('slack'),
  label: text('label').notNull(),
  description: text('description').notNull().default(''),
  showInUserPortal: boolean('show_in_user_portal').notNull().default(true),
  /** Slack connectors only. */
  teamName: text('team_name'),
  /** Slack connectors only: names the Slack org, whose rate limits every connector to it shares. */
  teamDomain: text('team_domain'),
  /** Fixed at creation (the seed: the SSO IdP URL is not editable afterwards). */
  ssoIdpUrl: text('sso_idp_url').notNull(),
  plan: text('plan', { enum: SLACK_PLANS }).notNull().default('business_plus'),
  scimBaseUrl: text('scim_base_url'),
  /** AES-256-GCM ciphertext of the SCIM token (db/secrets.ts); never leaves activities in clear. */
  scimTokenEncrypted: text('scim_token_encrypted'),
  idmStatus: text('idm_status', { enum: IDM_STATUSES }).notNull().default('inactive'),
  /** What a generic SCIM service provider said it supports (discovered at activation); null for Slack. */
  remoteConfig: jsonb('remote_config').$type<RemoteConfig>(),
  /** Generic SCIM connectors: deactivate (PATCH active=false) or delete a user deleted from the directory. */
  deprovision: text('deprovision', { enum: DEPROVISION_MODES }).notNull().default('deactivate'),
  groupManagement: boolean('group_management').notNull().default(true),
  /** Slack's "Allow users to choose their own display name"; the seed requires it off. */
  usersChooseDisplayName: boolean('users_choose_display_name').notNull().default(false),
  /** The circuit breaker (S4): deactivations beyond max(percent of linked users, minUsers - 1) within the window are held. */
  breakerEnabled: boolean('breaker_enabled').notNull().default(true),
  breakerPercent: integer('breaker_percent').notNull().default(10),
  breakerMinUsers: integer('breaker_min_users').notNull().default(25),
  breakerWindowMinutes: integer('breaker_window_minutes').notNull().default(60),
  /** Who is emailed about this connector (held deactivations); else BINDERY_ADMIN_EMAIL. */
  notifyEmail: text('notify_email'),
  /** SAML (B3): the IdP entity ID Bindery signs as for this connector; null → derived from ssoIdpUrl. */
  ssoEntityId: text('sso_entity_id'),
  /** The service provider's entity ID (Slack: https://<teamname>.slack.com); null → derived. */
  ssoSpEntityId: text('sso_sp_entity_id'),
  /** Where signed responses are posted (Slack's ACS URL, or the emulator's); null → derived from teamDomain. */
  ssoAcsUrl: text('sso_acs_url'),
  /** The signing key in use (sso_keys.id); others are kept until the admin switches. */
  ssoActiveKeyId: text('sso_active_key_id'),
  /** The SP's certificate (PEM, Slack's "Sign AuthnRequest"): when set, AuthnRequests must be signed with it. */
  ssoSpCertificatePem: text('sso_sp_certificate_pem'),
  /** SSO (SAML) for this connector; deactivating it is recorded (R1), the IdP itself comes later. */
  ssoActive: boolean('sso_active').notNull().default(false),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** Group ↔ connector bindings ("authorize user access"). */
export const connectorGroups = pgTable(
  'connector_groups',
  {
    connectorId: text('connector_id').notNull().references(() => connectors.id, { onDelete: 'cascade' }),
    groupId: text('group_id').notNull().references(() => userGroups.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
    /** Set on unbind: the row stays, because Slack cannot re-enable a group removed from it (G4). */
    unboundAt: timestamp('unbound_at', { withTimezone: true }),
    /** The admin overrode the refusal to bind a group already bound to another connector (G5). */
    overrideReason: text('override_reason'),
    /** Unbound while the connector managed groups in an active target: it cannot be bound again (G4). */
    unboundWhileManaged: boolean('unbound_while_managed').notNull().default(false),
  },
  (t) => [primaryKey({ columns: [t.connectorId, t.groupId] }), index('connector_groups_group_idx').on(t.groupId)],
);

/** Per-connector link between a directory user and their account in the target (core/links.ts: the states). */
export const userLinks = pgTable(
  'user_links',
  {
    connectorId: text('connector_id').notNull().references(() => connectors.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull().references(() => directoryUsers.id, { onDelete: 'cascade' }),
    remoteId: text('remote_id'),
    state: text('state', { enum: LINK_STATES }).notNull().default('pending'),
    lastErrorCode: text('last_error_code'),
    lastError: text('last_error'),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.connectorId, t.userId] }),
    uniqueIndex('user_links_remote_uq').on(t.connectorId, t.remoteId),
    index('user_links_state_idx').on(t.connectorId, t.state),
  ],
);

/** Per-connector link between a directory group and its group in the target (a Slack user group; an IdP group on Grid). */
export const groupLinks = pgTable(
  'group_links',
  {
    connectorId: text('connector_id').notNull().references(() => connectors.id, { onDelete: 'cascade' }),
    groupId: text('group_id').notNull().references(() => userGroups.id, { onDelete: 'cascade' }),
    remoteGroupId: text('remote_group_id'),
    state: text('state', { enum: GROUP_LINK_STATES }).notNull().default('pending'),
    memberCount: integer('member_count').notNull().default(0),
    /** Members the target cannot hold in a group (Slack: guests), left out of it on purpose. */
    membersLeftOut: integer('members_left_out').notNull().default(0),
    lastErrorCode: text('last_error_code'),
    lastError: text('last_error'),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.connectorId, t.groupId] })],
);

/**
 * The outbox: "look at this object for this connector", written in the same transaction as the
 * directory change that calls for it, delivered to Temporal by the dispatcher (dispatch/dispatcher.ts).
 */
export const syncIntents = pgTable(
  'sync_intents',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    kind: text('kind', { enum: INTENT_KINDS }).notNull(),
    connectorId: text('connector_id').notNull(),
    objectId: text('object_id').notNull(),
    createdAt: createdAt(),
    /** Claimed intents move this forward (a lease); failed ones, by their backoff. */
    availableAt: timestamp('available_at', { withTimezone: true }).notNull().defaultNow(),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
  },
  (t) => [index('sync_intents_available_idx').on(t.availableAt)],
);

/** Token buckets of the rate governor, shared by every worker through the database (U7). */
export const rateBuckets = pgTable('rate_buckets', {
  key: text('key').primaryKey(),
  tokens: doublePrecision('tokens').notNull(),
  refreshedAt: timestamp('refreshed_at', { withTimezone: true, precision: 6 }).notNull(),
});

/** Directory Insights events: one per attempt, success or failure (U8, I3, G8). */
export const insightsEvents = pgTable(
  'insights_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    type: text('type', { enum: EVENT_TYPES }).notNull(),
    connectorId: text('connector_id'),
    objectType: text('object_type').notNull(),
    objectId: text('object_id').notNull(),
    outcome: text('outcome', { enum: EVENT_OUTCOMES }).notNull(),
    errorCode: text('error_code'),
    message: text('message').notNull(),
    workflowId: text('workflow_id'),
    runId: text('run_id'),
    attempt: integer('attempt'),
  },
  (t) => [index('insights_events_at_idx').on(t.at), index('insights_events_object_idx').on(t.objectType, t.objectId)],
);

/** Deactivations sent or about to be, per connector: the circuit breaker's window (S4). */
export const deactivationClaims = pgTable(
  'deactivation_claims',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    connectorId: text('connector_id').notNull().references(() => connectors.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('deactivation_claims_window_idx').on(t.connectorId, t.at)],
);

export const HOLD_STATUSES = ['open', 'approved', 'rejected'] as const;

/** A batch of deactivations the circuit breaker held, waiting for an admin's decision (S4). */
export const holds = pgTable('holds', {
  id: text('id').primaryKey(),
  connectorId: text('connector_id').notNull().references(() => connectors.id, { onDelete: 'cascade' }),
  status: text('status', { enum: HOLD_STATUSES }).notNull().default('open'),
  /** Why the breaker tripped, in numbers. */
  reason: text('reason').notNull(),
  createdAt: createdAt(),
  notifiedAt: timestamp('notified_at', { withTimezone: true }),
  decidedAt: timestamp('decided_at', { withTimezone: true }),
  decidedBy: text('decided_by'),
  decisionReason: text('decision_reason'),
});

/** One held deactivation; approved ones let the user's next sync deactivate, rejected ones keep the user as they are. */
export const heldDeactivations = pgTable(
  'held_deactivations',
  {
    connectorId: text('connector_id').notNull().references(() => connectors.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull(),
    holdId: text('hold_id').notNull().references(() => holds.id, { onDelete: 'cascade' }),
    /** The inactive reason (core/plan/user.ts InactiveReason). */
    reason: text('reason').notNull(),
    heldAt: timestamp('held_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.connectorId, t.userId] }), index('held_deactivations_hold_idx').on(t.holdId)],
);

export const RUN_MODES = ['resync', 'plan', 'apply'] as const;
export const RUN_STATUSES = ['running', 'completed', 'failed', 'stale'] as const;

/** A full reconciliation (S2), a plan of one (S3), or the application of a plan: its progress and report. */
export const resyncRuns = pgTable(
  'resync_runs',
  {
    id: text('id').primaryKey(),
    connectorId: text('connector_id').notNull().references(() => connectors.id, { onDelete: 'cascade' }),
    mode: text('mode', { enum: RUN_MODES }).notNull(),
    status: text('status', { enum: RUN_STATUSES }).notNull().default('running'),
    /** The plan an `apply` run applies. */
    planId: text('plan_id'),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    /** Counts so far: read, planned and applied by operation (core/resync.ts RunCounts). */
    counts: jsonb('counts').$type<Record<string, unknown>>().notNull().default({}),
    /** A digest of every planned step: an `apply` refuses when the plan it would make differs. */
    fingerprint: text('fingerprint'),
    error: text('error'),
    workflowId: text('workflow_id'),
  },
  (t) => [index('resync_runs_connector_idx').on(t.connectorId, t.startedAt)],
);

/** One planned step of a run (and its outcome), or one account in the target the directory does not know. */
export const resyncItems = pgTable(
  'resync_items',
  {
    runId: text('run_id').notNull().references(() => resyncRuns.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    objectType: text('object_type').notNull(),
    objectId: text('object_id').notNull(),
    /** The step as planned (core/plan): kept so an apply can send exactly what was planned. */
    step: jsonb('step').$type<Record<string, unknown>>(),
    op: text('op').notNull(),
    method: text('method'),
    path: text('path'),
    attributes: jsonb('attributes').$type<string[]>(),
    outcome: text('outcome').notNull(),
    code: text('code'),
    message: text('message'),
  },
  (t) => [primaryKey({ columns: [t.runId, t.seq] })],
);

/** The target's users as a resync read them, for its run only (matched in SQL, deleted when the run ends). */
export const targetSnapshot = pgTable(
  'target_snapshot',
  {
    runId: text('run_id').notNull().references(() => resyncRuns.id, { onDelete: 'cascade' }),
    remoteId: text('remote_id').notNull(),
    userNameLc: text('user_name_lc').notNull(),
    emailLc: text('email_lc'),
    active: boolean('active').notNull(),
    resource: jsonb('resource').$type<Record<string, unknown>>().notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.remoteId] }), index('target_snapshot_user_idx').on(t.runId, t.userNameLc), index('target_snapshot_email_idx').on(t.runId, t.emailLc)],
);

export const IMPORT_STATUSES = ['running', 'completed', 'failed'] as const;
export const IMPORT_OUTCOMES = ['pending', 'created', 'already_imported', 'refused'] as const;

/** An import of the target's users into the directory (M1–M2): its selection, progress and summary. */
export const imports = pgTable(
  'imports',
  {
    id: text('id').primaryKey(),
    connectorId: text('connector_id').notNull().references(() => connectors.id, { onDelete: 'cascade' }),
    status: text('status', { enum: IMPORT_STATUSES }).notNull().default('running'),
    /** Who is emailed when a background import completes. */
    notifyEmail: text('notify_email'),
    total: integer('total').notNull().default(0),
    created: integer('created').notNull().default(0),
    alreadyImported: integer('already_imported').notNull().default(0),
    refused: integer('refused').notNull().default(0),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    workflowId: text('workflow_id'),
    error: text('error'),
  },
  (t) => [index('imports_connector_idx').on(t.connectorId, t.startedAt)],
);

/** One selected account of an import and what became of it; the directory user it created, if any. */
export const importItems = pgTable(
  'import_items',
  {
    importId: text('import_id').notNull().references(() => imports.id, { onDelete: 'cascade' }),
    remoteId: text('remote_id').notNull(),
    outcome: text('outcome', { enum: IMPORT_OUTCOMES }).notNull().default('pending'),
    userId: text('user_id'),
    userName: text('user_name'),
    reason: text('reason'),
  },
  (t) => [primaryKey({ columns: [t.importId, t.remoteId] })],
);

/** A connector's SAML signing keys (B3): a self-signed certificate each, the private key encrypted at rest. */
export const ssoKeys = pgTable(
  'sso_keys',
  {
    id: text('id').primaryKey(),
    connectorId: text('connector_id').notNull().references(() => connectors.id, { onDelete: 'cascade' }),
    certificatePem: text('certificate_pem').notNull(),
    /** AES-256-GCM ciphertext (secrets/secrets.ts), like the SCIM token. */
    privateKeyEncrypted: text('private_key_encrypted').notNull(),
    createdAt: createdAt(),
    notAfter: timestamp('not_after', { withTimezone: true }).notNull(),
  },
  (t) => [index('sso_keys_connector_idx').on(t.connectorId)],
);

export const BIND_STATES = ['pending', 'bound', 'expired'] as const;

/** The 72-hour bind window per user and connector (B1, B2): emailed, then bound by a first launch, or expired. */
export const ssoBinds = pgTable(
  'sso_binds',
  {
    connectorId: text('connector_id').notNull().references(() => connectors.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull().references(() => directoryUsers.id, { onDelete: 'cascade' }),
    state: text('state', { enum: BIND_STATES }).notNull().default('pending'),
    /** Each resend starts a new round; links of earlier rounds stop working. */
    round: integer('round').notNull().default(1),
    deadline: timestamp('deadline', { withTimezone: true }).notNull(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    boundAt: timestamp('bound_at', { withTimezone: true }),
    /** Bindery created the user's account in the target while SSO was on: it stays inactive until the first launch (B2). */
    createdInactive: boolean('created_inactive').notNull().default(false),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.connectorId, t.userId] }), index('sso_binds_state_idx').on(t.connectorId, t.state)],
);

/** Single-use sign-in links of the user portal, hashed at rest. */
export const portalLinks = pgTable('portal_links', {
  tokenHash: text('token_hash').primaryKey(),
  userId: text('user_id').notNull().references(() => directoryUsers.id, { onDelete: 'cascade' }),
  /** Where the link leads after sign-in (a bind's launch), when it came from a bind email. */
  next: text('next'),
  createdAt: createdAt(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  usedAt: timestamp('used_at', { withTimezone: true }),
});

/** User portal sessions, the ID hashed at rest, with their CSRF token. */
export const portalSessions = pgTable('portal_sessions', {
  idHash: text('id_hash').primaryKey(),
  userId: text('user_id').notNull().references(() => directoryUsers.id, { onDelete: 'cascade' }),
  csrfToken: text('csrf_token').notNull(),
  createdAt: createdAt(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
});

/** SAML message IDs already used (AuthnRequests answered, responses issued): replays are refused. */
export const samlReplays = pgTable('saml_replays', {
  id: text('id').primaryKey(),
  connectorId: text('connector_id').notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
});
