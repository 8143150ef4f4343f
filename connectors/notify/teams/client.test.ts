// Contract test: the Teams channel against the Workflows webhook simulator over real HTTP on 127.0.0.1.
import pino from 'pino';
import type { CallOutcome, HttpPolicy } from '../../../platform/http/index.js';
import { DeliveryError, type Notification } from '../../../subgraphs/reporting/ports.js';
import { ADAPTIVE_CARD_TYPE, TEAMS_MAX_BYTES, TeamsChannel, teamsMessage } from './client.js';
import { TEAMS_WORKFLOW_PATH, TeamsWorkflowSimulator } from './simulator.js';

const policy: Partial<HttpPolicy> = { timeoutMs: 2000, retries: 2, backoffBaseMs: 5, backoffMaxMs: 10 };

const alert: Notification = {
  type: 'rule_fired', severity: 'warning', title: 'rakuten unreachable', text: 'health: connect ECONNREFUSED',
  fields: [['System', 'rakuten'], ['Since', '2026-11-27 10:00:00 +09:00']], footer: 'Tsunagi',
};

let sim: TeamsWorkflowSimulator;
let url: string;
let outcomes: CallOutcome[];

beforeEach(async () => {
  sim = new TeamsWorkflowSimulator();
  url = await sim.listen();
  outcomes = [];
});

afterEach(() => sim.close());

const channel = (to = url) => new TeamsChannel({ system: 'notify', url: to, logger: pino({ enabled: false }), policy, onOutcome: (o) => outcomes.push(o) });

it('wraps an Adaptive Card in a message envelope: title, text, facts, footer', () => {
  const m = teamsMessage(alert);
  expect(m.type).toBe('message');
  expect(m.attachments).toHaveLength(1);
  expect(m.attachments[0]).toEqual(expect.objectContaining({ contentType: ADAPTIVE_CARD_TYPE, contentUrl: null }));
  const card = m.attachments[0]!.content;
  expect(card).toEqual(expect.objectContaining({ type: 'AdaptiveCard', version: '1.4', $schema: 'http://adaptivecards.io/schemas/adaptive-card.json' }));
  expect(card.body.map((e) => e.type)).toEqual(['TextBlock', 'TextBlock', 'FactSet', 'TextBlock']);
  expect(card.body[0]).toEqual(expect.objectContaining({ text: 'WARNING: rakuten unreachable', color: 'Warning', weight: 'Bolder' }));
  expect(card.body[2]).toEqual({ type: 'FactSet', facts: [{ title: 'System', value: 'rakuten' }, { title: 'Since', value: '2026-11-27 10:00:00 +09:00' }] });
});

it('posts the card; the flow answers 202 and the call is logged without the sig', async () => {
  await expect(channel().send(alert)).resolves.toEqual({ ids: [], attempts: 1 });
  expect(sim.messages).toEqual([teamsMessage(alert)]);
  expect(outcomes).toEqual([expect.objectContaining({ operation: 'teams.workflowWebhook', ok: true, status: 202, url: `${new URL(url).origin}/workflows/***` })]);
});

it('refuses a card over 28 KB before sending: permanent, no call made', async () => {
  const big = { ...alert, text: 'あ'.repeat(10_000) };
  expect(Buffer.byteLength(JSON.stringify(teamsMessage(big)))).toBeGreaterThan(TEAMS_MAX_BYTES);
  const err = await channel().send(big).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(DeliveryError);
  expect(err).toEqual(expect.objectContaining({ permanent: true, attempts: 0 }));
  expect((err as Error).message).toMatch(/Teams takes at most 28672 \(28 KB\)/);
  expect(outcomes).toEqual([]);
  expect(sim.messages).toEqual([]);
});

it('honours 429 Retry-After and retries a 502; a 400 is final', async () => {
  sim.faults.add({ path: '/workflows', times: 1, response: { status: 429, headers: { 'retry-after': '1' } } });
  sim.faults.add({ path: '/workflows', times: 1, response: { status: 502 } });
  const started = Date.now();
  await expect(channel().send(alert)).resolves.toEqual({ ids: [], attempts: 3 });
  expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  sim.faults.clear();
  sim.faults.add({ path: '/workflows', response: { status: 400, body: { error: { code: 'InvalidRequestContent', message: 'bad' } } } });
  await expect(channel().send(alert)).rejects.toEqual(expect.objectContaining({ permanent: true, attempts: 1 }));
});

it('a wrong sig is refused (401), not retried', async () => {
  const wrong = url.replace(/sig=[^&]+/, 'sig=guessed');
  await expect(channel(wrong).send(alert)).rejects.toEqual(expect.objectContaining({ permanent: true, attempts: 1, message: expect.stringMatching(/^HTTP 401/) }));
  expect(sim.messages).toEqual([]);
});

it('the flow refuses what Workflows refuses: no envelope, a MessageCard, too large', async () => {
  const post = (body: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  expect((await post(JSON.stringify({ text: 'hello' }))).status).toBe(400);
  const messageCard = { type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.teams.card.o365connector', content: {} }] };
  expect((await post(JSON.stringify(messageCard))).status).toBe(400);
  expect((await post(JSON.stringify({ type: 'message', pad: 'x'.repeat(TEAMS_MAX_BYTES) }))).status).toBe(413);
  expect((await fetch(`${new URL(url).origin}${TEAMS_WORKFLOW_PATH}`, { method: 'POST', body: '{}' })).status).toBe(401);
  expect(sim.messages).toEqual([]);
});
