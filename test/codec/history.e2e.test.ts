import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { syncWorkflowId } from '../../core/sync-kinds';
import { type RunningCodecServer, startCodecServer } from '../../codec/server';
import { payloadsFromJson, payloadsToJson } from '../../codec/payloads-json';
import { EncryptionCodec } from '../../codec/codec';
import { generateCodecKey, parseCodecKeys } from '../../codec/keys';
import { findTemporalCli } from '../../worker/dev-server';
import { type Harness, startHarness } from '../support/harness';
import { testCodec } from '../support/codec';
import { historyAsText, payloadsIn, plaintextPayloads } from '../support/history';

// Payloads encrypted end to end on the real dev server: what Temporal stores is ciphertext, read here
// raw (a client without the codec); the codec server decodes it for an operator with access, as the Web
// UI and the Temporal CLI use it, and for nobody else.
const UI = 'http://127.0.0.1:8233';
const PERSON = { username: 'codec.hopper', email: 'grace.codec@example.com', firstName: 'Zebulon', lastName: 'Quixotic' };
let h: Harness;
let codecServer: RunningCodecServer;
let rawConnection: Connection;
let raw: Client;
let workflowId: string;
let ids: { connectorId: string; userId: string };

beforeAll(async () => {
  h = await startHarness();
  codecServer = await startCodecServer({ codec: testCodec(), tokens: [h.apiKey], allowOrigins: [UI], namespace: 'default', host: '127.0.0.1', port: 0 });
  rawConnection = await Connection.connect({ address: inject('temporalAddress') });
  raw = new Client({ connection: rawConnection, namespace: 'default' });
  const connectorId = (await h.ok('POST', '/v1/connectors', { label: 'Codec', teamName: 'codec', teamDomain: 'codec.slack.com', scimBaseUrl: h.emulator.baseUrl, scimToken: h.slackToken })).id;
  const groupId = (await h.ok('POST', '/v1/groups', { name: 'codec' })).id;
  await h.ok('PUT', `/v1/connectors/${connectorId}/groups/${groupId}`, {});
  const userId = (await h.ok('POST', '/v1/users', PERSON)).id;
  await h.ok('PUT', `/v1/groups/${groupId}/members/${userId}`);
  ids = { connectorId, userId };
  workflowId = syncWorkflowId('user', connectorId, userId);
  await vi.waitFor(async () => expect((await h.call('GET', `/v1/events?userId=${userId}&type=user_create_provision&outcome=success`)).body.items).toHaveLength(1), { timeout: 30_000, interval: 200 });
});
afterAll(async () => {
  await codecServer?.close();
  await rawConnection?.close();
  await h?.stop();
});

const decode = (body: unknown, headers: Record<string, string>) =>
  fetch(`${codecServer.url}/decode`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers }, body: JSON.stringify(body) });

describe('a user sync on the real dev server', () => {
  it('leaves only encrypted payloads in the history the server keeps', async () => {
    const history = await raw.workflow.getHandle(workflowId).fetchHistory();
    const payloads = payloadsIn(history).filter((p) => !/searchAttributes/.test(p.path));
    // The workflow's input, the activity's input and its result: all there, all ciphertext.
    const where = payloads.map((p) => p.path.replace(/^events\.\d+\./, '').replace(/\.\d+$/, ''));
    expect(where).toEqual(expect.arrayContaining(['workflowExecutionStartedEventAttributes.input.payloads', 'activityTaskScheduledEventAttributes.input.payloads', 'activityTaskCompletedEventAttributes.result.payloads']));
    expect(plaintextPayloads(history)).toEqual([]);
    const payloadText = payloads.map((p) => Buffer.from(p.payload.data ?? []).toString('latin1')).join('\n');
    expect(payloadText).not.toContain(ids.userId);
    expect(payloadText).not.toContain(ids.connectorId);
    expect(payloadText).not.toMatch(/json\/plain|userId|connectorId|"result"/);
    expect(historyAsText(history)).not.toMatch(/grace\.codec|Zebulon|Quixotic|xoxp-/);
  });

  it('is decoded by the codec server for the admin API key and for the allowed Web UI origin', async () => {
    const history = await raw.workflow.getHandle(workflowId).fetchHistory();
    const input = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads!;
    const body = payloadsToJson(input);
    for (const headers of [{ authorization: `Bearer ${h.apiKey}` }, { origin: UI }] as Array<Record<string, string>>) {
      const res = await decode(body, headers);
      expect(res.status).toBe(200);
      const [decoded] = payloadsFromJson(await res.json());
      expect(JSON.parse(Buffer.from(decoded!.data!).toString())).toMatchObject({ connectorId: ids.connectorId, userId: ids.userId });
    }
  });

  it('is not decoded for anyone else', async () => {
    const history = await raw.workflow.getHandle(workflowId).fetchHistory();
    const body = payloadsToJson(history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads!);
    for (const [headers, status] of [[{}, 401], [{ authorization: 'Bearer guess' }, 401], [{ origin: 'https://elsewhere.example' }, 403]] as const) {
      const res = await decode(body, headers);
      expect(res.status).toBe(status);
      expect(await res.text()).not.toContain(ids.userId);
    }
  });

  it('cannot be read with other keys: the error names the key that is missing', async () => {
    const history = await raw.workflow.getHandle(workflowId).fetchHistory();
    const input = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads!;
    const stranger = new EncryptionCodec(parseCodecKeys(generateCodecKey('stranger')));
    await expect(stranger.decode(input)).rejects.toThrow(/encrypted with the key "bindery-test-1", which BINDERY_CODEC_KEYS does not hold/);
    expect(JSON.parse(Buffer.from((await testCodec().decode(input))[0]!.data!).toString())).toMatchObject({ userId: ids.userId });
  });

  it('shows decoded in the Temporal CLI through the codec server with --codec-auth, and encrypted without', async () => {
    const cli = findTemporalCli(process.env.TEMPORAL_CLI_PATH);
    const show = async (...extra: string[]) =>
      (await promisify(execFile)(cli, ['workflow', 'show', '--workflow-id', workflowId, '--address', inject('temporalAddress'), '--namespace', 'default', '--output', 'json', ...extra], { maxBuffer: 16 * 1024 * 1024 })).stdout;
    /** The first event's input payload as the CLI printed it: its encoding and data, decoded from base64. */
    const startedInput = (out: string) => {
      const payload = JSON.parse(out).events[0].workflowExecutionStartedEventAttributes.input.payloads[0];
      return { encoding: Buffer.from(payload.metadata.encoding, 'base64').toString(), data: Buffer.from(payload.data, 'base64').toString('latin1') };
    };
    const decoded = startedInput(await show('--codec-endpoint', codecServer.url, '--codec-auth', `Bearer ${h.apiKey}`));
    expect(decoded.encoding).toBe('json/plain');
    expect(JSON.parse(decoded.data)).toMatchObject({ connectorId: ids.connectorId, userId: ids.userId });
    const encrypted = startedInput(await show());
    expect(encrypted.encoding).toBe('binary/encrypted');
    expect(encrypted.data).not.toContain(ids.userId);
  });
});
