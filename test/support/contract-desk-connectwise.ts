import { Redis } from 'ioredis';
import type { WebhookRequest } from '../../integrations/ticketing/ticket-system.js';
import { ConnectWiseAdapter } from '../../integrations/ticketing/connectwise/adapter.js';
import { BoardStatuses } from '../../integrations/ticketing/connectwise/board-statuses.js';
import type { ConnectWiseConfig } from '../../integrations/ticketing/connectwise/config.js';
import { hasMarker } from '../../integrations/ticketing/comment-marker.js';
import { botTagChanges } from '../../integrations/ticketing/note-tags.js';
import { startFakeConnectWise, type Delivery, type FakeConnectWise } from './fake-connectwise.js';
import { deletePrefix, freshPrefix, testRedisUrl } from './redis.js';
import type { ContractDesk, DeskTraits } from './ticket-system-contract.js';

export const CALLBACK_SECRET = 'connectwise-callback-secret-for-the-contract-0123';
const WATCH = '2fa_issue';
/** connection refused at once: the fake keeps every callback, and the harness hands them over as the intake would */
const NOWHERE = 'http://127.0.0.1:9/webhooks/connectwise';

/**
 * ConnectWise lists the initial description as the ticket's first note, by its contact (as Zendesk does); its
 * callbacks are authenticated by the secret in their URL (the harness gives the URL as the intake receives it); its
 * contacts carry no login or external id the PSA vouches for; all four write faults.
 */
export const CONNECTWISE_TRAITS: DeskTraits = {
  webhooks: true,
  externalIds: false,
  writeFaults: ['unreachable', 'status500', 'rateLimited', 'appliedThenLost'],
  descriptionIsComment: true,
  roundEnds: true,
};

/** The adapter's config for a fake (escalation to the watched board's team unless `escalation` says otherwise). */
export function connectWiseConfigFor(fake: FakeConnectWise, over: Partial<ConnectWiseConfig> = {}): ConnectWiseConfig {
  return {
    site: fake.url,
    companyId: fake.companyId,
    publicKey: fake.publicKey,
    privateKey: fake.privateKey,
    clientId: fake.clientId,
    apiVersion: '2025.16',
    boardId: fake.board.id,
    watchType: { name: fake.watchType.name },
    watchTag: WATCH,
    apiMember: fake.bot.identifier,
    callbackSecret: CALLBACK_SECRET,
    escalation: { teamId: fake.board.teams[0]?.id ?? 0 },
    statusNames: { open: ['In Progress'], pending: ['Waiting Customer'], solved: ['Completed'] },
    pollIntervalS: 60,
    rateLimitPerMin: 1000,
    timeoutMs: 2000,
    retries: 3,
    ...over,
  };
}

/** A callback as the intake receives it: its URL (with the secret it was registered with), headers and bytes. */
export function asCallback(d: Delivery, secret = CALLBACK_SECRET): WebhookRequest {
  return { headers: { ...d.headers }, rawBody: Buffer.from(d.body, 'utf8'), url: `/webhooks/connectwise?secret=${encodeURIComponent(secret)}` };
}

/** The ConnectWise adapter against the fake PSA (real HTTP, real Redis for its limiter and attempt records). */
export async function startConnectWiseContractDesk(): Promise<ContractDesk> {
  const fake = await startFakeConnectWise({ callbackUrl: NOWHERE });
  const agent = fake.addMember('agnes', 'Agnes Agent');
  const redis = new Redis(testRedisUrl());
  const prefix = freshPrefix('contract-cw');
  const config = connectWiseConfigFor(fake);
  const system = new ConnectWiseAdapter({ config, redis, prefix, retryBaseDelayMs: 10 });
  // the board's statuses, read as an admin would read them, to map them for the view
  const statuses = (boardId: number) => new BoardStatuses(boardId, fake.boards.get(boardId)?.statuses ?? [], config.statusNames);

  function ticketOf(id: string) {
    const t = fake.tickets.get(Number(id));
    if (!t) throw new Error(`the fake has no ticket ${id}`);
    return t;
  }

  /** The last callback the PSA sent about the ticket, once every save so far has been sent. */
  async function lastDelivery(ticketId: string): Promise<Delivery> {
    await fake.settle();
    const d = fake.deliveries.filter((x) => (JSON.parse(x.body) as { ID?: number }).ID === Number(ticketId)).at(-1);
    if (!d) throw new Error(`the fake sent no callback for ticket ${ticketId}`);
    return d;
  }

  return {
    system,
    botAuthorId: `member:${fake.bot.identifier}`,
    tenantEscalationTarget: String(fake.escalationBoard.id),
    async createTicket(o) {
      return String(fake.createTicket({ contact: o.requester, summary: o.subject, description: o.body, watched: o.watched }).id);
    },
    async requesterReply(ticketId, text) {
      fake.addNote(Number(ticketId), { text });
    },
    async agentComment(ticketId, text, isPublic) {
      fake.addNote(Number(ticketId), { byMember: agent.id, internal: !isPublic, text });
    },
    async view(ticketId) {
      const t = ticketOf(ticketId);
      const notes = fake.notesOf(t.id);
      const byBot = (n: (typeof notes)[number]) => n.memberId === fake.bot.id && hasMarker(n.text);
      const markers = new Set<string>();
      for (const n of notes.filter(byBot)) {
        const { added, removed } = botTagChanges(n.text);
        for (const x of added) markers.add(x);
        for (const x of removed) markers.delete(x);
      }
      return {
        status: statuses(t.boardId).toStatus(t.statusId),
        endMarkers: [...markers],
        comments: notes.map((n) => ({ public: !n.internalAnalysisFlag, body: n.text, byBot: byBot(n) })),
        escalated: t.teamId === config.escalation.teamId,
        inTenantTarget: t.boardId === fake.escalationBoard.id,
      };
    },
    async signedNotification(ticketId) {
      return asCallback(await lastDelivery(ticketId));
    },
    async forgedNotification(ticketId) {
      return asCallback(await lastDelivery(ticketId), 'not-the-callback-secret-of-this-site-0000000');
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
