import { and, asc, eq, isNull, lt, sql } from 'drizzle-orm';
import { newId } from '../core/ids';
import { decryptSecret, encryptSecret } from '../secrets/secrets';
import type { Tx } from './client';
import type { ConnectorRow } from './connectors';
import { connectors, samlReplays, ssoKeys } from './schema';

/** A connector's SAML signing keys (B3): certificates in clear, private keys encrypted like the SCIM token. */
export type SsoKeyRow = typeof ssoKeys.$inferSelect;

/** The SAML settings an admin sets; null brings a setting back to its default (no SP certificate: requests read unsigned). */
export type SsoSettingsPatch = Partial<Pick<ConnectorRow, 'ssoEntityId' | 'ssoSpEntityId' | 'ssoAcsUrl' | 'ssoSpCertificatePem'>>;

export async function listSsoKeys(db: Tx, connectorId: string): Promise<SsoKeyRow[]> {
  return db.select().from(ssoKeys).where(eq(ssoKeys.connectorId, connectorId)).orderBy(asc(ssoKeys.createdAt), asc(ssoKeys.id));
}

export async function getSsoKey(db: Tx, connectorId: string, keyId: string): Promise<SsoKeyRow | undefined> {
  const [row] = await db
    .select()
    .from(ssoKeys)
    .where(and(eq(ssoKeys.connectorId, connectorId), eq(ssoKeys.id, keyId)));
  return row;
}

export async function insertSsoKey(db: Tx, secretKey: Buffer, key: { connectorId: string; certificatePem: string; privateKeyPem: string; notAfter: Date }): Promise<SsoKeyRow> {
  const [row] = await db
    .insert(ssoKeys)
    .values({ id: newId('ssoKey'), connectorId: key.connectorId, certificatePem: key.certificatePem, privateKeyEncrypted: encryptSecret(secretKey, key.privateKeyPem), notAfter: key.notAfter })
    .returning();
  return row!;
}

/** Makes the key the connector's signing key only if it has none yet; false when another got there first. */
export async function claimFirstSsoKey(db: Tx, connectorId: string, keyId: string): Promise<boolean> {
  const rows = await db
    .update(connectors)
    .set({ ssoActiveKeyId: keyId, updatedAt: sql`now()` })
    .where(and(eq(connectors.id, connectorId), isNull(connectors.ssoActiveKeyId)))
    .returning({ id: connectors.id });
  return rows.length > 0;
}

export async function setActiveSsoKey(db: Tx, connectorId: string, keyId: string): Promise<ConnectorRow | undefined> {
  const [row] = await db.update(connectors).set({ ssoActiveKeyId: keyId, updatedAt: sql`now()` }).where(eq(connectors.id, connectorId)).returning();
  return row;
}

export async function deleteSsoKey(db: Tx, connectorId: string, keyId: string): Promise<boolean> {
  const rows = await db
    .delete(ssoKeys)
    .where(and(eq(ssoKeys.connectorId, connectorId), eq(ssoKeys.id, keyId)))
    .returning({ id: ssoKeys.id });
  return rows.length > 0;
}

export async function updateSsoSettings(db: Tx, connectorId: string, patch: SsoSettingsPatch): Promise<ConnectorRow | undefined> {
  const [row] = await db
    .update(connectors)
    .set({ ...patch, updatedAt: sql`now()` })
    .where(eq(connectors.id, connectorId))
    .returning();
  return row;
}

/** The private key in clear: for signing, inside the process only; never returned by the API. */
export function ssoPrivateKey(secretKey: Buffer, row: SsoKeyRow): string {
  return decryptSecret(secretKey, row.privateKeyEncrypted);
}

/**
 * Records a SAML message ID (an AuthnRequest answered, a response issued) until it expires; false when it
 * is already recorded and not expired: a replay. IDs are kept per connector. Expired IDs are dropped.
 */
export async function recordSamlId(db: Tx, connectorId: string, messageId: string, expiresAt: Date): Promise<boolean> {
  await db.delete(samlReplays).where(lt(samlReplays.expiresAt, sql`now()`));
  const rows = await db
    .insert(samlReplays)
    .values({ id: `${connectorId}/${messageId}`, connectorId, expiresAt })
    .onConflictDoUpdate({ target: samlReplays.id, set: { expiresAt }, setWhere: lt(samlReplays.expiresAt, sql`now()`) })
    .returning({ id: samlReplays.id });
  return rows.length > 0;
}
