import { asc, eq } from 'drizzle-orm';
import { newId } from '../core/ids';
import type { Db } from './client';
import { connectors } from './schema';
import { decryptSecret, encryptSecret } from './secrets';

export type ConnectorRow = typeof connectors.$inferSelect;
/** What leaves the database layer for display: never the token, not even encrypted. */
export type ConnectorView = Omit<ConnectorRow, 'scimTokenEncrypted'> & { hasScimToken: boolean };

export type NewConnector = {
  label: string;
  description?: string;
  showInUserPortal?: boolean;
  teamName: string;
  teamDomain: string;
  ssoIdpUrl?: string;
  plan?: ConnectorRow['plan'];
  scimBaseUrl?: string;
  scimToken?: string;
  usersChooseDisplayName?: boolean;
  groupManagement?: boolean;
};

/** The seed's default IdP URL: https://sso.jumpcloud.com/saml2/<applicationname>, here on Bindery's own host name. */
export function defaultSsoIdpUrl(label: string): string {
  const slug = label.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'slack';
  return `https://sso.bindery.local/saml2/${slug}`;
}

export function toView(row: ConnectorRow): ConnectorView {
  const { scimTokenEncrypted, ...rest } = row;
  return { ...rest, hasScimToken: scimTokenEncrypted !== null };
}

export async function createConnector(db: Db, key: Buffer, input: NewConnector): Promise<ConnectorView> {
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

export async function getConnector(db: Db, id: string): Promise<ConnectorRow | undefined> {
  const [row] = await db.select().from(connectors).where(eq(connectors.id, id));
  return row;
}

export async function listConnectors(db: Db): Promise<ConnectorView[]> {
  return (await db.select().from(connectors).orderBy(asc(connectors.createdAt))).map(toView);
}

/** SCIM endpoint and clear-text token: for activities only, never returned by the API. */
export function scimCredentials(key: Buffer, row: ConnectorRow): { baseUrl: string; token: string } | undefined {
  if (row.idmStatus !== 'active' || !row.scimBaseUrl || !row.scimTokenEncrypted) return undefined;
  return { baseUrl: row.scimBaseUrl, token: decryptSecret(key, row.scimTokenEncrypted) };
}
