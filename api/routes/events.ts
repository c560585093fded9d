import { z } from 'zod';
import { EVENT_OUTCOMES, EVENT_TYPES } from '../../core/events';
import { parseTime, TIME_FORMS } from '../../core/time';
import { listEvents } from '../../db/events';
import { type ApiDeps, type App, doc, page } from '../context';
import { EventPage, Id, Limit, responses } from '../schemas';

/** An ISO 8601 time or date, or a time ago (`15m`, `2h`, `7d`, `yesterday`). */
const Time = z
  .string()
  .max(64)
  .transform((s, ctx) => parseTime(s) ?? (ctx.addIssue({ code: 'custom', message: `not a time: use ${TIME_FORMS}` }), z.NEVER))
  .describe(`inclusive; ${TIME_FORMS}`);

const EventQuery = z.object({
  type: z.enum(EVENT_TYPES).optional(),
  connectorId: Id.optional(),
  userId: Id.optional().describe('the event’s object: a directory user ID (or a group or connector ID for group_* and idm_integration_* events)'),
  outcome: z.enum(EVENT_OUTCOMES).optional(),
  since: Time.optional(),
  until: Time.optional(),
  before: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional().describe('continue with events older than this event ID (the previous page’s `next`)'),
  limit: Limit,
});

export function eventRoutes(app: App, deps: ApiDeps): void {
  app.get(
    '/v1/events',
    { schema: { ...doc('events', 'list Directory Insights events', 'Newest first, keyset pages by event ID.'), querystring: EventQuery, response: responses({ 200: EventPage }, []) } },
    async (req) => {
      const { userId, ...q } = req.query;
      return page(await listEvents(deps.db, { ...q, objectId: userId }), q.limit, (e) => e.id);
    },
  );
}
