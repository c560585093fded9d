/** /scim/v2/Groups routes. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { StoredGroup } from './groups';
import { toScimGroup } from './groups';
import { listResponse, parsePage } from './list';
import type { EmulatedOrg } from './org';
import { SCIM_BASE, locationOf, scimHandler } from './pipeline';

type IdParams = { id: string };

/** The SCIM resource of a group, as seen by the caller of `req`. */
export function renderGroup(org: EmulatedOrg, req: FastifyRequest, group: StoredGroup) {
  return toScimGroup(group, locationOf(req, `Groups/${group.id}`), (userId) => org.groups.displayOf(userId));
}

export function registerGroupRoutes(app: FastifyInstance, org: EmulatedOrg): void {
  const groups = `${SCIM_BASE}/Groups`;

  app.post(groups, scimHandler(org, 'Groups', async (req, reply) => {
    const group = org.groups.create(req.body);
    reply.code(201);
    return renderGroup(org, req, group);
  }));

  app.get(groups, scimHandler(org, 'Groups', async (req) => {
    const query = req.query as Record<string, unknown>;
    const all = org.groups.list(query.filter);
    return listResponse(all, parsePage(query), (g) => renderGroup(org, req, g));
  }));

  app.get(`${groups}/:id`, scimHandler(org, 'Groups/:id', async (req) => {
    return renderGroup(org, req, org.groups.get((req.params as IdParams).id));
  }));

  app.put(`${groups}/:id`, scimHandler(org, 'Groups/:id', async (req) => {
    return renderGroup(org, req, org.groups.replace((req.params as IdParams).id, req.body));
  }));

  // v2 answers PATCH with the group (200); v1 answered 204 [spec §2, §4].
  app.patch(`${groups}/:id`, scimHandler(org, 'Groups/:id', async (req) => {
    return renderGroup(org, req, org.groups.patch((req.params as IdParams).id, req.body));
  }));

  app.delete(`${groups}/:id`, scimHandler(org, 'Groups/:id', async (req, reply) => {
    org.groups.delete((req.params as IdParams).id);
    return reply.code(204).send();
  }));
}
