import { z } from 'zod';
import { EVENT_OUTCOMES, EVENT_TYPES } from '../../core/events';
import { listEvents } from '../../db/events';
import { type ApiDeps, type App, Id, Limit, doc, page } from './deps';

/** An ISO 8601 time (with offset) or date. */
const Time = z.union([z.iso.datetime({ offset: true }), z.iso.date()]).transform((s) => new Date(s));

const EventQuery = z.object({
  type: z.enum(EVENT_TYPES).optional(),
  connectorId: Id.optional(),
  userId: Id.optional().describe('the event’s object: a directory user ID (or a connector ID for idm_integration_* events)'),
  outcome: z.enum(EVENT_OUTCOMES).optional(),
  since: Time.optional().describe('ISO time or date, inclusive'),
  until: Time.optional().describe('ISO time or date, inclusive'),
  before: z.coerce.number().int().positive().optional().describe('continue with events older than this event ID (the previous page’s `next`)'),
  limit: Limit,
});

export function eventRoutes(app: App, deps: ApiDeps): void {
  app.get('/v1/events', { schema: { ...doc('events', 'list Directory Insights events', 'Newest first, keyset pages by event ID.'), querystring: EventQuery } }, async (req) => {
    const q = req.query;
    const items = await listEvents(deps.db, { ...q, objectId: q.userId });
    return page(items, q.limit, (e) => e.id);
  });
}
