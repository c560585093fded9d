import { z } from 'zod';
import type { RemoteConfig } from '../../core/remote-config';
import { SCIM_URNS } from '../../core/scim';
import { ScimError } from '../errors';
import type { ScimClient } from '../scim-client';

/**
 * Reads what a SCIM 2.0 service provider supports (RFC 7644 §4: /ServiceProviderConfig, /ResourceTypes,
 * /Schemas), once, when identity management is activated. Missing endpoints read as RFC defaults: a server
 * that lists no schemas is sent every attribute, one that says nothing of filters is asked with filters.
 */

const Supported = z.looseObject({ supported: z.boolean().optional() }).optional();
const ServiceProviderConfig = z.looseObject({
  patch: Supported,
  filter: z.looseObject({ supported: z.boolean().optional(), maxResults: z.number().optional() }).optional(),
  etag: Supported,
});
const ListOf = <T extends z.ZodType>(item: T) => z.union([z.looseObject({ Resources: z.array(item).optional() }), z.array(item)]);
const ResourceType = z.looseObject({
  name: z.string().optional(),
  endpoint: z.string().optional(),
  schema: z.string().optional(),
  schemaExtensions: z.array(z.looseObject({ schema: z.string() })).optional(),
});
const Schema = z.looseObject({ id: z.string(), attributes: z.array(z.looseObject({ name: z.string() })).optional() });

const items = <T>(list: { Resources?: T[] } | T[]): T[] => (Array.isArray(list) ? list : (list.Resources ?? []));

async function optional(client: ScimClient, path: string): Promise<unknown> {
  try {
    return await client.discover(path);
  } catch (e) {
    if (e instanceof ScimError && e.kind === 'permanent' && (e.status === 404 || e.status === 501)) return undefined;
    throw e;
  }
}

export async function discoverRemoteConfig(client: ScimClient, now = new Date()): Promise<RemoteConfig> {
  const spc = ServiceProviderConfig.safeParse((await optional(client, '/ServiceProviderConfig')) ?? {});
  const config = spc.success ? spc.data : {};
  const types = ListOf(ResourceType).safeParse((await optional(client, '/ResourceTypes')) ?? []);
  const resourceTypes = types.success ? items(types.data) : [];
  const schemas = ListOf(Schema).safeParse((await optional(client, '/Schemas')) ?? []);
  const userSchema = schemas.success ? items(schemas.data).find((s) => s.id === SCIM_URNS.user) : undefined;
  const userType = resourceTypes.find((t) => t.schema === SCIM_URNS.user || t.endpoint === '/Users');
  return {
    patch: config.patch?.supported ?? true,
    filter: { supported: config.filter?.supported ?? true, maxResults: config.filter?.maxResults ?? 0 },
    etag: config.etag?.supported ?? false,
    groups: resourceTypes.length === 0 || resourceTypes.some((t) => t.schema === SCIM_URNS.group || t.endpoint === '/Groups'),
    enterpriseUser: userType ? (userType.schemaExtensions ?? []).some((e) => e.schema === SCIM_URNS.enterprise) : true,
    userAttributes: (userSchema?.attributes ?? []).map((a) => a.name.toLowerCase()),
    discoveredAt: now.toISOString(),
  };
}
