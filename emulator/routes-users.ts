/** /scim/v2/Users routes. */
import type { FastifyInstance } from 'fastify';
import { listResponse, parsePage } from './list';
import type { EmulatedOrg } from './org';
import { SCIM_BASE, locationOf, scimHandler } from './pipeline';
import { toScimUser } from './users';

type IdParams = { id: string };

export function registerUserRoutes(app: FastifyInstance, org: EmulatedOrg): void {
  const users = `${SCIM_BASE}/Users`;

  app.post(users, scimHandler(org, 'Users', async (req, reply) => {
    const user = org.users.create(req.body);
    reply.code(201);
    return toScimUser(user, locationOf(req, `Users/${user.id}`), org.groups.refsOf(user.id));
  }));

  app.get(users, scimHandler(org, 'Users', async (req) => {
    const query = req.query as Record<string, unknown>;
    const all = org.users.list(query.filter);
    const groups = org.groups.refsByUser();
    return listResponse(all, parsePage(query), (u) => toScimUser(u, locationOf(req, `Users/${u.id}`), groups.get(u.id)));
  }));

  app.get(`${users}/:id`, scimHandler(org, 'Users/:id', async (req) => {
    const { id } = req.params as IdParams;
    return toScimUser(org.users.get(id), locationOf(req, `Users/${id}`), org.groups.refsOf(id));
  }));

  app.put(`${users}/:id`, scimHandler(org, 'Users/:id', async (req) => {
    const { id } = req.params as IdParams;
    return toScimUser(org.users.replace(id, req.body), locationOf(req, `Users/${id}`), org.groups.refsOf(id));
  }));

  app.patch(`${users}/:id`, scimHandler(org, 'Users/:id', async (req) => {
    const { id } = req.params as IdParams;
    const location = locationOf(req, `Users/${id}`);
    return toScimUser(org.users.patch(id, req.body, location), location, org.groups.refsOf(id));
  }));

  app.delete(`${users}/:id`, scimHandler(org, 'Users/:id', async (req, reply) => {
    org.users.deactivate((req.params as IdParams).id);
    return reply.code(204).send();
  }));
}
