import { inArray, or } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { syncIntents } from '../../db/schema';

/**
 * Removes and returns the queued sync intents that concern these IDs, as sorted "kind connector object"
 * lines. The resync schedule's intents (queued on every activation and deactivation) are left out unless
 * asked for: most tests are about the objects' syncs.
 */
export async function takeIntents(db: Db, ids: readonly string[], opts: { schedules?: boolean } = {}): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .delete(syncIntents)
    .where(or(inArray(syncIntents.connectorId, [...ids]), inArray(syncIntents.objectId, [...ids])))
    .returning();
  return rows.filter((r) => opts.schedules || r.kind !== 'schedule').map((r) => `${r.kind} ${r.connectorId} ${r.objectId}`).sort();
}
