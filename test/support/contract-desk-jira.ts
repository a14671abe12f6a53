import { Redis } from 'ioredis';
import { JiraAdapter } from '../../integrations/ticketing/jira/adapter.js';
import { ticketStatusOf } from '../../integrations/ticketing/jira/status-map.js';
import type { WebhookRequest } from '../../integrations/ticketing/ticket-system.js';
import { jiraTestConfig, signAsJiraWebhook, startFakeJira, type Delivery } from './fake-jira.js';
import { deletePrefix, freshPrefix, testRedisUrl } from './redis.js';
import type { ContractDesk, DeskTraits } from './ticket-system-contract.js';

const WATCH = '2fa_issue';
/** connection refused at once: the fake keeps every delivery, and the harness hands them over as the intake would */
const NOWHERE = 'http://127.0.0.1:9/webhooks/jira';

/**
 * Jira Service Management: the description is a field, not a comment; Atlassian accounts carry no external id an
 * admin sets (the requester is the reporter's account and its email), so that test is skipped with its reason.
 */
export const JIRA_TRAITS: DeskTraits = {
  webhooks: true,
  externalIds: false,
  writeFaults: ['unreachable', 'status500', 'rateLimited', 'appliedThenLost'],
  descriptionIsComment: false,
  roundEnds: true,
};

/** The Jira adapter against the fake JSM site (real HTTP, real Redis for its limiter and attempt records). */
export async function startJiraContractDesk(): Promise<ContractDesk> {
  const config0 = jiraTestConfig({ url: '' });
  const fake = await startFakeJira({ apiToken: config0.credentials.kind === 'token' ? config0.credentials.token : '', email: 'twofa-bot@acme.example', webhookSecret: config0.webhookSecret, webhookUrl: NOWHERE, transitionIdOffset: 5 });
  const agent = fake.addUser({ displayName: 'Agnes Agent', email: 'agnes@acme.example', accountType: 'atlassian' });
  const escalation = fake.addUser({ displayName: 'Service Desk L2', email: 'l2@acme.example', accountType: 'atlassian' });
  const tenantAssignee = fake.addUser({ displayName: 'Acme L2', email: 'acme-l2@acme.example', accountType: 'atlassian' });
  const redis = new Redis(testRedisUrl());
  const prefix = freshPrefix('contract-jira');
  const config = jiraTestConfig(fake, { escalationAssignee: escalation.accountId });
  const system = new JiraAdapter({ config, redis, prefix, retryBaseDelayMs: 10 });

  function issueOf(key: string) {
    const t = fake.issues.get(key);
    if (!t) throw new Error(`the fake has no issue ${key}`);
    return t;
  }

  /** The last webhook the site sent about the issue, once every change so far has been sent. */
  async function lastDelivery(key: string): Promise<Delivery> {
    await fake.settle();
    const d = fake.deliveries.filter((x) => (JSON.parse(x.body) as { issue?: { key?: string } }).issue?.key === key).at(-1);
    if (!d) throw new Error(`the fake sent no webhook for ${key}`);
    return d;
  }

  const asRequest = (d: Delivery, headers: Record<string, string> = {}): WebhookRequest => ({ headers: { ...d.headers, ...headers }, rawBody: Buffer.from(d.body, 'utf8') });

  return {
    system,
    botAuthorId: fake.bot.accountId,
    tenantEscalationTarget: tenantAssignee.accountId,
    async createTicket(o) {
      const t = await fake.createRequest({ summary: o.subject, description: o.body, reporter: o.requester, labels: o.watched ? [WATCH] : ['printer'] });
      return t.key;
    },
    async requesterReply(key, text) {
      await fake.addComment(key, { authorId: issueOf(key).reporterId, body: text });
    },
    async agentComment(key, text, isPublic) {
      await fake.addComment(key, { authorId: agent.accountId, body: text, public: isPublic });
    },
    async view(key) {
      const t = issueOf(key);
      const status = { id: t.statusId, name: fake.statusName(t), statusCategory: { key: fake.statusCategory(t) } };
      return {
        status: ticketStatusOf(status, config.statusNames),
        endMarkers: [...t.labels],
        comments: (fake.comments.get(key) ?? []).map((c) => ({ public: c.public, body: c.body, byBot: c.authorId === fake.bot.accountId })),
        escalated: t.assigneeId === escalation.accountId,
        inTenantTarget: t.assigneeId === tenantAssignee.accountId,
      };
    },
    async signedNotification(key) {
      return asRequest(await lastDelivery(key));
    },
    async forgedNotification(key) {
      const d = await lastDelivery(key);
      return asRequest(d, { 'x-hub-signature': signAsJiraWebhook('not-the-webhook-secret-at-all', d.body) });
    },
    failNextWrite: (kind) => fake.failNextWrite(kind),
    writeFaultPending: () => fake.writeFaultPending(),
    unknownIds: { ticket: 'ITS-987654321', comment: '987654321' },
    async close() {
      await system.close();
      await fake.close();
      await deletePrefix(redis, prefix);
      await redis.quit();
    },
  };
}
