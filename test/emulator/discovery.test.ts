import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SCHEMAS } from '../../targets/slack/facts';
import { type Client, expectSlackError, startTestEmulator } from './helpers';
import type { RunningEmulator } from '../../emulator/server';

let emu: RunningEmulator;
let client: Client;

beforeAll(async () => ({ emu, client } = await startTestEmulator()));
afterAll(() => emu.close());
beforeEach(() => client.reset());

const SCHEMA_URN = 'urn:ietf:params:scim:schemas:core:2.0:Schema';
const RESOURCE_TYPE_URN = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
const EXTENSIONS = [SCHEMAS.enterprise, SCHEMAS.guest, SCHEMAS.profile];

type Attribute = { name: string; type: string; multiValued: boolean; required: boolean; mutability: string; returned: string; subAttributes?: Attribute[] };
const names = (attrs: Attribute[]) => attrs.map((a) => a.name);

describe('GET /ResourceTypes', () => {
  it('lists User (with the enterprise, guest and profile extensions) and Group', async () => {
    const res = await client.scim('GET', '/ResourceTypes');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ schemas: [SCHEMAS.listResponse], totalResults: 2, itemsPerPage: 2, startIndex: 1 });
    const [user, group] = res.body.Resources;
    expect(user).toMatchObject({ schemas: [RESOURCE_TYPE_URN], id: 'User', name: 'User', endpoint: '/Users', schema: SCHEMAS.user });
    expect(user.schemaExtensions).toEqual(EXTENSIONS.map((schema) => ({ schema, required: false })));
    expect(group).toMatchObject({ schemas: [RESOURCE_TYPE_URN], id: 'Group', name: 'Group', endpoint: '/Groups', schema: SCHEMAS.group });
  });

  it('needs the token', async () => {
    expectSlackError(await client.scim('GET', '/ResourceTypes', undefined, { token: null }), 'invalid_authentication');
    expectSlackError(await client.scim('GET', '/Schemas', undefined, { token: null }), 'invalid_authentication');
  });
});

describe('GET /Schemas', () => {
  it('lists the core User and Group schemas and the three user extensions', async () => {
    const res = await client.scim('GET', '/Schemas');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ schemas: [SCHEMAS.listResponse], totalResults: 5, itemsPerPage: 5, startIndex: 1 });
    expect(res.body.Resources.map((s: { id: string }) => s.id)).toEqual([SCHEMAS.user, SCHEMAS.group, ...EXTENSIONS]);
    for (const schema of res.body.Resources) {
      expect(schema.schemas).toEqual([SCHEMA_URN]);
      expect(schema.attributes.length).toBeGreaterThan(0);
      for (const a of schema.attributes as Attribute[]) {
        expect(a, a.name).toMatchObject({ name: expect.any(String), type: expect.any(String), multiValued: expect.any(Boolean), required: expect.any(Boolean) });
      }
    }
    const guest = res.body.Resources.find((s: { id: string }) => s.id === SCHEMAS.guest);
    expect(guest.attributes.find((a: Attribute) => a.name === 'type')).toMatchObject({ required: true, canonicalValues: ['multi'] });
  });

  it('/Schemas/Users describes every attribute a user resource carries', async () => {
    const res = await client.scim('GET', '/Schemas/Users');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ schemas: [SCHEMA_URN], id: SCHEMAS.user, name: 'User', meta: { resourceType: 'Schema', location: `${emu.baseUrl}/Schemas/Users` } });
    const attrs = res.body.attributes as Attribute[];
    expect(attrs.find((a) => a.name === 'userName')).toMatchObject({ type: 'string', required: true, uniqueness: 'server' });
    expect(attrs.find((a) => a.name === 'password')).toMatchObject({ mutability: 'writeOnly', returned: 'never' });
    expect(attrs.find((a) => a.name === 'groups')).toMatchObject({ multiValued: true, mutability: 'readOnly' });

    // A full user: each attribute it answers with is described (common attributes excepted).
    const u = await client.createUser({ schemas: [SCHEMAS.user, ...EXTENSIONS], [SCHEMAS.guest]: { type: 'multi' } });
    const all = (await client.scim('GET', '/Schemas')).body.Resources as Array<{ id: string; attributes: Attribute[] }>;
    const common = ['schemas', 'id', 'externalId', 'meta'];
    expect(Object.keys(u).filter((k) => !common.includes(k) && !EXTENSIONS.includes(k as never)).sort()).toEqual(
      names(attrs).filter((n) => n !== 'password').sort(),
    );
    for (const urn of EXTENSIONS) {
      expect(Object.keys(u[urn]).sort(), urn).toEqual(names(all.find((s) => s.id === urn)!.attributes).sort());
    }
  });

  it('/Schemas/Groups describes the group resource', async () => {
    const res = await client.scim('GET', '/Schemas/Groups');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ schemas: [SCHEMA_URN], id: SCHEMAS.group, name: 'Group', meta: { resourceType: 'Schema', location: `${emu.baseUrl}/Schemas/Groups` } });
    const attrs = res.body.attributes as Attribute[];
    expect(names(attrs)).toEqual(['displayName', 'members']);
    expect(names(attrs[1]!.subAttributes!)).toEqual(['value', 'display']);
  });

  it('other schema paths are unknown endpoints', async () => {
    expectSlackError(await client.scim('GET', `/Schemas/${SCHEMAS.enterprise}`), 'bad_endpoint');
    expectSlackError(await client.scim('GET', '/ResourceTypes/User'), 'bad_endpoint');
  });
});

describe('unsupported methods', () => {
  it.each([
    ['DELETE', '/Users', 'GET, HEAD, POST'],
    ['PUT', '/Users', 'GET, HEAD, POST'],
    ['POST', '/Users/U0000000001', 'GET, HEAD, PUT, PATCH, DELETE'],
    ['PATCH', '/Groups', 'GET, HEAD, POST'],
    ['POST', '/Groups/S0000000001', 'GET, HEAD, PUT, PATCH, DELETE'],
    ['POST', '/Schemas', 'GET, HEAD'],
    ['DELETE', '/Schemas/Users', 'GET, HEAD'],
    ['PUT', '/ResourceTypes', 'GET, HEAD'],
    ['POST', '/ServiceProviderConfig', 'GET, HEAD'],
  ])('%s %s → 405 method_not_allowed, with Allow', async (method, path, allow) => {
    const res = await client.scim(method, path, method === 'DELETE' ? undefined : {});
    expectSlackError(res, 'method_not_allowed');
    expect(res.headers.get('allow')).toBe(allow);
  });

  it('unknown paths stay 404 bad_endpoint whatever the method', async () => {
    for (const method of ['GET', 'POST', 'DELETE']) expectSlackError(await client.scim(method, '/Nope'), 'bad_endpoint');
    expectSlackError(await client.scim('GET', '/Users/U1/extra'), 'bad_endpoint');
  });

  it('are counted in stats under their endpoint', async () => {
    await client.scim('DELETE', '/Users');
    expect((await client.control('GET', '/stats')).body.endpoints).toMatchObject({ 'DELETE /Users': { total: 1, byStatus: { 405: 1 } } });
  });
});
