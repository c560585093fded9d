import { z } from 'zod';
import { DirectoryUserFields } from '../../core/directory';
import * as users from '../../services/users';
import { type ApiDeps, type App, doc, mutate, page } from '../context';
import { IdParam, NoContent, Page, User, UserPage, responses } from '../schemas';

/**
 * The PATCH body: every user field optional, with no defaults (a default would reset an omitted field),
 * and no unknown fields (a misspelt field is refused rather than silently ignored).
 */
function patchSchema<S extends z.ZodRawShape>(schema: z.ZodObject<S>): z.ZodType<Partial<z.output<z.ZodObject<S>>>> {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, field] of Object.entries(schema.shape)) {
    const inner = field instanceof z.ZodDefault ? (field.unwrap() as z.ZodType) : (field as z.ZodType);
    shape[key] = inner.optional();
  }
  return z.strictObject(shape).refine((o) => Object.keys(o).length > 0, 'send at least one field to change') as unknown as z.ZodType<Partial<z.output<z.ZodObject<S>>>>;
}

export const UserPatchBody = patchSchema(DirectoryUserFields);

const ACTIONS = [
  { path: 'suspend', patch: { suspended: true }, summary: 'suspend a user', description: 'Suspends the user; deactivated in every connector (U4).' },
  { path: 'unsuspend', patch: { suspended: false }, summary: 'unsuspend a user', description: 'Lifts the suspension; reactivated where a bound group still authorizes them.' },
  { path: 'expire-password', patch: { passwordExpired: true }, summary: 'expire a user’s password', description: 'Marks the password expired; deactivated until it is reset (active = !suspended && !passwordExpired).' },
  { path: 'reset-password', patch: { passwordExpired: false }, summary: 'clear an expired password', description: 'Clears the expired-password flag; reactivated where authorized.' },
] as const;

export function userRoutes(app: App, deps: ApiDeps): void {
  const { db } = deps;
  const tag = 'users';

  app.post(
    '/v1/users',
    {
      schema: {
        ...doc(tag, 'create a directory user', 'Every attribute of the seed’s mapping table; unknown fields are 400. 409 when the username is taken (ignoring case). `warnings` name rules a connector’s target will refuse (the user is stored anyway).'),
        body: DirectoryUserFields,
        response: responses({ 201: User }, [409], { body: true }),
      },
    },
    async (req, reply) => reply.code(201).send(await mutate(deps, (tx) => users.createUser(tx, req.body))),
  );

  app.get('/v1/users', { schema: { ...doc(tag, 'list directory users', 'Keyset pages ordered by ID; deleted users are not listed.'), querystring: Page, response: responses({ 200: UserPage }, []) } }, async (req) =>
    page(await users.listUsers(db, req.query), req.query.limit, (u) => u.id),
  );

  app.get('/v1/users/:id', { schema: { ...doc(tag, 'show a directory user', 'With the IDs of the groups the user belongs to.'), params: IdParam, response: responses({ 200: User }, [404]) } }, async (req) =>
    users.getUser(db, req.params.id),
  );

  app.patch(
    '/v1/users/:id',
    {
      schema: {
        ...doc(tag, 'change some of a user’s attributes', 'Only the fields sent change; the others keep their values; unknown fields are 400.'),
        params: IdParam,
        body: UserPatchBody,
        response: responses({ 200: User }, [404, 409], { body: true }),
      },
    },
    async (req) => mutate(deps, (tx) => users.updateUser(tx, req.params.id, req.body)),
  );

  for (const action of ACTIONS) {
    app.post(`/v1/users/:id/${action.path}`, { schema: { ...doc(tag, action.summary, action.description), params: IdParam, response: responses({ 200: User }, [404]) } }, async (req) =>
      mutate(deps, (tx) => users.updateUser(tx, req.params.id, action.patch)),
    );
  }

  app.delete(
    '/v1/users/:id',
    {
      schema: {
        ...doc(tag, 'delete a directory user', 'Soft delete: the user disappears from the directory and is deactivated in every target (user_delete_provision); the record is kept.'),
        params: IdParam,
        response: responses({ 204: NoContent }, [404]),
      },
    },
    async (req, reply) => {
      await mutate(deps, (tx) => users.deleteUser(tx, req.params.id));
      return reply.code(204).send();
    },
  );
}
