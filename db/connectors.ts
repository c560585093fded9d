import { asc, eq, sql } from 'drizzle-orm';
import type { ConnectorKind, DeprovisionMode } from '../core/connector';
import { newId } from '../core/ids';
import type { RemoteConfig } from '../core/remote-config';
import type { Tx } from './client';
import { connectors, syncIntents } from './schema';
import { decryptSecret, encryptSecret } from '../secrets/secrets';

export type ConnectorRow = typeof connectors.$inferSelect;
/** What leaves the database layer for display: never the token, not even encrypted. */
export type ConnectorView = Omit<ConnectorRow, 'scimTokenEncrypted'> & { hasScimToken: boolean };

export type NewConnector = {
  kind?: ConnectorKind;
  label: string;
  description?: string;
  showInUserPortal?: boolean;
  teamName?: string | null;
  teamDomain?: string | null;
  ssoIdpUrl?: string;
  plan?: ConnectorRow['plan'];
  scimBaseUrl?: string;
  scimToken?: string;
  usersChooseDisplayName?: boolean;
  groupManagement?: boolean;
  deprovision?: DeprovisionMode;
  /** What a generic SCIM target declared when its token was verified. */
  remoteConfig?: RemoteConfig | null;
};

/** What an admin may change after creation: not the SSO IdP URL (the seed: fixed at creation). */
export type ConnectorPatch = Partial<Pick<ConnectorRow, 'label' | 'description' | 'showInUserPortal' | 'teamName' | 'teamDomain' | 'plan'>>;
/** The identity-management settings (I2; the plan, which decides how guests are created; a generic target's deprovisioning). */
export type IdmSettings = Partial<
  Pick<ConnectorRow, 'groupManagement' | 'usersChooseDisplayName' | 'plan' | 'deprovision' | 'breakerEnabled' | 'breakerPercent' | 'breakerMinUsers' | 'breakerWindowMinutes' | 'notifyEmail'>
>;

/** The seed's default IdP URL: https://sso.jumpcloud.com/saml2/<applicationname>, here on Bindery's own host name. */
export function defaultSsoIdpUrl(label: string): string {
  const slug = label.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'slack';
  return `https://sso.bindery.local/saml2/${slug}`;
}

export function toView(row: ConnectorRow): ConnectorView {
  const { scimTokenEncrypted, ...rest } = row;
  return { ...rest, hasScimToken: scimTokenEncrypted !== null };
}

export async function createConnector(db: Tx, key: Buffer, input: NewConnector): Promise<ConnectorView> {
  const { scimToken, ...fields } = input;
  const [row] = await db
    .insert(connectors)
    .values({
      id: newId('connector'),
      ...fields,
      ssoIdpUrl: input.ssoIdpUrl ?? defaultSsoIdpUrl(input.label),
      scimTokenEncrypted: scimToken ? encryptSecret(key, scimToken) : null,
      idmStatus: scimToken && input.scimBaseUrl ? 'active' : 'inactive',
    })
    .returning();
  return toView(row!);
}

export async function getConnector(db: Tx, id: string): Promise<ConnectorRow | undefined> {
  const [row] = await db.select().from(connectors).where(eq(connectors.id, id));
  return row;
}

export async function listConnectors(db: Tx): Promise<ConnectorView[]> {
  return (await db.select().from(connectors).orderBy(asc(connectors.createdAt), asc(connectors.id))).map(toView);
}

/** General settings (and IdM settings): only the given fields change. */
export async function updateConnector(db: Tx, id: string, patch: ConnectorPatch & IdmSettings): Promise<ConnectorRow | undefined> {
  const [row] = await db
    .update(connectors)
    .set({ ...patch, updatedAt: sql`now()` })
    .where(eq(connectors.id, id))
    .returning();
  return row;
}

/** Activation (or re-authentication): the verified SCIM endpoint and token, encrypted at rest (I1). */
export async function activateIdm(db: Tx, key: Buffer, id: string, scim: { baseUrl: string; token: string; remoteConfig?: RemoteConfig | null }): Promise<ConnectorRow | undefined> {
  const [row] = await db
    .update(connectors)
    .set({
      scimBaseUrl: scim.baseUrl,
      scimTokenEncrypted: encryptSecret(key, scim.token),
      idmStatus: 'active',
      ...(scim.remoteConfig === undefined ? {} : { remoteConfig: scim.remoteConfig }),
      updatedAt: sql`now()`,
    })
    .where(eq(connectors.id, id))
    .returning();
  return row;
}

/** Deactivation (R1): the token is forgotten; the base URL stays for display; Slack keeps its state. */
export async function deactivateIdm(db: Tx, id: string): Promise<ConnectorRow | undefined> {
  const [row] = await db
    .update(connectors)
    .set({ scimTokenEncrypted: null, idmStatus: 'inactive', updatedAt: sql`now()` })
    .where(eq(connectors.id, id))
    .returning();
  return row;
}

/** SSO on or off for the connector (R1). */
export async function setSsoActive(db: Tx, id: string, active: boolean): Promise<ConnectorRow | undefined> {
  const [row] = await db
    .update(connectors)
    .set({ ssoActive: active, updatedAt: sql`now()` })
    .where(eq(connectors.id, id))
    .returning();
  return row;
}

/**
 * Deletes the application (R2): the connector row, and by ON DELETE CASCADE its user links, group links
 * and bindings; its outbox intents (no foreign key) explicitly. Insights events stay (they have no foreign
 * key either). Nothing is sent to Slack. False when there was no such connector.
 */
export async function deleteConnector(db: Tx, id: string): Promise<boolean> {
  const rows = await db.delete(connectors).where(eq(connectors.id, id)).returning({ id: connectors.id });
  await db.delete(syncIntents).where(eq(syncIntents.connectorId, id));
  return rows.length > 0;
}

/** SCIM endpoint and clear-text token: for activities only, never returned by the API. */
export function scimCredentials(key: Buffer, row: ConnectorRow): { baseUrl: string; token: string } | undefined {
  if (row.idmStatus !== 'active' || !row.scimBaseUrl || !row.scimTokenEncrypted) return undefined;
  return { baseUrl: row.scimBaseUrl, token: decryptSecret(key, row.scimTokenEncrypted) };
}
