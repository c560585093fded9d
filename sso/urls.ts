/**
 * Where Bindery's IdP answers, under its public base URL (BINDERY_PUBLIC_URL): one connector, one IdP.
 * The SSO path serves SP-initiated sign-in (an AuthnRequest by HTTP-Redirect or HTTP-POST); the portal
 * registers the route (`/sso/:connectorId/saml`), this is the one place its address is spelled.
 */
export const IDP_PATHS = {
  sso: (connectorId: string) => `/sso/${encodeURIComponent(connectorId)}/saml`,
  /** The route pattern of `sso`, for registering it. */
  ssoRoute: '/sso/:connectorId/saml',
};

/** The base URL and a path, without a doubled or missing slash. */
export function publicUrlOf(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${path}`;
}
