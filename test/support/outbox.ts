import { inArray, or } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { syncIntents } from '../../db/schema';

/** Removes and returns the queued sync intents that concern these IDs, as sorted "kind connector object" lines. */
export async function takeIntents(db: Db, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .delete(syncIntents)
    .where(or(inArray(syncIntents.connectorId, [...ids]), inArray(syncIntents.objectId, [...ids])))
    .returning();
  return rows.map((r) => `${r.kind} ${r.connectorId} ${r.objectId}`).sort();
}
