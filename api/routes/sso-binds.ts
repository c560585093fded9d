import { z } from 'zod';
import { BIND_WINDOW_HOURS } from '../../core/sso-binds';
import { BIND_STATES } from '../../db/schema';
import * as binds from '../../services/sso-binds';
import { type ApiDeps, type App, doc, mutate, page } from '../context';
import { Id, IdParam, Limit, responses } from '../schemas';

const Bind = z.object({
  userId: z.string(),
  username: z.string(),
  email: z.string(),
  state: z.enum(BIND_STATES).describe('`pending` (emailed, waiting for the first launch), `bound` (launched once), `expired` (the window ended first)'),
  round: z.number().int().describe('1 for the first email; each resend adds one (earlier links stop working)'),
  deadline: z.date().describe('when a pending window ends (provisional until its email has gone out)'),
  sentAt: z.date().nullable(),
  boundAt: z.date().nullable(),
  createdInactive: z.boolean().describe('the account was created in the target while SSO was on: inactive until the first launch'),
  updatedAt: z.date(),
});
const BindPage = z.object({ items: z.array(Bind), next: z.string().optional() });
const BindQuery = z.object({
  state: z.enum(BIND_STATES).optional().describe('only windows in this state'),
  limit: Limit,
  after: Id.optional().describe('continue after this user ID'),
});
const Resent = z.object({ items: z.array(z.object({ userId: z.string(), round: z.number().int(), deadline: z.date() })) });
const ResendParams = z.object({ id: Id.describe('the connector ID'), userId: Id.describe('the directory user ID') });

/** The SSO bind windows (B1): who is pending (with the deadline), bound or expired; resend to one or all. */
export function ssoBindRoutes(app: App, deps: ApiDeps): void {
  const tag = 'SSO';

  app.get(
    '/v1/connectors/:id/sso/binds',
    {
      schema: {
        ...doc(tag, 'list the SSO bind windows', `Each user emailed to bind their account since SSO was activated: pending with the deadline (${BIND_WINDOW_HOURS} hours after the email), bound (first launch from the portal) or expired.`),
        params: IdParam,
        querystring: BindQuery,
        response: responses({ 200: BindPage }, [404]),
      },
    },
    async (req) => page(await binds.listBinds(deps.db, req.params.id, req.query), req.query.limit, (b) => b.userId),
  );

  app.post(
    '/v1/connectors/:id/sso/binds/resend',
    {
      schema: {
        ...doc(tag, 'resend the bind email to every pending and expired user', `Each gets a new email and a fresh ${BIND_WINDOW_HOURS}-hour window; links of earlier emails stop working. 409 when SSO is off.`),
        params: IdParam,
        response: responses({ 200: Resent }, [404, 409]),
      },
    },
    async (req) => ({ items: await mutate(deps, (tx) => binds.resendBinds(tx, req.params.id, { all: true })) }),
  );

  app.post(
    '/v1/connectors/:id/sso/binds/:userId/resend',
    {
      schema: {
        ...doc(tag, 'resend the bind email to one user', `A new email and a fresh ${BIND_WINDOW_HOURS}-hour window; the earlier link stops working. 404 when the user has no window (not authorized), 409 when already bound or SSO is off.`),
        params: ResendParams,
        response: responses({ 200: Resent }, [404, 409]),
      },
    },
    async (req) => ({ items: await mutate(deps, (tx) => binds.resendBinds(tx, req.params.id, { userId: req.params.userId })) }),
  );
}
