import { Redis } from 'ioredis';
import { LocalDeskAdapter } from '../../integrations/ticketing/local/adapter.js';
import { DeskClient } from '../../integrations/ticketing/local/client.js';
import { BOT_AUTHOR_ID, WebhookPayloadSchema } from '../../integrations/ticketing/local/schemas.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signDeskWebhook } from '../../integrations/ticketing/local/webhook-signature.js';
import type { WebhookRequest } from '../../integrations/ticketing/ticket-system.js';
import { TEST_WEBHOOK_SECRET, deleteKeys, startLocalDesk, startWebhookReceiver, testPrefix } from './local-desk.js';
import { testRedisUrl } from './redis.js';
import type { ContractDesk, DeskTraits } from './ticket-system-contract.js';

const WATCH = '2fa_issue';
const ESCALATION_GROUP = 'Service Desk L2';
const TENANT_GROUP = 'Acme L2';
const AGENT_ID = 'agent-ann';

/** The embedded desk has every capability: signed webhooks, external ids on its users, and a Fastify server to fault. */
export const LOCAL_DESK_TRAITS: DeskTraits = {
  webhooks: true,
  externalIds: true,
  writeFaults: ['unreachable', 'status500', 'rateLimited', 'appliedThenLost'],
  descriptionIsComment: false,
};

/**
 * The embedded desk on a real HTTP server (fresh Redis prefix), its webhooks caught by a real receiver, and the
 * adapter as the app configures it. The harness acts as end users and agents through the desk's own API.
 */
export async function startLocalContractDesk(): Promise<ContractDesk> {
  const redis = new Redis(testRedisUrl());
  const prefix = testPrefix('contract-local');
  const receiver = await startWebhookReceiver();
  const desk = await startLocalDesk({ redis, prefix, webhookUrl: receiver.url, escalationGroup: ESCALATION_GROUP });
  const client = new DeskClient({ baseUrl: desk.url, retries: 0 });
  const system = new LocalDeskAdapter({ baseUrl: desk.url, webhookSecret: TEST_WEBHOOK_SECRET, watchTag: WATCH, retries: 2, retryBaseDelayMs: 10 });

  /** The last webhook the desk sent about the ticket, once every change so far has been sent. */
  async function lastNotification(ticketId: string): Promise<WebhookRequest> {
    await desk.notifier?.idle();
    const hook = receiver.received.filter((w) => WebhookPayloadSchema.parse(JSON.parse(w.rawBody.toString('utf8'))).ticketId === ticketId).at(-1);
    if (!hook) throw new Error(`the desk sent no webhook for ticket ${ticketId}`);
    return { headers: { ...hook.headers }, rawBody: Buffer.from(hook.rawBody) };
  }

  return {
    system,
    botAuthorId: BOT_AUTHOR_ID,
    tenantEscalationTarget: TENANT_GROUP,
    async createTicket(o) {
      const ticket = await client.createTicket({ subject: o.subject, description: o.body, requester: o.requester, tags: o.watched ? [WATCH] : ['printer'] });
      return ticket.id;
    },
    async requesterReply(ticketId, text) {
      await client.addComment(ticketId, { as: 'requester', body: text });
    },
    async agentComment(ticketId, text, isPublic) {
      await client.addComment(ticketId, { as: 'agent', authorId: AGENT_ID, body: text, public: isPublic });
    },
    async view(ticketId) {
      const t = await client.getTicket(ticketId);
      return {
        status: t.status,
        endMarkers: t.tags,
        comments: t.comments.map((c) => ({ public: c.public, body: c.body, byBot: c.authorRole === 'bot' })),
        escalated: t.assigneeGroup === ESCALATION_GROUP,
        inTenantTarget: t.assigneeGroup === TENANT_GROUP,
      };
    },
    async setRequesterExternalId(email, externalId) {
      await client.setUser({ email, externalId });
    },
    signedNotification: lastNotification,
    async forgedNotification(ticketId) {
      const hook = await lastNotification(ticketId);
      const timestamp = String(Date.now());
      return { headers: { ...hook.headers, [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: signDeskWebhook('not-the-shared-webhook-secret', timestamp, hook.rawBody) }, rawBody: hook.rawBody };
    },
    failNextWrite: (kind) => desk.failNextWrite(kind),
    writeFaultPending: () => desk.writeFaultPending(),
    async close() {
      await system.close();
      client.close();
      await desk.close();
      await receiver.close();
      await deleteKeys(redis, prefix);
      await redis.quit();
    },
  };
}
