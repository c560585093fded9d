/**
 * Slack's side of SAML: what Slack expects from an IdP, from Slack's "Custom SAML single sign-on" help
 * article and the seed (JumpCloud's Slack connector). The one source for Bindery's defaults and for the
 * emulator, which plays Slack's service provider.
 */
export const SLACK_SAML = {
  /** "SSO post-back URL (Assertion Consumer Service URL): https://yourdomain.slack.com/sso/saml". */
  acsPath: '/sso/saml',
  /** Where a browser starts an SP-initiated sign-in (Slack redirects it to the IdP with an AuthnRequest). */
  startPath: '/sso/saml/start',
  /** The attributes Slack reads: email (required), username, first and last name. */
  attributes: { email: 'User.Email', userName: 'User.Username', firstName: 'first_name', lastName: 'last_name' },
  attributeNameFormat: 'urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified',
  /** Slack requires the response to be signed; the seed unchecks "Assertions Signed". */
  responsesSigned: true,
  assertionsSigned: false,
} as const;

/** A host name Slack could serve: lowercase DNS labels. */
const HOST = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** The workspace's host: the team domain (`acme.slack.com`, or `acme` meaning acme.slack.com). */
export function slackWorkspaceHost(teamDomain: string | null | undefined): string | undefined {
  const domain = teamDomain?.trim().toLowerCase().replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  if (!domain) return undefined;
  const host = domain.includes('.') ? domain : `${domain}.slack.com`;
  return HOST.test(host) ? host : undefined;
}

/** The seed: "Use the default value for the Service Provider Issuer (e.g., https://<teamname>.slack.com)". */
export function defaultSpEntityId(teamName: string | null | undefined): string | undefined {
  const name = teamName?.trim().toLowerCase();
  return name && HOST.test(name) && !name.includes('.') ? `https://${name}.slack.com` : undefined;
}

/** Slack's ACS URL for the workspace: https://<yourdomain>.slack.com/sso/saml. */
export function defaultAcsUrl(teamDomain: string | null | undefined): string | undefined {
  const host = slackWorkspaceHost(teamDomain);
  return host ? `https://${host}${SLACK_SAML.acsPath}` : undefined;
}
