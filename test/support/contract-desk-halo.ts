import { Redis } from 'ioredis';
import type { WebhookRequest } from '../../integrations/ticketing/ticket-system.js';
import { HaloAdapter } from '../../integrations/ticketing/halo/adapter.js';
import type { HaloConfig } from '../../integrations/ticketing/halo/config.js';
import { botTagChanges, noteText } from '../../integrations/ticketing/halo/action-text.js';
import { StatusMap } from '../../integrations/ticketing/halo/status-map.js';
import { hasMarker } from '../../integrations/ticketing/comment-marker.js';
import { startFakeHalo, type Delivery, type FakeHalo } from './fake-halo.js';
import { deletePrefix, freshPrefix, testRedisUrl } from './redis.js';
import type { ContractDesk, DeskTraits } from './ticket-system-contract.js';

export const HALO_WEBHOOK_SECRET = 'halo-webhook-secret-for-the-contract-0123456789';
export const HALO_CLIENT = { clientId: 'twofa-desk-contract', clientSecret: 'halo-contract-client-secret' };
const WATCH = '2fa_issue';
/** the ticket type that hands a ticket to the bot, and one it does not watch */
export const HALO_WATCH_TYPE = 25;
const OTHER_TYPE = 1;
const ESCALATION_TEAM = 'Service Desk L2';
const TENANT_TEAM = 'Acme L2';
/** connection refused at once: the fake keeps every webhook, and the harness hands them over as the intake would */
const NOWHERE = 'http://127.0.0.1:9/webhooks/halo';

/**
 * Halo keeps the ticket's details in a field (a new ticket has no action here), sends webhooks with Basic
 * authentication, and keeps no external id / login the adapter reads on its users (the e-mail is the identity):
 * externalIds false. All four write faults.
 */
export const HALO_TRAITS: DeskTraits = {
  webhooks: true,
  externalIds: false,
  writeFaults: ['unreachable', 'status500', 'rateLimited', 'appliedThenLost'],
  descriptionIsComment: false,
  roundEnds: true,
};

export function haloContractConfig(fake: FakeHalo, over: Partial<HaloConfig> = {}): HaloConfig {
  return {
    baseUrl: fake.url,
    authUrl: fake.authUrl,
    clientId: HALO_CLIENT.clientId,
    clientSecret: HALO_CLIENT.clientSecret,
    scope: 'all',
    watchTicketTypeId: HALO_WATCH_TYPE,
    watchTag: WATCH,
    webhookUser: 'twofa-desk',
    webhookSecret: HALO_WEBHOOK_SECRET,
    escalationTeam: ESCALATION_TEAM,
    pollIntervalS: 60,
    pollLookbackDays: 30,
    rateLimitPerMin: 1000,
    timeoutMs: 2000,
    retries: 3,
    ...over,
  };
}

/** The Halo adapter against the fake tenant (real HTTP, real Redis for its limiter and attempt records). */
export async function startHaloContractDesk(): Promise<ContractDesk> {
  const fake = await startFakeHalo({ ...HALO_CLIENT, webhook: { url: NOWHERE, user: 'twofa-desk', password: HALO_WEBHOOK_SECRET } });
  const agent = fake.addAgent('Agnes Agent');
  fake.teams.push({ id: fake.teams.length + 1, name: TENANT_TEAM });
  const redis = new Redis(testRedisUrl());
  const prefix = freshPrefix('contract-halo');
  const system = new HaloAdapter({ config: haloContractConfig(fake), redis, prefix, retryBaseDelayMs: 10 });
  // the fake's own statuses, read as an admin would read them, to map them for the view
  const statuses = new StatusMap(fake.statuses);

  function ticketOf(ticketId: string) {
    const t = fake.tickets.get(Number(ticketId));
    if (!t) throw new Error(`the fake has no ticket ${ticketId}`);
    return t;
  }

  /** The last webhook Halo sent about the ticket, once every change so far has been sent. */
  async function lastDelivery(ticketId: string): Promise<Delivery> {
    await fake.settle();
    const d = fake.deliveries.filter((x) => (JSON.parse(x.body) as { object_id?: number }).object_id === Number(ticketId)).at(-1);
    if (!d) throw new Error(`the fake sent no webhook for ticket ${ticketId}`);
    return d;
  }

  const asRequest = (d: Delivery, headers: Record<string, string> = {}): WebhookRequest => ({ headers: { ...d.headers, ...headers }, rawBody: Buffer.from(d.body, 'utf8') });

  return {
    system,
    botAuthorId: `agent:${fake.bot.id}`,
    tenantEscalationTarget: TENANT_TEAM,
    async createTicket(o) {
      const t = fake.createTicket({ user: o.requester, summary: o.subject, details: o.body, tickettype_id: o.watched ? HALO_WATCH_TYPE : OTHER_TYPE });
      return String(t.id);
    },
    async requesterReply(ticketId, text) {
      fake.addAction(ticketOf(ticketId).id, { by: 'user', note: text });
    },
    async agentComment(ticketId, text, isPublic) {
      fake.addAction(ticketOf(ticketId).id, { by: { agentId: agent.id, name: agent.name }, note: text, hidden: !isPublic });
    },
    async view(ticketId) {
      const t = ticketOf(ticketId);
      const actions = fake.actionsOf(t.id).filter((a) => a.note !== '');
      const byBot = (a: (typeof actions)[number]) => a.who_agentid === fake.bot.id && hasMarker(a.note);
      // the markers the ticket shows: the tag lines of the bot's actions, folded oldest first
      const markers = new Set<string>();
      for (const a of actions.filter(byBot)) {
        const { added, removed } = botTagChanges(noteText(a.note));
        for (const x of added) markers.add(x);
        for (const x of removed) markers.delete(x);
      }
      return {
        status: statuses.toStatus(t.status_id),
        endMarkers: [...markers],
        comments: actions.map((a) => ({ public: !a.hiddenfromuser, body: a.note, byBot: byBot(a) })),
        escalated: t.team === ESCALATION_TEAM,
        inTenantTarget: t.team === TENANT_TEAM,
      };
    },
    async signedNotification(ticketId) {
      return asRequest(await lastDelivery(ticketId));
    },
    async forgedNotification(ticketId) {
      const d = await lastDelivery(ticketId);
      return asRequest(d, { authorization: `Basic ${Buffer.from('twofa-desk:not-the-webhook-password-of-this-tenant-0000').toString('base64')}` });
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
