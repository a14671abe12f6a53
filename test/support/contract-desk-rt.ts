import { Redis } from 'ioredis';
import { RtAdapter } from '../../integrations/ticketing/rt/adapter.js';
import { loadRtConfig } from '../../integrations/ticketing/rt/config.js';
import { hasMarker } from '../../integrations/ticketing/rt/comment-marker.js';
import { statusFromRt } from '../../integrations/ticketing/rt/ticket-text.js';
import { deletePrefix, freshPrefix, testRedisUrl } from './redis.js';
import { RtTestDesk } from './rt-desk.js';
import { RT_BOT, RT_ESCALATION_QUEUE, RT_FIELD, RT_QUEUE, RT_TENANT_ESCALATION_QUEUE, startRt, type RunningRt } from './rt-server.js';
import type { ContractDesk, DeskTraits } from './ticket-system-contract.js';

const WATCH = '2fa_issue';

/**
 * The real RT is poll-and-Scrip (its Scrip is tested in ticketing.rt.adapter.test.ts, not here: the contract's
 * "notification of the latest change" includes the bot's own changes, which the Scrip leaves out by design), keeps
 * no external id on its users, and lets no write fail on demand. Its ticket's creation is no comment.
 */
export const RT_TRAITS: DeskTraits = { webhooks: false, externalIds: false, writeFaults: [], descriptionIsComment: false, roundEnds: true };

let shared: Promise<RunningRt> | undefined;

/** One RT for the file (starting one takes seconds); every test makes its own tickets and requesters. */
export function sharedRt(): Promise<RunningRt> {
  shared ??= startRt();
  return shared;
}

export async function stopSharedRt(): Promise<void> {
  const rt = await shared?.catch(() => undefined);
  shared = undefined;
  await rt?.stop();
}

/** The RT adapter against the real RT 5 (token auth, the custom field watched, the escalation queue). */
export async function startRtContractDesk(): Promise<ContractDesk> {
  const rt = await sharedRt();
  const desk = new RtTestDesk(rt);
  const redis = new Redis(testRedisUrl());
  const prefix = freshPrefix('contract-rt');
  const config = loadRtConfig({ RT_URL: rt.url, RT_USER: RT_BOT.name, RT_TOKEN: rt.botToken, RT_QUEUE, RT_WATCH_FIELD: RT_FIELD, RT_WATCH_VALUE: WATCH, RT_ESCALATION_QUEUE });
  const system = new RtAdapter({ config, redis, prefix, watchTag: WATCH, retryBaseDelayMs: 10 });
  const escalationQueueId = await desk.queueId(RT_ESCALATION_QUEUE);
  const tenantQueueId = await desk.queueId(RT_TENANT_ESCALATION_QUEUE);
  return {
    system,
    botAuthorId: RT_BOT.name,
    tenantEscalationTarget: RT_TENANT_ESCALATION_QUEUE,
    async createTicket(o) {
      const id = await desk.createByMail({ from: o.requester, subject: o.subject, text: o.body, style: 'multipart' });
      if (o.watched) await desk.agentUpdate(id, { CustomFields: { [RT_FIELD]: [WATCH] } });
      return id;
    },
    async requesterReply(ticketId, text) {
      const t = await desk.ticket(ticketId);
      const email = t.Requestor[0]?.id ?? '';
      await desk.replyByMail(ticketId, { name: 'Requester', email }, text, 'multipart');
    },
    async agentComment(ticketId, text, isPublic) {
      await desk.agentMessage(ticketId, isPublic ? 'correspond' : 'comment', text);
    },
    async view(ticketId) {
      const t = await desk.ticket(ticketId);
      const messages = await desk.messages(ticketId);
      return {
        status: statusFromRt(t.Status),
        endMarkers: (t.CustomFields.find((f) => f.name === RT_FIELD)?.values ?? []).filter((v) => v !== WATCH),
        comments: messages.map((m) => ({ public: m.type === 'Correspond', body: m.text, byBot: m.creator === RT_BOT.name && hasMarker(m.text) })),
        escalated: t.Queue.id === escalationQueueId,
        inTenantTarget: t.Queue.id === tenantQueueId,
      };
    },
    unknownIds: { ticket: '987654321', comment: '987654321' },
    async close() {
      await system.close?.();
      await deletePrefix(redis, prefix);
      redis.disconnect();
    },
  };
}
