import { randomBytes } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import { DirectoryUserFields } from '../../core/directory';
import { BIND_WINDOW_MS } from '../../core/sso-binds';
import { syncWorkflowId } from '../../core/sync-kinds';
import type { Database } from '../../db/client';
import { insightsEvents, ssoBinds } from '../../db/schema';
import { type Dispatcher, startDispatcher } from '../../dispatch/dispatcher';
import { type MailCatcher, type Mailbox, mailbox, startMailCatcher } from '../../mail/catcher';
import { createMailer, type Mailer } from '../../mail/mailer';
import { generateKey, parseKey } from '../../secrets/secrets';
import { bindGroup } from '../../services/bindings';
import { createConnector, setSso } from '../../services/connectors';
import { change, type ServiceDeps } from '../../services/context';
import { addMember, createGroup } from '../../services/groups';
import { recordLaunch, resendBinds } from '../../services/sso-binds';
import { createUser } from '../../services/users';
import { workflowsPath } from '../../worker/worker';
import { openFreshDatabase } from '../support/database';
import { TEST_DATABASE_URL } from '../support/database-url';
import { installQuietRuntime } from '../support/harness';
import { startTimeSkipping } from './time-skipping';

// The 72-hour bind window (B1) on Temporal's time-skipping test server: the real workflow and activities,
// PostgreSQL, the outbox dispatcher and a real SMTP catcher, with 72 hours of workflow time passing in
// seconds. The window is the production one (BIND_WINDOW_MS), not a shortened one.
const HOUR = 60 * 60 * 1000;
const WAIT = { timeout: 30_000, interval: 100 };

let env: TestWorkflowEnvironment;
let database: Database;
let catcher: MailCatcher;
let mailer: Mailer;
let mail: Mailbox;
let dispatcher: Dispatcher;
let worker: Worker;
let running: Promise<void>;
let deps: ServiceDeps;

beforeAll(async () => {
  installQuietRuntime();
  env = await startTimeSkipping();
  database = await openFreshDatabase(TEST_DATABASE_URL);
  catcher = await startMailCatcher();
  mailer = createMailer({ smtpUrl: catcher.smtpUrl, from: 'Bindery <bindery@test.example>' });
  mail = mailbox(catcher.apiUrl);
  const taskQueue = `timeskip-${randomBytes(4).toString('hex')}`;
  deps = { db: database.db, secretKey: parseKey(generateKey()) };
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath,
    activities: createActivities({ db: database.db, secretKey: deps.secretKey, mail: { mailer, adminEmail: 'admin@test.example' }, publicUrl: 'https://bindery.test.example' }),
  });
  running = worker.run();
  dispatcher = startDispatcher({ db: database.db, temporal: env.client, taskQueue, pollMs: 100, log: (m) => console.log(m) });
  deps.notify = dispatcher.notify;
}, 180_000);

afterAll(async () => {
  await dispatcher?.stop();
  worker?.shutdown();
  await running;
  mailer?.close();
  await catcher?.stop();
  await database?.close();
  await env?.teardown();
});

/** A Slack connector with SSO on and one authorized user; the bind email has gone out. */
async function userWithBindWindow(name: string) {
  const connector = await createConnector(deps, { label: name, teamName: name, teamDomain: `${name}.slack.com` });
  const email = `${name}@example.com`;
  const user = await change(deps, (tx) => createUser(tx, DirectoryUserFields.parse({ username: name, email, firstName: 'Ada', lastName: 'Lovelace' })));
  const group = await change(deps, (tx) => createGroup(tx, `${name} group`));
  await change(deps, (tx) => addMember(tx, group.id, user.id));
  await change(deps, (tx) => bindGroup(tx, connector.id, group.id));
  await change(deps, (tx) => setSso(tx, connector.id, true));
  const handle = env.client.workflow.getHandle(syncWorkflowId('bind', connector.id, user.id));
  await mail.waitFor((m) => m.to.includes(email) && /bind your/i.test(m.subject), 30_000);
  await expect.poll(async () => (await bindRow(connector.id, user.id))?.sentAt, WAIT).toBeTruthy();
  return { connectorId: connector.id, userId: user.id, email, handle };
}

async function bindRow(connectorId: string, userId: string) {
  const [row] = await database.db
    .select()
    .from(ssoBinds)
    .where(and(eq(ssoBinds.connectorId, connectorId), eq(ssoBinds.userId, userId)));
  return row;
}

const eventsOf = async (userId: string) => (await database.db.select().from(insightsEvents).where(eq(insightsEvents.objectId, userId))).map((e) => e.type);

/** The workflow's timers as its history records them, in milliseconds. */
async function timers(handle: WorkflowHandle) {
  const history = await handle.fetchHistory();
  return (history.events ?? []).flatMap((e) => {
    const t = e.timerStartedEventAttributes?.startToFireTimeout;
    return t ? [Number(t.seconds ?? 0) * 1000 + Math.round((t.nanos ?? 0) / 1e6)] : [];
  });
}

describe('the 72-hour bind window on the time-skipping server', () => {
  it('is still pending after 71 hours, and expired, with an event, once 72 hours of workflow time have passed', async () => {
    const { connectorId, userId, handle } = await userWithBindWindow('expiry');
    const sent = await bindRow(connectorId, userId);
    const startedAt = await env.currentTimeMs();

    await env.sleep(71 * HOUR);
    expect((await handle.describe()).status.name).toBe('RUNNING');
    expect((await bindRow(connectorId, userId))?.state).toBe('pending');
    expect(await eventsOf(userId)).not.toContain('sso_bind_expired');

    expect(await handle.result()).toBe('expired'); // waits, skipping the last hour
    const elapsed = (await env.currentTimeMs()) - startedAt;
    expect(elapsed).toBeGreaterThanOrEqual(72 * HOUR - 60_000);
    const row = await bindRow(connectorId, userId);
    expect(row).toMatchObject({ state: 'expired', round: 1 });
    expect(row!.deadline.getTime()).toBe(sent!.deadline.getTime());
    expect(await eventsOf(userId)).toEqual(expect.arrayContaining(['sso_bind_sent', 'sso_bind_expired']));
    // One durable timer, of the whole window.
    const windows = await timers(handle);
    expect(windows).toHaveLength(1);
    expect(windows[0]).toBeGreaterThan(BIND_WINDOW_MS - 60_000);
    expect(windows[0]).toBeLessThanOrEqual(BIND_WINDOW_MS);
  });

  it('starts a fresh 72-hour window on a resend, and the first window’s end no longer expires it', async () => {
    const { connectorId, userId, email, handle } = await userWithBindWindow('resend');
    await env.sleep(70 * HOUR);
    await mail.clear();
    await change(deps, (tx) => resendBinds(tx, connectorId, { userId }));
    await mail.waitFor((m) => m.to.includes(email), 30_000);
    await expect.poll(async () => (await bindRow(connectorId, userId))?.sentAt, WAIT).toBeTruthy();
    const resentAt = await env.currentTimeMs();
    expect((await bindRow(connectorId, userId))?.round).toBe(2);

    await env.sleep(71 * HOUR); // 141 hours after the first email: past the first window, inside the second
    expect((await handle.describe()).status.name).toBe('RUNNING');
    expect((await bindRow(connectorId, userId))?.state).toBe('pending');

    expect(await handle.result()).toBe('expired');
    expect((await env.currentTimeMs()) - resentAt).toBeGreaterThanOrEqual(72 * HOUR - 60_000);
    expect(await bindRow(connectorId, userId)).toMatchObject({ state: 'expired', round: 2 });
    expect((await eventsOf(userId)).filter((t) => t === 'sso_bind_expired')).toHaveLength(1);
  });

  it('ends bound, without expiring, when the user launches inside the window', async () => {
    const { connectorId, userId, handle } = await userWithBindWindow('launch');
    await env.sleep(48 * HOUR);
    await change(deps, (tx) => recordLaunch(tx, connectorId, userId));
    expect(await handle.result()).toBe('bound');
    expect(await bindRow(connectorId, userId)).toMatchObject({ state: 'bound' });
    expect(await eventsOf(userId)).toContain('sso_bind_bound');
    expect(await eventsOf(userId)).not.toContain('sso_bind_expired');
  });
});
