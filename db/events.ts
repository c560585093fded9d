import { and, desc, eq, gte, lt, lte } from 'drizzle-orm';
import type { EventOutcome, EventType } from '../core/events';
import type { Db } from './client';
import type { Tx } from './client';
import { insightsEvents } from './schema';

export type InsightsEventRow = typeof insightsEvents.$inferSelect;
export type NewInsightsEvent = typeof insightsEvents.$inferInsert;

/** Joins the caller's transaction when given one, so an event commits with the change it reports. */
export async function recordEvent(db: Tx, event: NewInsightsEvent): Promise<void> {
  await db.insert(insightsEvents).values(event);
}

export type EventFilter = {
  type?: EventType;
  connectorId?: string;
  objectId?: string;
  outcome?: EventOutcome;
  since?: Date;
  until?: Date;
  /** Keyset cursor: events with a smaller ID than this (newest first). */
  before?: number;
  limit: number;
};

export async function listEvents(db: Db, f: EventFilter): Promise<InsightsEventRow[]> {
  const e = insightsEvents;
  return db
    .select()
    .from(e)
    .where(
      and(
        f.type ? eq(e.type, f.type) : undefined,
        f.connectorId ? eq(e.connectorId, f.connectorId) : undefined,
        f.objectId ? eq(e.objectId, f.objectId) : undefined,
        f.outcome ? eq(e.outcome, f.outcome) : undefined,
        f.since ? gte(e.at, f.since) : undefined,
        f.until ? lte(e.at, f.until) : undefined,
        f.before ? lt(e.id, f.before) : undefined,
      ),
    )
    .orderBy(desc(e.id))
    .limit(f.limit);
}
