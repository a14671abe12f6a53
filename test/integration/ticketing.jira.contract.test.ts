import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { TicketNotFound, TicketingAuthFailed } from '../../integrations/ticketing/errors.js';
import { JiraAdapter } from '../../integrations/ticketing/jira/adapter.js';
import { hasMarker } from '../../integrations/ticketing/jira/comment-marker.js';
import { loadJiraConfig } from '../../integrations/ticketing/jira/config.js';
import { JiraRequestWithoutReporter, JiraResponseInvalid, JiraTransitionUnavailable } from '../../integrations/ticketing/jira/jira-errors.js';
import { ConfigError } from '../../integrations/shared/config-error.js';
import { loadConfig } from '../../workers/config.js';
import { createTicketSystems } from '../../workers/adapters/ticket-systems.js';
import { createLogger } from '../../workers/logger.js';
import { run as jiraCheck } from '../../workers/cli/jira-check.js';
import { SERVICE_DESK_ID, jiraTestConfig, startFakeJira, type FakeJira, type FakeJiraUser } from '../support/fake-jira.js';
import { deletePrefix, freshPrefix, newRedis } from '../support/redis.js';

const SECRET = 'jira-webhook-secret-for-the-tests';
const TOKEN = 'jira-api-token-0123456789';
const EMAIL = 'twofa-bot@acme.example';
const NOWHERE = 'http://127.0.0.1:9/webhooks/jira';


const update = (o: Partial<{ publicReply: string; internalNote: string; status: 'pending' | 'open' | 'solved'; addTags: string[]; removeTags: string[]; escalate: boolean }>) => ({
  addTags: [],
  removeTags: [],
  escalate: false,
  ...o,
});

describe('Jira Service Management adapter against a fake JSM site (real HTTP, real Redis)', () => {
  let fake: FakeJira;
  let redis: Redis;
  let prefix: string;
  let jira: JiraAdapter;
  let agent: FakeJiraUser;
  let participant: FakeJiraUser;

  beforeAll(() => {
    redis = newRedis();
  });
  afterAll(() => redis.disconnect());

  beforeEach(async () => {
    // Transition ids shifted: a test passing here reads them from Jira.
    fake = await startFakeJira({ apiToken: TOKEN, email: EMAIL, webhookSecret: SECRET, webhookUrl: NOWHERE, transitionIdOffset: 7 });
    agent = fake.addUser({ displayName: 'Agnes Agent', email: 'agnes@acme.example', accountType: 'atlassian' });
    participant = fake.addUser({ displayName: 'Colin Copied', email: 'colin@example.com', accountType: 'customer' });
    prefix = freshPrefix('jira');
    jira = new JiraAdapter({ config: jiraTestConfig(fake), redis, prefix, retryBaseDelayMs: 10 });
  });

  afterEach(async () => {
    await jira.close();
    await fake.close();
    await deletePrefix(redis, prefix);
  });

  const request = (labels = ['2fa_issue'], over: { hideEmail?: boolean; requestTypeId?: string } = {}) =>
    fake.createRequest({ summary: 'My 2FA code does not work', description: 'I am alice@corp.example, please reset', reporter: { email: 'alice.archer@example.com', name: 'Alice Archer' }, labels, ...over });

  describe('config', () => {
    const base = { JIRA_BASE_URL: 'https://acme.atlassian.net', JIRA_EMAIL: EMAIL, JIRA_API_TOKEN: TOKEN, JIRA_WEBHOOK_SECRET: SECRET, JIRA_SERVICE_DESK_ID: '4' };
    it('names the missing or bad variable, and takes the documented defaults', () => {
      const without = (k: keyof typeof base) => Object.fromEntries(Object.entries(base).filter(([key]) => key !== k));
      for (const k of ['JIRA_BASE_URL', 'JIRA_API_TOKEN', 'JIRA_WEBHOOK_SECRET', 'JIRA_SERVICE_DESK_ID'] as const) {
        expect(() => loadJiraConfig(without(k))).toThrow(new RegExp(k));
      }
      expect(() => loadJiraConfig(without('JIRA_EMAIL'))).toThrow(/JIRA_EMAIL/);
      expect(() => loadJiraConfig({ ...base, JIRA_OAUTH_TOKEN: 'x' })).toThrow(/JIRA_OAUTH_TOKEN/);
      expect(() => loadJiraConfig({ ...base, JIRA_WATCH_LABEL: 'two words' })).toThrow(ConfigError);
      expect(() => loadJiraConfig({ ...base, JIRA_REQUEST_TYPE_ID: 'twofa' })).toThrow(/JIRA_REQUEST_TYPE_ID/);
      const c = loadJiraConfig(base);
      expect(c).toMatchObject({ baseUrl: 'https://acme.atlassian.net', watchLabel: '2fa_issue', pollIntervalS: 60, rateLimitPerMin: 100, statusNames: { pending: 'Waiting for customer', solved: 'Resolved' } });
      const { JIRA_EMAIL: _e, JIRA_API_TOKEN: _t, ...rest } = base;
      expect(loadJiraConfig({ ...rest, JIRA_OAUTH_TOKEN: 'oauth', JIRA_BASE_URL: 'https://api.atlassian.com/ex/jira/1234' }).credentials).toEqual({ kind: 'oauth', token: 'oauth' });
    });
  });

  describe('wiring (TICKET_SYSTEM=jira)', () => {
    const source = () => ({ TICKET_SYSTEM: 'jira', JIRA_BASE_URL: fake.url, JIRA_EMAIL: EMAIL, JIRA_API_TOKEN: TOKEN, JIRA_WEBHOOK_SECRET: SECRET, JIRA_SERVICE_DESK_ID: SERVICE_DESK_ID });
    const deps = (env: Record<string, string>) => ({ config: loadConfig(env), source: env, redis, log: createLogger('silent'), localDeskUrl: 'http://127.0.0.1:9/desk' });

    it('registers the adapter as /webhooks/jira and refuses a watch label that differs from the policy', async () => {
      const systems = await createTicketSystems(deps(source()));
      expect([...systems.keys()]).toEqual(['jira']);
      expect(await systems.get('jira')?.listWatchedTickets()).toEqual([]);
      await systems.get('jira')?.close?.();
      const err = await createTicketSystems(deps({ ...source(), JIRA_WATCH_LABEL: 'mfa' })).catch((e: unknown) => e);
      expect((err as ConfigError).variable).toBe('JIRA_WATCH_LABEL');
    });
  });

  describe('reading', () => {
    it('reads a request with its reporter as the site records them, and its transitions, in one request (and the reporter’s locale once)', async () => {
      const t = await request();
      const before = fake.requests.length;
      const snap = await jira.getTicket(t.key);
      expect(snap).toMatchObject({
        system: 'jira',
        id: t.key,
        subject: 'My 2FA code does not work',
        // "Waiting for support", JIRA_STATUS_OPEN
        status: 'open',
        tags: ['2fa_issue'],
        requester: { id: t.reporterId, email: 'alice.archer@example.com', name: 'Alice Archer' },
      });
      // Jira writes "…+0100": the stamp is the issue's own, to the millisecond
      expect(snap.updatedAt).toBe(t.updated);
      const reqs = fake.requests.slice(before);
      // the reporter's locale is on their user record only, read the first time this process sees them
      expect(reqs.map((r) => `${r.method} ${r.path}`)).toEqual([`GET /rest/api/3/issue/${t.key}`, 'GET /rest/api/3/user']);
      const again = fake.requests.length;
      await jira.getTicket(t.key);
      expect(fake.requests.slice(again).map((r) => `${r.method} ${r.path}`)).toEqual([`GET /rest/api/3/issue/${t.key}`]);
      expect(reqs[0]?.query).toMatchObject({ expand: 'transitions' });
    });

    it("takes the email from JSM when the profile hides it, never from what the requester wrote", async () => {
      const t = await request(['2fa_issue'], { hideEmail: true });
      const snap = await jira.getTicket(t.key);
      expect(snap.requester.email).toBe('alice.archer@example.com');
      // the description (what the requester wrote) rides along for its language only, never as the requester
      expect(JSON.stringify(snap.requester)).not.toContain('alice@corp.example');
      expect(fake.requests.some((r) => r.path === `/rest/servicedeskapi/request/${t.key}`)).toBe(true);
    });

    it('tells the requester, a participant, an agent (public and internal), the bot and the bot account without its marker apart', async () => {
      const t = await request();
      await fake.addComment(t.key, { authorId: t.reporterId, body: 'codes: 123456 654321' });
      fake.addParticipant(t.key, participant.accountId);
      await fake.addComment(t.key, { authorId: participant.accountId, body: 'same for me' });
      await fake.addComment(t.key, { authorId: agent.accountId, body: 'looking', public: false });
      await fake.addComment(t.key, { authorId: agent.accountId, body: 'we are on it', public: true });
      await jira.applyUpdate(t.key, update({ publicReply: 'Please send two codes.' }), 'k1');
      await fake.addComment(t.key, { authorId: fake.bot.accountId, body: 'typed by a person signed in as the bot' });
      const comments = await jira.listComments(t.key);
      expect(comments.map((c) => [c.authorRole, c.public])).toEqual([
        ['requester', true],
        ['end-user', true],
        ['agent', false],
        ['agent', true],
        ['bot', true],
        ['agent', true],
      ]);
      const reply = await jira.getComment(t.key, comments[0]?.id ?? '');
      expect(reply.body).toBe('codes: 123456 654321');
      await expect(jira.getComment(t.key, '999999')).rejects.toBeInstanceOf(TicketNotFound);
    });

    it('follows the JSM comment pages, which hold fewer than asked for', async () => {
      const t = await request();
      for (let i = 0; i < 120; i++) await fake.addComment(t.key, { authorId: t.reporterId, body: `reply ${i}` });
      const comments = await jira.listComments(t.key);
      expect(comments).toHaveLength(120);
      expect(comments.at(-1)?.body).toBe('reply 119');
      const pages = fake.requests.filter((r) => r.path === `/rest/servicedeskapi/request/${t.key}/comment`);
      expect(pages.map((p) => p.query.start)).toEqual(['0', '50', '100']);
    });

    it('lists the open watched requests of the service desk with JQL (no time clause), following nextPageToken', async () => {
      const listed: string[] = [];
      for (let i = 0; i < 3; i++) listed.push((await request()).key);
      await request(['printer']);
      const done = await request();
      await fake.changeIssue(done.key, { actorId: agent.accountId, toStatus: 'Resolved' });
      for (let i = 0; i < 100; i++) listed.push((await request()).key);
      const found = await jira.listWatchedTickets();
      expect(found.map((f) => f.id).sort()).toEqual(listed.sort());
      const searches = fake.requests.filter((r) => r.path === '/rest/api/3/search/jql');
      expect(searches).toHaveLength(2);
      expect((searches[0]?.body as { jql: string }).jql).toBe('project = "ITS" AND labels = "2fa_issue" AND statusCategory != Done');
      expect((searches[1]?.body as { nextPageToken?: string }).nextPageToken).toBeTruthy();
      expect(found.find((f) => f.id === listed[0])?.updatedAt).toBe(fake.issues.get(listed[0] ?? '')?.updated);
    });

    it('describes a request for the poller: tagged, then every comment but the bot\'s', async () => {
      const t = await request();
      await jira.applyUpdate(t.key, update({ publicReply: 'Please send two codes.', status: 'pending' }), 'k1');
      const c = await fake.addComment(t.key, { authorId: t.reporterId, body: '123456 654321' });
      const events = await jira.eventsFromTicket(t.key, 1000);
      expect(events.map((e) => e.id)).toEqual([`jira:${t.key}:tagged`, `jira:${t.key}:comment:${c.id}`]);
      expect(events[0]).toMatchObject({ past: { botCommented: true } });
      expect(JSON.stringify(events)).not.toContain('654321');
    });

    it('maps 404 to TicketNotFound, bad credentials to TicketingAuthFailed, and takes an OAuth bearer token', async () => {
      await expect(jira.getTicket('ITS-4242')).rejects.toBeInstanceOf(TicketNotFound);
      const wrong = new JiraAdapter({ config: jiraTestConfig(fake, { credentials: { kind: 'token', email: EMAIL, token: 'wrong' } }), redis, prefix });
      await expect(wrong.listWatchedTickets()).rejects.toBeInstanceOf(TicketingAuthFailed);
      await wrong.close();
      const oauthFake = await startFakeJira({ oauthToken: 'oauth-token-abcdef' });
      const oauth = new JiraAdapter({ config: jiraTestConfig(oauthFake, { credentials: { kind: 'oauth', token: 'oauth-token-abcdef' } }), redis, prefix: `${prefix}-o` });
      expect(await oauth.listWatchedTickets()).toEqual([]);
      await oauth.close();
      await oauthFake.close();
    });

    it('throws a typed error naming the field when an answer has an unexpected shape', async () => {
      const t = await request();
      fake.injectAnswer({ method: 'GET', path: `/issue/${t.key}`, times: 1, status: 200, body: { id: t.id, key: t.key, fields: { summary: 'x', labels: 'not-a-list' } } });
      const err = await jira.getTicket(t.key).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(JiraResponseInvalid);
      expect((err as JiraResponseInvalid).field).toBe('fields.status');
      fake.injectAnswer({ path: '/comment', times: 1, status: 200, body: { start: 0, limit: 50, isLastPage: true, values: [{ id: '1', body: 'x', author: { accountId: 'a' }, created: { epochMillis: 1 } }] } });
      const err2 = await jira.listComments(t.key).catch((e: unknown) => e);
      expect((err2 as JiraResponseInvalid).field).toBe('values.0.public');
      expect((err2 as JiraResponseInvalid).reason).toContain('"values.0.public"');
    });

    it('refuses a request without a reporter with a typed error an agent can act on', async () => {
      const t = await request();
      fake.injectAnswer({ method: 'GET', path: `/issue/${t.key}`, times: 1, status: 200, body: { id: t.id, key: t.key, fields: { summary: 's', status: { id: '10001', name: 'Waiting for support', statusCategory: { key: 'new' } }, labels: ['2fa_issue'], reporter: null, project: { id: '1', key: 'ITS' }, created: '2026-12-03T10:00:00.000+0100', updated: '2026-12-03T10:00:00.000+0100' } } });
      const err = await jira.getTicket(t.key).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(JiraRequestWithoutReporter);
      expect((err as JiraRequestWithoutReporter).retryable).toBe(false);
    });
  });

  describe('writing', () => {
    it('posts the note as internal and the reply as public JSM comments, each marked, with wiki markup escaped', async () => {
      const t = await request();
      await jira.applyUpdate(t.key, update({ internalNote: 'Requester “[click|http://evil.example]” {code}x{code}', publicReply: 'Please send two codes!' }), 'step-1');
      const posts = fake.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/comment')).map((r) => r.body as { body: string; public: boolean });
      expect(posts.map((p) => p.public)).toEqual([false, true]);
      expect(posts[0]?.body).toContain('\\[click|http://evil.example\\]');
      expect(posts[0]?.body).toContain('\\{code\\}');
      expect(posts[1]?.body).toMatch(/^Please send two codes!\n\n\(twofa-desk ref [0-9a-f]{16} mid\)$/);
      expect(fake.comments.get(t.key)?.every((c) => c.authorId === fake.bot.accountId && hasMarker(c.body))).toBe(true);
    });

    it('changes the status through the transition Jira offers (never a fixed id), and labels and assignee in one edit', async () => {
      const t = await request();
      await jira.applyUpdate(t.key, update({ publicReply: 'Escalated.', status: 'pending', addTags: ['2fa_bot_escalated'], removeTags: ['2fa_waiting'], escalate: true }), 's1');
      const noAssignee = fake.requests.find((r) => r.method === 'PUT');
      expect(noAssignee?.body).toEqual({ update: { labels: [{ add: '2fa_bot_escalated' }, { remove: '2fa_waiting' }] } });
      const posted = fake.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/transitions'));
      expect(posted.map((r) => r.body)).toEqual([{ transition: { id: fake.transitionIdTo('Waiting for support', 'Waiting for customer') } }]);
      expect(fake.transitionIdTo('Waiting for support', 'Waiting for customer')).toBe('768');
      expect(fake.statusName(fake.issues.get(t.key) ?? t)).toBe('Waiting for customer');
      // the transitions came with the issue read: no separate GET
      expect(fake.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/transitions'))).toEqual([]);

      const assigned = new JiraAdapter({ config: jiraTestConfig(fake, { escalationAssignee: agent.accountId }), redis, prefix, retryBaseDelayMs: 10 });
      await assigned.applyUpdate(t.key, update({ status: 'open', escalate: true }), 's2');
      await assigned.close();
      expect(fake.issues.get(t.key)?.assigneeId).toBe(agent.accountId);
      expect(fake.statusName(fake.issues.get(t.key) ?? t)).toBe('Waiting for support');
    });

    it('reuses the transitions it saw for the same workflow and status, and reads again when Jira refuses', async () => {
      const a = await request();
      const b = await request();
      const c = await request();
      await jira.getTicket(a.key);
      await jira.getTicket(b.key);
      await jira.getTicket(c.key);
      const before = fake.requests.length;
      await jira.applyUpdate(a.key, update({ status: 'pending' }), 'a1');
      await jira.applyUpdate(b.key, update({ status: 'pending' }), 'b1');
      expect(fake.requests.slice(before).map((r) => `${r.method} ${r.path}`)).toEqual([`POST /rest/api/3/issue/${a.key}/transitions`, `POST /rest/api/3/issue/${b.key}/transitions`]);
      // an agent moves c without the bot seeing it: the cached choice is refused, the issue is read, the right one taken
      await fake.changeIssue(c.key, { actorId: agent.accountId, toStatus: 'In Progress' });
      const mark = fake.requests.length;
      await jira.applyUpdate(c.key, update({ status: 'pending' }), 'c1');
      expect(fake.requests.slice(mark).map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
        `POST /rest/api/3/issue/${c.key}/transitions 400`,
        `GET /rest/api/3/issue/${c.key} 200`,
        `POST /rest/api/3/issue/${c.key}/transitions 204`,
      ]);
      expect((fake.requests.at(-1)?.body as { transition: { id: string } }).transition.id).toBe(fake.transitionIdTo('In Progress', 'Waiting for customer'));
      expect(fake.statusName(fake.issues.get(c.key) ?? c)).toBe('Waiting for customer');
    });

    it('does nothing when the request already has the status, and names the variable when no transition leads there', async () => {
      const t = await request();
      await jira.applyUpdate(t.key, update({ status: 'open' }), 'x1');
      expect(fake.requests.filter((r) => r.path.endsWith('/transitions'))).toEqual([]);
      await fake.changeIssue(t.key, { actorId: agent.accountId, toStatus: 'Resolved' });
      await fake.changeIssue(t.key, { actorId: agent.accountId, toStatus: 'Closed' });
      const named = new JiraAdapter({ config: jiraTestConfig(fake, { statusNames: { pending: 'Awaiting reply', open: 'Waiting for support', solved: 'Resolved' } }), redis, prefix });
      const err = await named.applyUpdate(t.key, update({ status: 'pending' }), 'x2').catch((e: unknown) => e);
      await named.close();
      expect(err).toBeInstanceOf(JiraTransitionUnavailable);
      expect((err as JiraTransitionUnavailable).reason).toMatch(/JIRA_STATUS_PENDING/);
      expect((err as JiraTransitionUnavailable).retryable).toBe(false);
    });

    it('does not post a step twice when it is applied again, by this worker or another', async () => {
      const t = await request();
      const step = update({ internalNote: 'Located alice.', publicReply: 'Please send two codes.', status: 'pending', addTags: ['2fa_bot'] });
      await jira.applyUpdate(t.key, step, 'step-3');
      await jira.applyUpdate(t.key, step, 'step-3');
      const other = new JiraAdapter({ config: jiraTestConfig(fake), redis, prefix });
      await other.applyUpdate(t.key, step, 'step-3');
      await other.close();
      const bot = fake.comments.get(t.key)?.filter((c) => c.authorId === fake.bot.accountId) ?? [];
      expect(bot.map((c) => c.public)).toEqual([false, true]);
      expect(fake.issues.get(t.key)?.labels).toEqual(['2fa_issue', '2fa_bot']);
      expect(fake.statusName(fake.issues.get(t.key) ?? t)).toBe('Waiting for customer');
    });

    it('posts the comment on a retry when the first try did not reach Jira, and not when it did', async () => {
      const t = await request();
      fake.injectAnswer({ method: 'POST', path: `/request/${t.key}/comment`, times: 1, status: 500, body: { errorMessage: 'boom' } });
      await expect(jira.applyUpdate(t.key, update({ publicReply: 'Please send two codes.' }), 'step-4')).rejects.toMatchObject({ name: 'TicketSystemUnavailable' });
      await jira.applyUpdate(t.key, update({ publicReply: 'Please send two codes.' }), 'step-4');
      expect(fake.comments.get(t.key)?.filter((c) => c.authorId === fake.bot.accountId)).toHaveLength(1);
    });
  });

  describe('twofa-desk jira check', () => {
    async function check(env: Record<string, string>, args = ['check']) {
      const out: string[] = [];
      const code = await jiraCheck({ args, env, out: (l) => out.push(l), err: (l) => out.push(l) });
      return { code, out };
    }
    const envOf = (over: Record<string, string> = {}) => ({ JIRA_BASE_URL: fake.url, JIRA_EMAIL: EMAIL, JIRA_API_TOKEN: TOKEN, JIRA_WEBHOOK_SECRET: SECRET, JIRA_SERVICE_DESK_ID: SERVICE_DESK_ID, JIRA_ESCALATION_ASSIGNEE: agent.accountId, ...over });

    it('passes with working credentials, service desk, search, assignee and secret, without printing a secret', async () => {
      await request();
      const { code, out } = await check(envOf());
      expect(code).toBe(0);
      const text = out.join('\n');
      expect(out.filter((l) => l.startsWith('✓'))).toHaveLength(5);
      expect(text).toContain('1 open request(s) labelled "2fa_issue"');
      expect(text).toContain('JIRA_STATUS_PENDING="Waiting for customer" reachable');
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(SECRET);
    });

    it('fails naming what is wrong', async () => {
      const badToken = await check(envOf({ JIRA_API_TOKEN: 'not-the-token' }));
      expect(badToken.code).toBe(1);
      expect(badToken.out.join('\n')).toMatch(/✗ credentials: check the jira API credentials/);
      const customer = await check(envOf({ JIRA_ESCALATION_ASSIGNEE: participant.accountId }));
      expect(customer.code).toBe(1);
      expect(customer.out.join('\n')).toMatch(/✗ JIRA_ESCALATION_ASSIGNEE .* customer account/);
      const desk = await check(envOf({ JIRA_SERVICE_DESK_ID: '99' }));
      expect(desk.out.join('\n')).toMatch(/✗ JIRA_SERVICE_DESK_ID 99/);
      const noSecret = await check({ ...envOf(), JIRA_WEBHOOK_SECRET: '' });
      expect(noSecret.out[0]).toMatch(/^✗ JIRA_WEBHOOK_SECRET/);
      await expect(check(envOf(), ['verify'])).rejects.toThrow(/unknown arguments/);
    });
  });
});
