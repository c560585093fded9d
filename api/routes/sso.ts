import { z } from 'zod';
import { line, paragraph } from '../../core/text';
import * as sso from '../../services/sso';
import { type ApiDeps, type App, doc } from '../context';
import { Id, IdParam, NoContent, responses } from '../schemas';

const Url = z.url({ protocol: /^https?$/ }).max(2048);
const EntityId = line(1024).trim().min(1).describe('a SAML entity ID (usually a URL)');

/** A PEM certificate is a few kilobytes; the service checks it is one (services/sso.ts). */
const CertificatePem = paragraph(16 * 1024);

const SsoKey = z.object({ id: z.string(), active: z.boolean(), createdAt: z.date(), notAfter: z.date(), fingerprintSha256: z.string(), certificatePem: z.string() });
const SsoConfig = z.object({
  connectorId: z.string(),
  active: z.boolean().describe('SSO on for the connector (ssoActive)'),
  idpEntityId: z.string().describe('Bindery’s issuer for this connector (“Identity Provider Issuer” in Slack)'),
  idpEntityIdIsDefault: z.boolean().describe('the entity ID is the connector’s SSO IdP URL (fixed at creation)'),
  ssoUrl: z.string().describe('where SPs send AuthnRequests (“SAML 2.0 Endpoint (HTTP)” in Slack)'),
  spEntityId: z.string().nullable().describe('the service provider’s entity ID, the audience (Slack: https://<teamname>.slack.com by default)'),
  spEntityIdIsDefault: z.boolean(),
  acsUrl: z.string().nullable().describe('where signed responses are posted (Slack: https://<domain>/sso/saml by default)'),
  acsUrlIsDefault: z.boolean(),
  activeKeyId: z.string().describe('the key that signs responses'),
  keys: z.array(SsoKey).describe('every signing key, the active one and those kept for a switch'),
  requestsSigned: z.boolean().describe('AuthnRequests must be signed: the SP’s certificate is set, and an unsigned request, or one whose signature does not verify with it, is refused; false: requests are read unsigned, as Slack sends them by default'),
  spCertificate: z
    .object({ fingerprintSha256: z.string(), subject: z.string(), notAfter: z.date(), certificatePem: z.string() })
    .nullable()
    .describe('the certificate signed AuthnRequests are verified with (Slack shows it once “Sign AuthnRequest” is checked); null when unset'),
  slack: z.object({
    samlEndpoint: z.string(),
    identityProviderIssuer: z.string(),
    publicCertificate: z.string(),
    serviceProviderIssuer: z.string().nullable(),
    responsesSigned: z.boolean(),
    assertionsSigned: z.boolean(),
    signAuthnRequest: z.boolean().describe('Slack’s advanced option: checked exactly when Bindery holds Slack’s certificate (requestsSigned)'),
  }).describe('what to enter in Slack’s SAML settings'),
  missing: z.array(z.string()).describe('settings the IdP still needs before it can answer (no default for them)'),
  createdKeyId: z.string().optional(),
});

const SsoPatch = z
  .strictObject({
    idpEntityId: EntityId.nullable().optional().describe('Bindery’s issuer for this connector; null: the connector’s SSO IdP URL'),
    spEntityId: EntityId.nullable().optional().describe('the SP’s entity ID (Slack’s “Service Provider Issuer”); null: Slack’s default from the team name'),
    acsUrl: Url.nullable().optional().describe('where responses are posted; null: Slack’s ACS URL from the team domain'),
    spCertificatePem: CertificatePem.nullable()
      .optional()
      .describe('the SP’s X.509 certificate, PEM (Slack shows it once “Sign AuthnRequest” is checked): AuthnRequests must then be signed with its key; null: requests are read unsigned again'),
  })
  .refine((o) => Object.values(o).some((v) => v !== undefined), 'send at least one setting to change');

const KeyParams = z.object({ id: Id.describe('the connector ID'), keyId: Id.describe('the signing key ID') });
const KeyQuery = z.object({ keyId: Id.optional().describe('a signing key (default: the one in use)') });

const METADATA_TYPE = 'application/samlmetadata+xml';
const PEM_TYPE = 'application/x-pem-file';
/** A 200 answer that is not JSON: the document's content type, a string body. */
const textAnswer = (type: string, what: string) => ({ description: what, content: { [type]: { schema: z.string().describe(what) } } });

/** SAML configuration per connector (B3): what to paste into Slack, keys and their rotation, metadata and certificate. */
export function ssoRoutes(app: App, deps: ApiDeps): void {
  const tag = 'SSO';

  app.get(
    '/v1/connectors/:id/sso',
    {
      schema: {
        ...doc(tag, 'show a connector’s SAML settings', 'The IdP entity ID, SSO URL and signing keys Bindery holds for the connector, the service provider it answers, and under `slack` exactly what to enter in Slack’s SAML settings. The first signing key is generated on first use.'),
        params: IdParam,
        response: responses({ 200: SsoConfig }, [404]),
      },
    },
    async (req) => sso.ssoConfig(deps, req.params.id),
  );

  app.patch(
    '/v1/connectors/:id/sso',
    {
      schema: {
        ...doc(tag, 'change a connector’s SAML settings', 'idpEntityId, spEntityId, acsUrl, spCertificatePem; null brings one back to its default (for spCertificatePem: AuthnRequests are read unsigned again). A spCertificatePem that is not one PEM X.509 certificate with an RSA key is refused (400). The SSO IdP URL itself is fixed at creation.'),
        params: IdParam,
        body: SsoPatch,
        response: responses({ 200: SsoConfig }, [404], { body: true }),
      },
    },
    async (req) => sso.updateSso(deps, req.params.id, req.body),
  );

  app.post(
    '/v1/connectors/:id/sso/keys',
    {
      schema: {
        ...doc(tag, 'generate a new signing key (rotation)', 'An RSA 2048 key pair with a self-signed certificate, kept beside the key in use, which still signs until you switch (POST …/sso/keys/{keyId}/activate). `createdKeyId` names the new key.'),
        params: IdParam,
        response: responses({ 201: SsoConfig }, [404]),
      },
    },
    async (req, reply) => reply.code(201).send(await sso.createSsoKey(deps, req.params.id)),
  );

  app.post(
    '/v1/connectors/:id/sso/keys/:keyId/activate',
    {
      schema: {
        ...doc(tag, 'switch the signing key', 'Responses are signed with this key from now on: give its certificate to the service provider (Slack’s “Public Certificate”) at the same time. The previous key is kept until deleted.'),
        params: KeyParams,
        response: responses({ 200: SsoConfig }, [404]),
      },
    },
    async (req) => sso.activateSsoKey(deps, req.params.id, req.params.keyId),
  );

  app.delete(
    '/v1/connectors/:id/sso/keys/:keyId',
    {
      schema: {
        ...doc(tag, 'delete a signing key not in use', '409 for the key in use: switch first.'),
        params: KeyParams,
        response: responses({ 204: NoContent }, [404, 409]),
      },
    },
    async (req, reply) => {
      await sso.deleteSsoKey(deps, req.params.id, req.params.keyId);
      return reply.code(204).send();
    },
  );

  app.get(
    '/v1/connectors/:id/sso/metadata',
    {
      schema: {
        ...doc(tag, 'download the IdP metadata (XML)', `The connector's IdP as SAML 2.0 metadata (${METADATA_TYPE}): entity ID, SSO endpoints (HTTP-Redirect and HTTP-POST), signing certificate; \`keyId\` picks another key's certificate (to hand to an SP before a switch).`),
        params: IdParam,
        querystring: KeyQuery,
        response: { ...responses({}, [404]), 200: textAnswer(METADATA_TYPE, 'an EntityDescriptor with an IDPSSODescriptor') },
      },
    },
    async (req, reply) => {
      const { xml, keyId } = await sso.ssoMetadata(deps, req.params.id, req.query.keyId);
      return reply.type(METADATA_TYPE).header('content-disposition', `attachment; filename="bindery-${req.params.id}-${keyId}-metadata.xml"`).send(xml);
    },
  );

  app.get(
    '/v1/connectors/:id/sso/certificate',
    {
      schema: {
        ...doc(tag, 'download the signing certificate (PEM)', 'What Slack takes as “Public Certificate”; `keyId` picks another key (default: the one in use).'),
        params: IdParam,
        querystring: KeyQuery,
        response: { ...responses({}, [404]), 200: textAnswer(PEM_TYPE, 'an X.509 certificate, PEM') },
      },
    },
    async (req, reply) => {
      const { pem, keyId } = await sso.ssoCertificate(deps, req.params.id, req.query.keyId);
      return reply.type(PEM_TYPE).header('content-disposition', `attachment; filename="bindery-${req.params.id}-${keyId}.pem"`).send(pem);
    },
  );
}
