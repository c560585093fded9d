import { z } from 'zod';
import { line, paragraph } from '../../core/text';
import * as holds from '../../services/holds';
import { type ApiDeps, type App, doc, mutate } from '../context';
import { Id, IdParam, responses } from '../schemas';

const HoldUser = z.object({ userId: z.string(), username: z.string(), reason: z.string(), heldAt: z.date() });
const Hold = z.object({
  id: z.string(),
  connectorId: z.string(),
  status: z.enum(['open', 'approved', 'rejected']),
  reason: z.string(),
  createdAt: z.date(),
  notifiedAt: z.date().nullable(),
  decidedAt: z.date().nullable(),
  decidedBy: z.string().nullable(),
  decisionReason: z.string().nullable(),
});
const HoldList = z.object({ items: z.array(Hold.extend({ users: z.array(HoldUser) })) });
const Decision = z.strictObject({
  by: line(128).trim().min(1).describe('who decides (recorded in the event)'),
  reason: paragraph(1000).optional().describe('why (recorded in the event)'),
});

export function holdRoutes(app: App, deps: ApiDeps): void {
  const tag = 'circuit breaker';

  app.get(
    '/v1/connectors/:id/held',
    {
      schema: {
        ...doc(tag, 'list the deactivations the circuit breaker held', 'Each hold with its reason, status and the users it holds (S4); decided holds stay listed with who decided and when.'),
        params: IdParam,
        response: responses({ 200: HoldList }, [404]),
      },
    },
    async (req) => ({ items: await holds.listHolds(deps.db, req.params.id) }),
  );

  for (const [action, decision] of [
    ['approve', 'approved'],
    ['reject', 'rejected'],
  ] as const) {
    app.post(
      `/v1/holds/:id/${action}`,
      {
        schema: {
          ...doc(
            tag,
            `${action} a hold of the circuit breaker`,
            decision === 'approved'
              ? 'The held deactivations are carried out (deactivation_approved, with who and why). 409 when already decided.'
              : 'The held deactivations are cancelled: the accounts stay active until the directory changes (deactivation_rejected, with who and why). 409 when already decided.',
          ),
          params: z.object({ id: Id.describe('the hold ID') }),
          body: Decision,
          response: responses({ 200: Hold }, [404, 409], { body: true }),
        },
      },
      async (req) => mutate(deps, (tx) => holds.decideHold(tx, req.params.id, decision, req.body.by, req.body.reason)),
    );
  }
}
