import { z } from 'zod';
import { DirectoryUserFields } from '../../core/directory';
import { enqueueUser } from '../../db/outbox';
import { createUser, type DirectoryUserRow, findUser, findUserByUsername, listUsers, softDeleteUser, updateUser, type UserPatch, userGroupIds } from '../../db/users';
import { type ApiDeps, type App, IdParam, Page, type Transaction, conflict, doc, mutate, notFound, page } from './deps';

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

export type UserView = Omit<DirectoryUserRow, 'deletedAt'>;
function view(row: DirectoryUserRow): UserView {
  const { deletedAt: _deleted, ...rest } = row;
  return rest;
}

async function detailedView(tx: Transaction | ApiDeps['db'], row: DirectoryUserRow): Promise<UserView & { groupIds: string[] }> {
  return { ...view(row), groupIds: await userGroupIds(tx, row.id) };
}

/** 409 when the username (case-insensitive) is taken, by a live user or a deleted one. */
async function assertUsernameFree(tx: Transaction, username: string, self?: string): Promise<void> {
  const holder = await findUserByUsername(tx, username);
  if (!holder || holder.id === self) return;
  if (holder.deletedAt) {
    throw conflict(
      `The username "${username}" belongs to the deleted directory user ${holder.id}: a deleted user keeps its username, because Slack keeps the deactivated account that uses it. Choose another username.`,
      { userId: holder.id },
    );
  }
  throw conflict(`A directory user with username "${username}" already exists (${holder.id}). Usernames are unique, ignoring case.`, { userId: holder.id });
}

/** Applies a change to a live user and queues it for every connector concerned, in one transaction. */
async function changeUser(deps: ApiDeps, id: string, patch: UserPatch) {
  return mutate(deps, async (tx) => {
    const current = await findUser(tx, id);
    if (!current) throw notFound('directory user', id);
    if (patch.username !== undefined && patch.username.toLowerCase() !== current.username.toLowerCase()) await assertUsernameFree(tx, patch.username, id);
    const row = (await updateUser(tx, id, patch))!;
    await enqueueUser(tx, id);
    return detailedView(tx, row);
  });
}

const ACTIONS = [
  { path: 'suspend', patch: { suspended: true }, summary: 'suspend a user', description: 'Suspends the user; Slack deactivates them in every connector (U4).' },
  { path: 'unsuspend', patch: { suspended: false }, summary: 'unsuspend a user', description: 'Lifts the suspension; Slack reactivates them where a bound group still authorizes them.' },
  { path: 'expire-password', patch: { passwordExpired: true }, summary: 'expire a user’s password', description: 'Marks the password expired; Slack deactivates the user until it is reset (active = !suspended && !passwordExpired).' },
  { path: 'reset-password', patch: { passwordExpired: false }, summary: 'clear an expired password', description: 'Clears the expired-password flag; Slack reactivates the user where authorized.' },
] as const;

export function userRoutes(app: App, deps: ApiDeps): void {
  const { db } = deps;
  const tag = 'users';

  app.post('/v1/users', { schema: { ...doc(tag, 'create a directory user', 'Every attribute of the seed’s mapping table. 409 when the username is taken.'), body: DirectoryUserFields } }, async (req, reply) => {
    const created = await mutate(deps, async (tx) => {
      await assertUsernameFree(tx, req.body.username);
      const row = await createUser(tx, req.body);
      await enqueueUser(tx, row.id);
      return detailedView(tx, row);
    });
    return reply.code(201).send(created);
  });

  app.get('/v1/users', { schema: { ...doc(tag, 'list directory users', 'Keyset pages ordered by ID; deleted users are not listed.'), querystring: Page } }, async (req) => {
    const items = (await listUsers(db, req.query)).map(view);
    return page(items, req.query.limit, (u) => u.id);
  });

  app.get('/v1/users/:id', { schema: { ...doc(tag, 'show a directory user', 'With the IDs of the groups the user belongs to.'), params: IdParam } }, async (req) => {
    const row = await findUser(db, req.params.id);
    if (!row) throw notFound('directory user', req.params.id);
    return detailedView(db, row);
  });

  app.patch('/v1/users/:id', { schema: { ...doc(tag, 'change some of a user’s attributes', 'Only the fields sent change; the others keep their values.'), params: IdParam, body: UserPatchBody } }, async (req) =>
    changeUser(deps, req.params.id, req.body),
  );

  for (const action of ACTIONS) {
    app.post(`/v1/users/:id/${action.path}`, { schema: { ...doc(tag, action.summary, action.description), params: IdParam } }, async (req) => changeUser(deps, req.params.id, action.patch));
  }

  app.delete(
    '/v1/users/:id',
    { schema: { ...doc(tag, 'delete a directory user', 'Soft delete: the user disappears from the directory and is deactivated in Slack (user_delete_provision); the row is kept. 204.'), params: IdParam } },
    async (req, reply) => {
      await mutate(deps, async (tx) => {
        if (!(await softDeleteUser(tx, req.params.id))) throw notFound('directory user', req.params.id);
        await enqueueUser(tx, req.params.id);
      });
      return reply.code(204).send();
    },
  );
}
