/** Discovery routes: ServiceProviderConfig(s) (no token needed), ResourceTypes and Schemas (v2 only) [spec §2]. */
import type { FastifyInstance } from 'fastify';
import { ALL_SCHEMAS, GROUP_SCHEMA, RESOURCE_TYPES, USER_SCHEMA, schemaResource, serviceProviderConfig, type SchemaDoc } from './discovery';
import { listResponse } from './list';
import type { EmulatedOrg } from './org';
import { SCIM_BASE, locationOf, scimHandler } from './pipeline';

/** Routes answered without a token: Slack's capabilities appear to need no valid auth [spec §2]. */
export const PUBLIC_ROUTES = new Set([`${SCIM_BASE}/ServiceProviderConfigs`, `${SCIM_BASE}/ServiceProviderConfig`]);

/** The endpoint serving each schema on its own. */
const SCHEMA_PATHS = new Map<SchemaDoc, string>([[USER_SCHEMA, 'Schemas/Users'], [GROUP_SCHEMA, 'Schemas/Groups']]);

/** Everything Slack lists, on one page. */
const wholeList = <T>(items: T[]) => listResponse(items, { startIndex: 1, count: items.length }, (item) => item);

export function registerDiscoveryRoutes(app: FastifyInstance, org: EmulatedOrg): void {
  for (const path of PUBLIC_ROUTES) app.get(path, async () => serviceProviderConfig);

  // Static documents, but ordinary authenticated reads: they count against the org read limit.
  app.get(`${SCIM_BASE}/ResourceTypes`, scimHandler(org, 'ResourceTypes', async () => wholeList(RESOURCE_TYPES)));

  app.get(`${SCIM_BASE}/Schemas`, scimHandler(org, 'Schemas', async (req) => {
    return wholeList(ALL_SCHEMAS.map((doc) => {
      const path = SCHEMA_PATHS.get(doc);
      return schemaResource(doc, path && locationOf(req, path));
    }));
  }));

  for (const [doc, path] of SCHEMA_PATHS) {
    app.get(`${SCIM_BASE}/${path}`, scimHandler(org, 'Schemas', async (req) => schemaResource(doc, locationOf(req, path))));
  }
}
