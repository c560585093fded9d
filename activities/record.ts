import { Context } from '@temporalio/activity';
import type { EventType } from '../core/events';
import type { Db } from '../db/client';
import { recordEvent } from '../db/events';
import type { Tx } from '../db/outbox';

export type Outcome = 'success' | 'failure';
export type RecordEvent = (type: EventType, outcome: Outcome, message: string, errorCode?: string, tx?: Tx) => Promise<void>;

/**
 * Records Directory Insights events for one object from inside an activity, with the workflow, run
 * and attempt that made them, so an admin can go from an event to the workflow in the UI.
 */
export function eventRecorder(db: Db, object: { connectorId: string; objectType: 'user' | 'group'; objectId: string }): RecordEvent {
  const info = Context.current().info;
  const trace = { workflowId: info.workflowExecution?.workflowId, runId: info.workflowExecution?.runId, attempt: info.attempt };
  return (type, outcome, message, errorCode, tx = db) => recordEvent(tx, { type, ...object, outcome, message, errorCode, ...trace });
}

/**
 * Saves an object's state and its event in one transaction: a retry after a crash either sees both
 * (and has nothing left to do) or neither (and redoes the step), so each outcome is recorded once.
 */
export function settle(db: Db, save: (tx: Tx) => Promise<void>, record: RecordEvent, event: [EventType, Outcome, string, string?]): Promise<void> {
  return db.transaction(async (tx) => {
    await save(tx);
    await record(event[0], event[1], event[2], event[3], tx);
  });
}
