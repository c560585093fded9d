import { X509Certificate } from 'node:crypto';
import { loadConfig, publicBaseUrl } from '../core/config';
import type { Db, Tx } from '../db/client';
import { type ConnectorRow, getConnector } from '../db/connectors';
import { claimFirstSsoKey, deleteSsoKey as removeSsoKey, getSsoKey, insertSsoKey, listSsoKeys, recordSamlId, setActiveSsoKey, type SsoKeyRow, ssoPrivateKey, updateSsoSettings } from '../db/sso';
import { type AuthnRequestInfo, type IdpSettings, idpMetadata, type LoginResponse, readAuthnRequest, SAML_TIMING, SamlError, type SamlSubject, signedLoginResponse } from '../sso/idp';
import { certificateInfo, generateSigningKey } from '../sso/keys';
import { defaultAcsUrl, defaultSpEntityId, SLACK_SAML } from '../sso/slack';
import { IDP_PATHS, publicUrlOf } from '../sso/urls';
import { DomainError, notFound } from './context';

/**
 * SAML configuration per connector (B3) and the IdP's use of it (issue 11 §1–2): the IdP entity ID, SSO
 * URL and signing keys Bindery holds for each connector, the service provider it answers (Slack: its
 * issuer and ACS URL, derived from the team unless set), key rotation, metadata, and the settings and
 * replay records the IdP endpoints (the portal) work with.
 */
export type SsoDeps = {
  db: Db;
  /** Encrypts signing keys at rest, as it does SCIM tokens. */
  secretKey: Buffer;
  /** Bindery's public base URL (BINDERY_PUBLIC_URL); unset → from the configuration. */
  publicUrl?: string;
};

export type SsoKeyView = { id: string; active: boolean; createdAt: Date; notAfter: Date; fingerprintSha256: string; certificatePem: string };

/**
 * What Slack's SAML settings take, in Slack's words. `signAuthnRequest` is the advanced option Bindery follows
 * rather than sets: checked in Slack when Bindery holds Slack's certificate (requestsSigned).
 */
export type SlackSsoFields = {
  samlEndpoint: string;
  identityProviderIssuer: string;
  publicCertificate: string;
  serviceProviderIssuer: string | null;
  responsesSigned: boolean;
  assertionsSigned: boolean;
  signAuthnRequest: boolean;
};

/** The service provider's certificate, as an admin compares it with what the SP shows. */
export type SpCertificateView = { fingerprintSha256: string; subject: string; notAfter: Date; certificatePem: string };

export type SsoConfig = {
  connectorId: string;
  /** SSO on (ssoActive): the IdP answers for this connector. */
  active: boolean;
  idpEntityId: string;
  /** The entity ID is the connector's SSO IdP URL (fixed at creation) unless set. */
  idpEntityIdIsDefault: boolean;
  ssoUrl: string;
  spEntityId: string | null;
  spEntityIdIsDefault: boolean;
  acsUrl: string | null;
  acsUrlIsDefault: boolean;
  activeKeyId: string;
  keys: SsoKeyView[];
  /**
   * AuthnRequests must be signed: the SP's certificate is set, so an unsigned request, or one that does not
   * verify with that certificate, is refused. False: requests are read unsigned, as Slack sends them by default.
   */
  requestsSigned: boolean;
  /** The certificate signed AuthnRequests are verified with (Slack shows it when "Sign AuthnRequest" is checked); null when unset. */
  spCertificate: SpCertificateView | null;
  slack: SlackSsoFields;
  /** What must still be set before the IdP can answer (e.g. a generic SCIM connector has no default SP). */
  missing: string[];
};

const cli = (id: string, rest: string) => `\`bindery connector sso ${rest.replace('<id>', id)}\``;

function publicUrlOfDeps(deps: Pick<SsoDeps, 'publicUrl'>): string {
  return (deps.publicUrl ?? publicBaseUrl(loadConfig())).replace(/\/+$/, '');
}

async function requireConnector(db: Tx, id: string): Promise<ConnectorRow> {
  const row = await getConnector(db, id);
  if (!row) throw notFound('connector', id);
  return row;
}

/** The IdP entity ID: set, else the connector's SSO IdP URL (the seed's field, fixed at creation). */
const idpEntityIdOf = (c: ConnectorRow) => c.ssoEntityId ?? c.ssoIdpUrl;
const spEntityIdOf = (c: ConnectorRow) => c.ssoSpEntityId ?? (c.kind === 'slack' ? (defaultSpEntityId(c.teamName) ?? null) : null);
const acsUrlOf = (c: ConnectorRow) => c.ssoAcsUrl ?? (c.kind === 'slack' ? (defaultAcsUrl(c.teamDomain ?? c.teamName) ?? null) : null);

/**
 * The connector's signing key; the first is generated the first time anything needs one (SSO settings
 * read, metadata, a sign-in), so every connector has a certificate to download, as in the seed.
 */
async function activeKey(deps: SsoDeps, connector: ConnectorRow): Promise<{ connector: ConnectorRow; key: SsoKeyRow }> {
  if (connector.ssoActiveKeyId) {
    const key = await getSsoKey(deps.db, connector.id, connector.ssoActiveKeyId);
    if (key) return { connector, key };
  }
  // Generated outside the transaction (it takes a moment); two first reads at once keep one key.
  const generated = await generateSigningKey({ commonName: `Bindery IdP ${connector.id}` });
  await deps.db.transaction(async (tx) => {
    const key = await insertSsoKey(tx, deps.secretKey, { connectorId: connector.id, ...generated });
    if (!(await claimFirstSsoKey(tx, connector.id, key.id))) await removeSsoKey(tx, connector.id, key.id);
  });
  const reread = await requireConnector(deps.db, connector.id);
  const key = reread.ssoActiveKeyId ? await getSsoKey(deps.db, connector.id, reread.ssoActiveKeyId) : undefined;
  if (!key) throw new Error(`connector ${connector.id}: its SAML signing key ${reread.ssoActiveKeyId ?? '(none)'} is missing`);
  return { connector: reread, key };
}

function spCertificateView(pem: string | null): SpCertificateView | null {
  if (pem === null) return null;
  const { fingerprintSha256, subject, notAfter } = certificateInfo(pem);
  return { fingerprintSha256, subject, notAfter, certificatePem: pem };
}

function keyView(row: SsoKeyRow, activeKeyId: string): SsoKeyView {
  return { id: row.id, active: row.id === activeKeyId, createdAt: row.createdAt, notAfter: row.notAfter, fingerprintSha256: certificateInfo(row.certificatePem).fingerprintSha256, certificatePem: row.certificatePem };
}

function missingSettings(c: ConnectorRow): string[] {
  const missing: string[] = [];
  if (!spEntityIdOf(c)) missing.push('spEntityId');
  if (!acsUrlOf(c)) missing.push('acsUrl');
  return missing;
}

async function configOf(deps: SsoDeps, row: ConnectorRow): Promise<SsoConfig> {
  const { connector, key } = await activeKey(deps, row);
  const base = publicUrlOfDeps(deps);
  const spEntityId = spEntityIdOf(connector);
  const ssoUrl = publicUrlOf(base, IDP_PATHS.sso(connector.id));
  return {
    connectorId: connector.id,
    active: connector.ssoActive,
    idpEntityId: idpEntityIdOf(connector),
    idpEntityIdIsDefault: connector.ssoEntityId === null,
    ssoUrl,
    spEntityId,
    spEntityIdIsDefault: connector.ssoSpEntityId === null,
    acsUrl: acsUrlOf(connector),
    acsUrlIsDefault: connector.ssoAcsUrl === null,
    activeKeyId: key.id,
    keys: (await listSsoKeys(deps.db, connector.id)).map((k) => keyView(k, key.id)),
    requestsSigned: connector.ssoSpCertificatePem !== null,
    spCertificate: spCertificateView(connector.ssoSpCertificatePem),
    slack: {
      samlEndpoint: ssoUrl,
      identityProviderIssuer: idpEntityIdOf(connector),
      publicCertificate: key.certificatePem,
      serviceProviderIssuer: spEntityId,
      responsesSigned: SLACK_SAML.responsesSigned,
      assertionsSigned: SLACK_SAML.assertionsSigned,
      signAuthnRequest: connector.ssoSpCertificatePem !== null,
    },
    missing: missingSettings(connector),
  };
}

/** The connector's SAML settings: what to paste into Slack, the keys, and what is still missing. */
export async function ssoConfig(deps: SsoDeps, connectorId: string): Promise<SsoConfig> {
  return configOf(deps, await requireConnector(deps.db, connectorId));
}

export type SsoPatch = { idpEntityId?: string | null; spEntityId?: string | null; acsUrl?: string | null; spCertificatePem?: string | null };

/**
 * Sets the IdP entity ID, the SP's entity ID, its ACS URL or its certificate; null goes back to the default
 * (for the certificate: AuthnRequests are read unsigned again).
 */
export async function updateSso(deps: SsoDeps, connectorId: string, patch: SsoPatch): Promise<SsoConfig> {
  await requireConnector(deps.db, connectorId);
  const spCertificatePem = patch.spCertificatePem === undefined || patch.spCertificatePem === null ? patch.spCertificatePem : spCertificateOf(connectorId, patch.spCertificatePem);
  const settings = Object.fromEntries(
    Object.entries({ ssoEntityId: patch.idpEntityId, ssoSpEntityId: patch.spEntityId, ssoAcsUrl: patch.acsUrl, ssoSpCertificatePem: spCertificatePem }).filter(([, v]) => v !== undefined),
  );
  const row = (await updateSsoSettings(deps.db, connectorId, settings))!;
  return configOf(deps, row);
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * The SP's certificate as pasted, checked and normalised: one PEM X.509 certificate (what Slack shows under
 * "Sign AuthnRequest") that parses (Node's X509Certificate, as sso/keys.ts reads certificates) and holds an RSA
 * key, since the IdP accepts RSA-SHA256/512 request signatures only. Stored as Node writes it back: the
 * certificate alone, without whatever text surrounded it.
 */
function spCertificateOf(connectorId: string, pasted: string): string {
  const refuse = (why: string) =>
    new DomainError(
      'invalid',
      `spCertificatePem ${why}.`,
      {
        api: `Send the service provider's certificate, the whole block from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE----- (Slack shows it once "Sign AuthnRequest" is checked under Advanced options): PATCH /v1/connectors/${connectorId}/sso {"spCertificatePem": "-----BEGIN CERTIFICATE-----\\n…"}; null stops requiring signed requests.`,
        cli: `Save the service provider's certificate (Slack shows it once "Sign AuthnRequest" is checked under Advanced options), the whole block from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----, to a file and run ${cli(connectorId, 'set <id> --sp-certificate-file <file>')}.`,
      },
      // Shaped like the API's own validation problems, so clients find the field the same way.
      { issues: [{ field: 'spCertificatePem', message: why }] },
    );
  if (/PRIVATE KEY-----/.test(pasted)) throw refuse('holds a private key: never hand a private key to Bindery; it needs the service provider\'s certificate only');
  const blocks = pasted.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) throw refuse('is not a PEM X.509 certificate (no -----BEGIN CERTIFICATE----- … -----END CERTIFICATE----- block)');
  if (blocks.length > 1) throw refuse(`holds ${blocks.length} certificates; give the one the service provider signs AuthnRequests with`);
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(blocks[0]!);
  } catch {
    throw refuse('is not a PEM X.509 certificate that can be read (the block is damaged or incomplete)');
  }
  if (cert.publicKey.asymmetricKeyType !== 'rsa') {
    throw refuse(`holds a key of type ${(cert.publicKey.asymmetricKeyType ?? 'unknown').toUpperCase()}; Bindery verifies AuthnRequests signed with RSA (RSA-SHA256 or RSA-SHA512) only`);
  }
  return cert.toString().replace(/\r\n/g, '\n');
}

/**
 * Rotation, first step: a new key pair and certificate, kept beside the one in use (which still signs)
 * until the admin switches. The connector's first key becomes the signing key at once.
 */
export async function createSsoKey(deps: SsoDeps, connectorId: string): Promise<SsoConfig & { createdKeyId: string }> {
  const connector = await requireConnector(deps.db, connectorId);
  const generated = await generateSigningKey({ commonName: `Bindery IdP ${connector.id}` });
  const key = await deps.db.transaction(async (tx) => {
    const inserted = await insertSsoKey(tx, deps.secretKey, { connectorId, ...generated });
    await claimFirstSsoKey(tx, connectorId, inserted.id);
    return inserted;
  });
  return { ...(await ssoConfig(deps, connectorId)), createdKeyId: key.id };
}

/** Rotation, second step: responses are signed with this key from now on (paste its certificate into Slack at the same time). */
export async function activateSsoKey(deps: SsoDeps, connectorId: string, keyId: string): Promise<SsoConfig> {
  await requireConnector(deps.db, connectorId);
  if (!(await getSsoKey(deps.db, connectorId, keyId))) throw notFound(`signing key of connector ${connectorId}:`, keyId);
  const row = (await setActiveSsoKey(deps.db, connectorId, keyId))!;
  return configOf(deps, row);
}

/** Removes a key no longer in use; the signing key cannot be removed (switch first). */
export async function deleteSsoKey(deps: SsoDeps, connectorId: string, keyId: string): Promise<SsoConfig> {
  const connector = await requireConnector(deps.db, connectorId);
  if (connector.ssoActiveKeyId === keyId) {
    throw new DomainError('conflict', `Key ${keyId} signs connector ${connectorId}'s SAML responses; it cannot be removed while in use.`, {
      api: `Generate another (POST /v1/connectors/${connectorId}/sso/keys), switch to it, then remove this one.`,
      cli: `Generate another (${cli(connectorId, 'rotate <id>')}), switch to it (${cli(connectorId, 'switch <id> <keyId>')}), then remove this one.`,
    });
  }
  if (!(await removeSsoKey(deps.db, connectorId, keyId))) throw notFound(`signing key of connector ${connectorId}:`, keyId);
  return ssoConfig(deps, connectorId);
}

async function chosenKey(deps: SsoDeps, connectorId: string, keyId: string | undefined): Promise<{ connector: ConnectorRow; key: SsoKeyRow }> {
  const connector = await requireConnector(deps.db, connectorId);
  if (keyId === undefined) return activeKey(deps, connector);
  const key = await getSsoKey(deps.db, connectorId, keyId);
  if (!key) throw notFound(`signing key of connector ${connectorId}:`, keyId);
  return { connector, key };
}

function publicSettings(deps: SsoDeps, connector: ConnectorRow, key: SsoKeyRow): Omit<IdpSettings, 'privateKeyPem'> {
  return {
    connectorId: connector.id,
    idpEntityId: idpEntityIdOf(connector),
    ssoUrl: publicUrlOf(publicUrlOfDeps(deps), IDP_PATHS.sso(connector.id)),
    spEntityId: spEntityIdOf(connector) ?? '',
    acsUrl: acsUrlOf(connector) ?? '',
    certificatePem: key.certificatePem,
    ...(connector.ssoSpCertificatePem !== null ? { spCertificatePem: connector.ssoSpCertificatePem } : {}),
  };
}

/** The IdP metadata XML, with the signing key's certificate (or another key's, to hand an SP ahead of a switch). */
export async function ssoMetadata(deps: SsoDeps, connectorId: string, keyId?: string): Promise<{ keyId: string; xml: string }> {
  const { connector, key } = await chosenKey(deps, connectorId, keyId);
  return { keyId: key.id, xml: idpMetadata(publicSettings(deps, connector, key)) };
}

/** The certificate (PEM) Slack takes as "Public Certificate". */
export async function ssoCertificate(deps: SsoDeps, connectorId: string, keyId?: string): Promise<{ keyId: string; pem: string }> {
  const { key } = await chosenKey(deps, connectorId, keyId);
  return { keyId: key.id, pem: key.certificatePem };
}

/**
 * Everything the IdP needs to answer for the connector, its private key decrypted. Refused (DomainError)
 * when SSO is not on for the connector, or when its service provider is not known (no entity ID or ACS URL).
 */
export async function idpSettingsFor(deps: SsoDeps, connectorId: string): Promise<IdpSettings> {
  const row = await requireConnector(deps.db, connectorId);
  if (!row.ssoActive) {
    throw new DomainError('conflict', `SSO is not active for connector ${connectorId}.`, { api: `Activate it with POST /v1/connectors/${connectorId}/sso/activate.`, cli: `Activate it with \`bindery connector sso enable ${connectorId}\`.` });
  }
  const missing = missingSettings(row);
  if (missing.length > 0) {
    throw new DomainError('conflict', `SSO for connector ${connectorId} does not know its service provider: ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set and has no default (a Slack connector derives both from its team).`, {
      api: `Set them with PATCH /v1/connectors/${connectorId}/sso {"spEntityId": …, "acsUrl": …}.`,
      cli: `Set them with ${cli(connectorId, 'set <id> --sp-entity-id <issuer> --acs-url <url>')}.`,
    });
  }
  const { connector, key } = await activeKey(deps, row);
  return { ...publicSettings(deps, connector, key), privateKeyPem: ssoPrivateKey(deps.secretKey, key) };
}

/** Records a SAML message ID (AuthnRequest answered, response issued) until it expires; false = already seen (a replay). */
export async function recordSamlMessage(db: Db, connectorId: string, messageId: string, expiresAt: Date): Promise<boolean> {
  return recordSamlId(db, connectorId, messageId, expiresAt);
}

/**
 * An SP-initiated AuthnRequest, read and checked (readAuthnRequest), and recorded so it is answered once:
 * the same request again is refused (SamlError `replayed`).
 */
export async function acceptAuthnRequest(
  deps: SsoDeps,
  connectorId: string,
  binding: 'redirect' | 'post',
  fields: Record<string, string>,
  opts: { now?: Date; rawQuery?: string } = {},
): Promise<{ settings: IdpSettings; request: AuthnRequestInfo }> {
  const settings = await idpSettingsFor(deps, connectorId);
  const request = await readAuthnRequest(settings, binding, fields, opts);
  const keepUntil = new Date(request.issueInstant.getTime() + SAML_TIMING.requestMaxAgeMs + 2 * SAML_TIMING.clockSkewMs);
  if (!(await recordSamlMessage(deps.db, connectorId, `request:${request.id}`, keepUntil))) {
    throw new SamlError('replayed', 'This AuthnRequest was already answered; a request is answered once. Start signing in again from the service.');
  }
  return { settings, request };
}

/** A signed response for the user (signedLoginResponse), its ID recorded as issued until it expires. */
export async function issueLoginResponse(deps: SsoDeps, settings: IdpSettings, subject: SamlSubject, opts: { inResponseTo?: string; relayState?: string; now?: Date } = {}): Promise<LoginResponse> {
  const response = await signedLoginResponse(settings, subject, opts);
  await recordSamlMessage(deps.db, settings.connectorId, `response:${response.responseId}`, new Date(response.notOnOrAfter.getTime() + SAML_TIMING.clockSkewMs));
  return response;
}
