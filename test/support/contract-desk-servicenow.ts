import { Redis } from 'ioredis';
import type { WebhookRequest } from '../../integrations/ticketing/ticket-system.js';
import { ServiceNowAdapter } from '../../integrations/ticketing/servicenow/adapter.js';
import type { ServiceNowConfig } from '../../integrations/ticketing/servicenow/config.js';
import { botTagChanges, hasMarker } from '../../integrations/ticketing/servicenow/journal-marks.js';
import { StateChoices } from '../../integrations/ticketing/servicenow/state-choices.js';
import { signAsServiceNow, startFakeServiceNow, type Delivery } from './fake-servicenow.js';
import { deletePrefix, freshPrefix, testRedisUrl } from './redis.js';
import type { ContractDesk, DeskTraits } from './ticket-system-contract.js';

const SECRET = 'servicenow-webhook-secret-for-the-contract-0123';
const PASSWORD = 'servicenow-contract-bot-password';
const WATCH = '2fa_issue';
const CATEGORY = 'two_factor';
/** connection refused at once: the fake keeps every notification, and the harness hands them over as the intake would */
const NOWHERE = 'http://127.0.0.1:9/webhooks/servicenow';

/**
 * ServiceNow keeps the incident's description in a field (not in the journal), sends signed notifications (the
 * README's Business Rule), and keeps a User ID (user_name) on its users: the strict defaults, all four write faults.
 */
export const SERVICENOW_TRAITS: DeskTraits = {
  webhooks: true,
  externalIds: true,
  writeFaults: ['unreachable', 'status500', 'rateLimited', 'appliedThenLost'],
  descriptionIsComment: false,
  roundEnds: true,
};

/** The ServiceNow adapter against the fake instance (real HTTP, real Redis for its limiter and attempt records). */
export async function startServiceNowContractDesk(): Promise<ContractDesk> {
  const fake = await startFakeServiceNow({ password: PASSWORD, webhookSecret: SECRET, webhookUrl: NOWHERE, watchCategory: CATEGORY });
  const group = fake.addGroup('Service Desk L2');
  const tenantGroup = fake.addGroup('Acme L2');
  const agent = fake.addUser({ user_name: 'agnes.agent', name: 'Agnes Agent', email: 'agnes@acme.example', itil: true });
  const redis = new Redis(testRedisUrl());
  const prefix = freshPrefix('contract-sn');
  const config: ServiceNowConfig = {
    instanceUrl: fake.url,
    credentials: { kind: 'basic', user: fake.bot.user_name, password: PASSWORD },
    webhookSecret: SECRET,
    watchCategory: CATEGORY,
    watchTag: WATCH,
    escalationGroupSysId: group.sys_id,
    pollIntervalS: 60,
    rateLimitPerMin: 1000,
    timeoutMs: 2000,
    retries: 3,
  };
  const system = new ServiceNowAdapter({ config, redis, prefix, retryBaseDelayMs: 10 });
  // the fake's own choice list, read as an admin would read it (sys_choice), to map its states for the view
  const states = new StateChoices(fake.choices.filter((c) => c.language === 'en'));

  function incidentOf(ticketId: string) {
    const i = fake.incidents.get(ticketId);
    if (!i) throw new Error(`the fake has no incident ${ticketId}`);
    return i;
  }

  function callerOf(ticketId: string) {
    const caller = fake.users.get(incidentOf(ticketId).caller_id);
    if (!caller) throw new Error(`incident ${ticketId} has no caller`);
    return caller;
  }

  /** The last notification the Business Rule sent about the incident, once every change so far has been sent. */
  async function lastDelivery(ticketId: string): Promise<Delivery> {
    await fake.settle();
    const d = fake.deliveries.filter((x) => (JSON.parse(x.body) as { sys_id?: string }).sys_id === ticketId).at(-1);
    if (!d) throw new Error(`the fake sent no notification for incident ${ticketId}`);
    return d;
  }

  const asRequest = (d: Delivery, headers: Record<string, string> = {}): WebhookRequest => ({ headers: { ...d.headers, ...headers }, rawBody: Buffer.from(d.body, 'utf8') });

  return {
    system,
    botAuthorId: fake.bot.user_name,
    tenantEscalationTarget: tenantGroup.sys_id,
    async createTicket(o) {
      const i = fake.createIncident({ caller: o.requester, short_description: o.subject, description: o.body, category: o.watched ? CATEGORY : 'hardware' });
      return i.sys_id;
    },
    async requesterReply(ticketId, text) {
      fake.addEntry(ticketId, { by: callerOf(ticketId).user_name, element: 'comments', value: text });
    },
    async agentComment(ticketId, text, isPublic) {
      fake.addEntry(ticketId, { by: agent.user_name, element: isPublic ? 'comments' : 'work_notes', value: text });
    },
    async view(ticketId) {
      const i = incidentOf(ticketId);
      const entries = fake.entriesOf(ticketId);
      const byBot = (e: (typeof entries)[number]) => e.sys_created_by === fake.bot.user_name && hasMarker(e.value);
      // the markers the incident shows: the tag lines of the bot's work notes, folded oldest first
      const markers = new Set<string>();
      for (const e of entries.filter(byBot)) {
        const { added, removed } = botTagChanges(e.value);
        for (const t of added) markers.add(t);
        for (const t of removed) markers.delete(t);
      }
      return {
        status: states.toStatus(i.state, i.hold_reason),
        endMarkers: [...markers],
        comments: entries.map((e) => ({ public: e.element === 'comments', body: e.value, byBot: byBot(e) })),
        escalated: i.assignment_group === group.sys_id,
        inTenantTarget: i.assignment_group === tenantGroup.sys_id,
      };
    },
    async setRequesterExternalId(email, externalId) {
      const user = [...fake.users.values()].find((u) => u.email.toLowerCase() === email.toLowerCase());
      if (!user) throw new Error(`the fake has no user ${email}`);
      // what an admin (or the LDAP / SSO sync) sets: the user's User ID
      user.user_name = externalId;
    },
    async signedNotification(ticketId) {
      return asRequest(await lastDelivery(ticketId));
    },
    async forgedNotification(ticketId) {
      const d = await lastDelivery(ticketId);
      return asRequest(d, { 'x-servicenow-signature': signAsServiceNow('not-the-webhook-secret-of-this-instance-000', d.body) });
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
