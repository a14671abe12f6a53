import { Redis } from 'ioredis';
import type { WebhookRequest } from '../../integrations/ticketing/ticket-system.js';
import { ZendeskAdapter } from '../../integrations/ticketing/zendesk/adapter.js';
import type { ZendeskConfig } from '../../integrations/ticketing/zendesk/config.js';
import { signAsZendesk, startFakeZendesk, type Delivery } from './fake-zendesk.js';
import { deletePrefix, freshPrefix, testRedisUrl } from './redis.js';
import type { ContractDesk, DeskTraits } from './ticket-system-contract.js';

const SECRET = 'zendesk-webhook-signing-secret-for-contract';
const TOKEN = 'api-token-contract-0123456789';
const EMAIL = 'twofa-bot@acme.example';
const WATCH = '2fa_issue';
/** connection refused at once: the fake keeps every delivery, and the harness hands them over as the intake would */
const NOWHERE = 'http://127.0.0.1:9/webhooks/zendesk';

/**
 * Zendesk differs from the embedded desk in one place the contract parameterises: the ticket's description is its
 * first comment (GET /api/v2/tickets/{id}/comments lists it), by the requester.
 */
export const ZENDESK_TRAITS: DeskTraits = {
  webhooks: true,
  externalIds: true,
  writeFaults: ['unreachable', 'status500', 'rateLimited', 'appliedThenLost'],
  descriptionIsComment: true,
};

/** The Zendesk adapter against the fake Zendesk account (real HTTP, real Redis for its limiter and attempt records). */
export async function startZendeskContractDesk(): Promise<ContractDesk> {
  const fake = await startFakeZendesk({ apiToken: TOKEN, agentEmail: EMAIL, webhookSecret: SECRET, webhookUrl: NOWHERE });
  const group = fake.addGroup('Service Desk L2');
  const tenantGroup = fake.addGroup('Acme L2');
  const agent = fake.addUser({ name: 'Agnes Agent', email: 'agnes@acme.example', role: 'agent' });
  const redis = new Redis(testRedisUrl());
  const prefix = freshPrefix('contract-zd');
  const config: ZendeskConfig = {
    baseUrl: fake.url,
    credentials: { kind: 'token', email: EMAIL, token: TOKEN },
    webhookSecret: SECRET,
    watchTag: WATCH,
    escalationGroupId: String(group.id),
    pollIntervalS: 60,
    rateLimitPerMin: 1000,
    timeoutMs: 2000,
    retries: 3,
  };
  const system = new ZendeskAdapter({ config, redis, prefix, retryBaseDelayMs: 10 });

  function ticketOf(ticketId: string) {
    const t = fake.tickets.get(Number(ticketId));
    if (!t) throw new Error(`the fake has no ticket ${ticketId}`);
    return t;
  }

  /** The last webhook the account sent about the ticket, once every change so far has been sent. */
  async function lastDelivery(ticketId: string): Promise<Delivery> {
    await fake.settle();
    const d = fake.deliveries.filter((x) => (JSON.parse(x.body) as { subject?: string }).subject === `zen:ticket:${ticketId}`).at(-1);
    if (!d) throw new Error(`the fake sent no webhook for ticket ${ticketId}`);
    return d;
  }

  const asRequest = (d: Delivery, headers: Record<string, string> = {}): WebhookRequest => ({ headers: { ...d.headers, ...headers }, rawBody: Buffer.from(d.body, 'utf8') });

  return {
    system,
    botAuthorId: String(fake.botId),
    tenantEscalationTarget: String(tenantGroup.id),
    async createTicket(o) {
      const t = await fake.createTicket({ subject: o.subject, description: o.body, requester: o.requester, tags: o.watched ? [WATCH] : ['printer'] });
      return String(t.id);
    },
    async requesterReply(ticketId, text) {
      await fake.addComment(Number(ticketId), { authorId: ticketOf(ticketId).requester_id, body: text });
    },
    async agentComment(ticketId, text, isPublic) {
      await fake.addComment(Number(ticketId), { authorId: agent.id, body: text, public: isPublic });
    },
    async view(ticketId) {
      const t = ticketOf(ticketId);
      return {
        status: t.status,
        endMarkers: [...t.tags],
        comments: (fake.comments.get(t.id) ?? []).map((c) => ({ public: c.public, body: c.body, byBot: c.author_id === fake.botId })),
        escalated: t.group_id === group.id,
        inTenantTarget: t.group_id === tenantGroup.id,
      };
    },
    async setRequesterExternalId(email, externalId) {
      const user = [...fake.users.values()].find((u) => u.email?.toLowerCase() === email.toLowerCase());
      if (!user) throw new Error(`the fake has no user ${email}`);
      // what an admin (or the SSO / directory sync) sets on the user: the field Zendesk vouches for
      user.external_id = externalId;
    },
    async signedNotification(ticketId) {
      return asRequest(await lastDelivery(ticketId));
    },
    async forgedNotification(ticketId) {
      const d = await lastDelivery(ticketId);
      const timestamp = d.headers['x-zendesk-webhook-signature-timestamp'] ?? new Date().toISOString();
      return asRequest(d, { 'x-zendesk-webhook-signature': signAsZendesk('not-the-webhook-signing-secret', timestamp, d.body) });
    },
    failNextWrite: (kind) => fake.failNextWrite(kind),
    writeFaultPending: () => fake.writeFaultPending(),
    async close() {
      await system.close();
      await fake.close();
      await deletePrefix(redis, prefix);
      await redis.quit();
    },
  };
}
