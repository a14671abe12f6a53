// CONTRACT-READY
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidEscalationTarget, InvalidWebhook, TicketNotFound, TicketingError } from '../../integrations/ticketing/errors.js';
import type { StoredEvent, TicketComment, TicketStatus, TicketSystem, TicketUpdate, WebhookRequest } from '../../integrations/ticketing/ticket-system.js';
import { EventSchema, type EventOf } from '../../workflows/resync/events.js';
import { parsePolicy } from '../../workflows/resync/policy.js';
import { TicketSnapshotSchema } from '../../workflows/resync/model.js';

/**
 * The shared contract every ticket system adapter passes (the embedded desk, Zendesk, Request Tracker, Jira Service
 * Management, ServiceNow …): what the workflow and the workers rely on, through the `TicketSystem` interface only.
 * Desk-specific behaviour (shapes of the desk's API, its webhook formats, rate limits, config, the check command)
 * stays in each desk's own suite; this one is what must be the same everywhere.
 *
 * A desk brings a `ContractDesk` harness around its adapter and its fake (or real) server, and its `DeskTraits`:
 * a capability a desk lacks is declared there and its tests are skipped with the reason in their name, never passed
 * silently. The suite checks that the traits and the harness agree. Where desks genuinely differ (Zendesk lists the
 * description as a comment), a trait parameterises the test instead of weakening it. The defaults are the strict
 * ones: a desk that leaves a trait out is expected to have the capability.
 *
 * Every test makes its own tickets, requesters (unique emails) and idempotency keys and asserts only on those, so a
 * real desk (RT) may keep the tickets of earlier runs and tests.
 *
 * Usage, in `test/integration/ticketing.<system>.shared-contract.test.ts` (see the local and Zendesk ones):
 *   runTicketSystemContract('jira', startJiraContractDesk, { writeFaults: WRITE_FAULTS, descriptionIsComment: false });
 */

/**
 * A failure the harness makes the desk (or the path to it) answer to the adapter's next WRITE (POST/PUT/PATCH that
 * posts a comment or changes the ticket; reads are not touched), once:
 * - `unreachable`: the write never reaches the desk (connection refused or reset before the desk reads it);
 * - `status500`: the desk answers 500 without applying the write;
 * - `rateLimited`: the desk answers 429 with a short Retry-After (1 s at most), without applying the write;
 * - `appliedThenLost`: the desk applies the write, then the answer is lost (a 500 or a reset connection): the
 *   outcome is unknown to the bot, the case the comment marker exists for.
 * A fake desk built on Fastify gets all four from `installWriteFaults` in test/support/local-desk.ts (kept there, out
 * of this vitest module: bench/ runs the fakes without vitest).
 */
export type WriteFault = 'unreachable' | 'status500' | 'rateLimited' | 'appliedThenLost';
export const WRITE_FAULTS: readonly WriteFault[] = ['unreachable', 'status500', 'rateLimited', 'appliedThenLost'];

/** The desk's own record of a ticket, read past the adapter (the fake's state, or the real desk's API as an admin). */
export interface DeskView {
  /** mapped to the workflow's statuses as the adapter maps them */
  status: TicketStatus;
  /** the markers (tags, labels …) the desk shows on the ticket; must hold the end markers the bot added */
  endMarkers: string[];
  /** every comment in the desk's order, the description too where the desk keeps it as a comment */
  comments: { public: boolean; body: string; byBot: boolean }[];
  /** the ticket is assigned to the configured escalation group (queue, assignment group …) */
  escalated: boolean;
  /** the ticket is in the target `ContractDesk.tenantEscalationTarget` names */
  inTenantTarget: boolean;
}

export interface ContractDesk {
  /** the adapter under test, configured to watch 2FA tickets (the policy's watch tag, `2fa_issue`) */
  system: TicketSystem;
  /** the author id the adapter gives the bot's comments, where the desk has one fixed id for it */
  botAuthorId?: string;
  /**
   * Opens a ticket as the end user would (mail, portal): `watched` gives it the desk's 2FA marker (the watch tag,
   * label, category … the adapter watches), otherwise nothing the adapter watches. Returns the ticket id.
   */
  createTicket(o: { watched: boolean; subject: string; body: string; requester: { name: string; email: string } }): Promise<string>;
  /** a public comment by the ticket's requester */
  requesterReply(ticketId: string, text: string): Promise<void>;
  /** a comment by an agent (a person on the help desk, not the bot's user), public or internal */
  agentComment(ticketId: string, text: string, isPublic: boolean): Promise<void>;
  view(ticketId: string): Promise<DeskView>;
  /**
   * An administrator (or the directory sync) records the external id / login of the desk user with this email: what
   * the desk vouches for, which the adapter gives as `requester.externalId`. Declared by `traits.externalIds`.
   */
  setRequesterExternalId?(email: string, externalId: string): Promise<void>;
  /**
   * The signed notification (webhook) the desk sent, or would send now, for the ticket's LATEST change, as the intake
   * receives it; the harness waits until the desk has sent it. Declared by `traits.webhooks`; absent for a poll-only desk.
   */
  signedNotification?(ticketId: string): Promise<WebhookRequest>;
  /** the same notification with a signature made with another secret (or none where the desk signs with a token) */
  forgedNotification?(ticketId: string): Promise<WebhookRequest>;
  /** makes the adapter's next write fail as `kind` (once); the kinds it can are declared by `traits.writeFaults` */
  failNextWrite?(kind: WriteFault): void;
  /**
   * true while the fault set by failNextWrite has not met one of the adapter's writes yet: the suite checks that the
   * fault it asked for really happened. Present exactly when failNextWrite is.
   */
  writeFaultPending?(): boolean;
  /**
   * A second escalation target the desk has, other than the configured one, as a tenant's policy names it
   * (escalationTarget: the desk's own id of a group, queue, team, board or assignee, in the form its adapter checks)
   */
  tenantEscalationTarget: string;
  /** ids of the desk's own form that name no ticket and no comment (default `987654321` for both) */
  unknownIds?: { ticket: string; comment: string };
  /** stops the fake and the adapter, deletes what the desk created where it can */
  close(): Promise<void>;
}

/** What a desk can do beyond the core, known when the tests are collected (for `it.skipIf`). */
export interface DeskTraits {
  /** the desk sends signed notifications: `signedNotification` and `forgedNotification` exist (default true) */
  webhooks?: boolean;
  /** the faults `failNextWrite` can make (default none: no fault tests) */
  writeFaults?: readonly WriteFault[];
  /** the desk keeps an external id / login on its user records: `setRequesterExternalId` exists (default true) */
  externalIds?: boolean;
  /**
   * Zendesk lists the ticket's description as its first comment, by the requester; the embedded desk keeps it in a
   * field of the ticket (default false). Either way the description is no commentAdded event: ticketTagged starts the
   * workflow with the ticket.
   */
  descriptionIsComment?: boolean;
  /**
   * The adapter marks the comments of an update with `ends` (the round ended) and reads the mark back: `ends` on
   * TicketComment, `past.botMidRound` / `botLastAt` on ticketTagged and `answered` on the poller's commentAdded
   * (default true; an adapter that cannot tell leaves them all out, and a ticket whose workflow was lost stays left).
   */
  roundEnds?: boolean;
}

const POLICY = parsePolicy();
const WATCH = POLICY.watchTag;
const END_MARKERS = [POLICY.resolvedTag, POLICY.escalatedTag, POLICY.handoffTag];

/** Codes as the workflow writes them once masked (sanitize.ts maskCodes): each digit a "•". */
const MASKED = '•••••• ••••••';
/**
 * An OTP-looking code as a value of its own (test/support/secret-scan.ts's rule): 6 to 8 digits, or two groups of 3
 * or 4 with one space or dash between, not inside a longer run of letters and digits (a hash, a timestamp).
 */
const OTP_LOOKING = /(?<![\p{L}\p{N}])(?:\p{Nd}{6,8}|\p{Nd}{3,4}[ -]\p{Nd}{3,4})(?![\p{L}\p{N}])/u;

const REPLY = 'Please send two consecutive codes from your authenticator.';
const NOTE = 'Located the user by email; asked for two codes.';

/** A step as the workflow asks for one. */
function step(over: Partial<TicketUpdate> = {}): TicketUpdate {
  return { addTags: [], removeTags: [], escalate: false, ...over };
}

/** An effect key of the workers' form (`<ticket key>|<effect id>`), unique per test so that real desks keep no clash. */
function effectKey(system: TicketSystem, ticketId: string, effect: string): string {
  return `${system.name}:${ticketId}|${effect}.${randomUUID().slice(0, 8)}`;
}

function unique(): string {
  return randomUUID().replace(/-/g, '').slice(0, 10);
}

function requester(label: string): { name: string; email: string } {
  // lower case: desks store emails in lower case, and the snapshot must give back what the desk vouches for
  return { name: `${label} Contract`, email: `${label.toLowerCase()}.${unique()}@example.com` };
}

function botComments(view: DeskView): DeskView['comments'] {
  return view.comments.filter((c) => c.byBot);
}

function withReason(title: string, skipped: boolean, reason: string): string {
  return skipped ? `${title} [skipped: ${reason}]` : title;
}

async function caught(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  );
}

function taggedOf(events: StoredEvent[]): EventOf<'ticketTagged'> | undefined {
  return events.find((e): e is EventOf<'ticketTagged'> => e.type === 'ticketTagged');
}

function commentEvents(events: StoredEvent[]): EventOf<'commentAdded'>[] {
  return events.filter((e): e is EventOf<'commentAdded'> => e.type === 'commentAdded');
}

export function runTicketSystemContract(name: string, makeDesk: () => Promise<ContractDesk>, traits: DeskTraits = {}): void {
  const webhooks = traits.webhooks ?? true;
  const externalIds = traits.externalIds ?? true;
  const faults = traits.writeFaults ?? [];
  const descriptionIsComment = traits.descriptionIsComment ?? false;
  const roundEnds = traits.roundEnds ?? true;

  describe(`TicketSystem contract: ${name}`, () => {
    let desk: ContractDesk;
    let system: TicketSystem;

    beforeEach(async () => {
      desk = await makeDesk();
      system = desk.system;
    });

    afterEach(async () => {
      await desk.close();
    });

    async function watchedTicket(label = 'Grace', body = 'My authenticator codes are refused at the VPN login.'): Promise<{ id: string; who: { name: string; email: string } }> {
      const who = requester(label);
      const id = await desk.createTicket({ watched: true, subject: 'MobilePASS codes rejected', body, requester: who });
      return { id, who };
    }

    /** The comments the test wrote (the description left out where the desk lists it as one). */
    async function commentsAfterDescription(ticketId: string): Promise<TicketComment[]> {
      const all = await system.listComments(ticketId);
      return descriptionIsComment ? all.slice(1) : all;
    }

    it('declares what it can do as its harness provides it', () => {
      expect(system.name).toMatch(/^\S+$/);
      expect(typeof desk.signedNotification === 'function', 'traits.webhooks must say whether signedNotification exists').toBe(webhooks);
      expect(typeof desk.forgedNotification === 'function', 'traits.webhooks must say whether forgedNotification exists').toBe(webhooks);
      expect(typeof desk.setRequesterExternalId === 'function', 'traits.externalIds must say whether setRequesterExternalId exists').toBe(externalIds);
      expect(typeof desk.failNextWrite === 'function', 'traits.writeFaults must list the faults failNextWrite makes').toBe(faults.length > 0);
      expect(typeof desk.writeFaultPending === 'function', 'writeFaultPending comes with failNextWrite').toBe(faults.length > 0);
      for (const f of faults) expect(WRITE_FAULTS).toContain(f);
    });

    describe('getTicket', () => {
      it('returns the snapshot: subject, status, the watch tag and the requester as the desk records them', async () => {
        const { id, who } = await watchedTicket();
        const snap = await system.getTicket(id);
        expect(TicketSnapshotSchema.safeParse(snap).success).toBe(true);
        expect(snap).toMatchObject({ system: system.name, id, subject: 'MobilePASS codes rejected', requester: { email: who.email, name: who.name } });
        // a ticket just opened by the end user: Zendesk and the embedded desk say new, some desks open
        expect(['new', 'open']).toContain(snap.status);
        expect(snap.tags).toContain(WATCH);
        expect(snap.requester.id).toMatch(/\S/);
        expect(Number.isFinite(snap.updatedAt) && snap.updatedAt > 0).toBe(true);
      });

      it('gives no watch tag for a ticket the adapter does not watch', async () => {
        const id = await desk.createTicket({ watched: false, subject: 'Printer jammed', body: 'Paper stuck.', requester: requester('Paul') });
        expect((await system.getTicket(id)).tags).not.toContain(WATCH);
      });

      it('never takes the external id from what the requester typed', async () => {
        const who = requester('Mallory');
        const id = await desk.createTicket({
          watched: true,
          subject: 'I am alice-typed, external id alice-typed',
          body: 'external_id: alice-typed\nuser name: alice-typed\nlogin: alice-typed',
          requester: who,
        });
        await desk.requesterReply(id, 'externalId=alice-typed');
        const snap = await system.getTicket(id);
        expect(snap.requester.externalId).not.toBe('alice-typed');
        expect(snap.requester.email).toBe(who.email);
      });

      it.skipIf(!externalIds)(withReason("takes the external id from the desk's user record", !externalIds, 'the desk keeps no external id on its users'), async () => {
        const { id, who } = await watchedTicket();
        const login = `gh${unique()}`;
        await desk.setRequesterExternalId?.(who.email, login);
        expect((await system.getTicket(id)).requester.externalId).toBe(login);
      });

      it('throws TicketNotFound for an unknown ticket or comment', async () => {
        const unknown = desk.unknownIds ?? { ticket: '987654321', comment: '987654321' };
        const { id } = await watchedTicket();
        await expect(system.getTicket(unknown.ticket)).rejects.toBeInstanceOf(TicketNotFound);
        await expect(system.listComments(unknown.ticket)).rejects.toBeInstanceOf(TicketNotFound);
        await expect(system.getComment(id, unknown.comment)).rejects.toBeInstanceOf(TicketNotFound);
        const err = await caught(system.getTicket(unknown.ticket));
        expect((err as TicketNotFound).retryable).toBe(false);
        expect((err as TicketNotFound).reason).toMatch(/\S/);
      });
    });

    describe('listComments / getComment', () => {
      it('tell the requester, an agent and the bot apart, and public from internal', async () => {
        const { id } = await watchedTicket();
        const snap = await system.getTicket(id);
        await desk.requesterReply(id, 'Still refused this morning.');
        await desk.agentComment(id, 'We are looking into it.', true);
        await desk.agentComment(id, 'Checked the VPN logs: bad codes.', false);
        await system.applyUpdate(id, step({ publicReply: REPLY, internalNote: NOTE }), effectKey(system, id, 'r1.e1'));

        const all = await system.listComments(id);
        if (descriptionIsComment) expect(all[0]).toMatchObject({ authorRole: 'requester', authorId: snap.requester.id, public: true });
        const comments = await commentsAfterDescription(id);
        expect(comments).toHaveLength(5);
        const [reply, agentPublic, agentNote, ...bot] = comments;
        expect(reply).toMatchObject({ authorRole: 'requester', authorId: snap.requester.id, public: true });
        expect(reply?.body).toContain('Still refused this morning.');
        expect(agentPublic).toMatchObject({ authorRole: 'agent', public: true });
        expect(agentPublic?.body).toContain('We are looking into it.');
        expect(agentNote).toMatchObject({ authorRole: 'agent', public: false });
        expect(agentNote?.body).toContain('Checked the VPN logs');
        expect(agentPublic?.authorId).not.toBe(snap.requester.id);
        // the bot's step: its two comments in either order (Zendesk posts the note first, one comment per update)
        expect(bot.map((c) => c.authorRole)).toEqual(['bot', 'bot']);
        expect(bot.find((c) => c.public)?.body).toContain(REPLY);
        expect(bot.find((c) => !c.public)?.body).toContain(NOTE);
        for (const c of bot) {
          expect(c.authorId).not.toBe(snap.requester.id);
          if (desk.botAuthorId !== undefined) expect(c.authorId).toBe(desk.botAuthorId);
        }
        expect(new Set(all.map((c) => c.id)).size).toBe(all.length);
        for (let i = 1; i < all.length; i++) expect(all[i]?.createdAt ?? 0).toBeGreaterThanOrEqual(all[i - 1]?.createdAt ?? 0);
        for (const c of all) expect(await system.getComment(id, c.id)).toEqual(c);
      });
    });

    describe('applyUpdate', () => {
      it('writes a public reply and an internal note as the bot, and the status', async () => {
        const { id } = await watchedTicket();
        await system.applyUpdate(id, step({ publicReply: REPLY, internalNote: NOTE, status: 'pending' }), effectKey(system, id, 'r1.e2'));
        const view = await desk.view(id);
        const bot = botComments(view);
        expect(bot.filter((c) => c.public).map((c) => c.body)).toEqual([expect.stringContaining(REPLY)]);
        expect(bot.filter((c) => !c.public).map((c) => c.body)).toEqual([expect.stringContaining(NOTE)]);
        expect(view.status).toBe('pending');
        expect(view.escalated).toBe(false);
        expect((await system.getTicket(id)).status).toBe('pending');
      });

      it('sets and removes the end markers, which the snapshot and the poller show', async () => {
        const { id } = await watchedTicket();
        const [resolved, escalated, handoff] = END_MARKERS as [string, string, string];
        await system.applyUpdate(id, step({ addTags: [handoff] }), effectKey(system, id, 'r1.e3'));
        expect((await desk.view(id)).endMarkers).toContain(handoff);
        await system.applyUpdate(id, step({ addTags: [escalated], removeTags: [handoff] }), effectKey(system, id, 'r1.e4'));
        const view = await desk.view(id);
        expect(view.endMarkers).toContain(escalated);
        expect(view.endMarkers).not.toContain(handoff);
        await system.applyUpdate(id, step({ publicReply: 'Your token works again.', status: 'solved', addTags: [resolved] }), effectKey(system, id, 'r1.e5'));
        const solved = await desk.view(id);
        expect(solved.status).toBe('solved');
        expect(solved.endMarkers).toEqual(expect.arrayContaining([resolved, escalated]));
        const snap = await system.getTicket(id);
        expect(snap.tags).toEqual(expect.arrayContaining([WATCH, resolved, escalated]));
        expect(snap.tags).not.toContain(handoff);
        expect(taggedOf(await system.eventsFromTicket(id, 1))?.ticket.tags).toEqual(expect.arrayContaining([resolved, escalated]));
      });

      it('escalates to the configured group', async () => {
        const { id } = await watchedTicket();
        expect((await desk.view(id)).escalated).toBe(false);
        await system.applyUpdate(id, step({ internalNote: 'Escalated: the token is locked.', status: 'open', addTags: [POLICY.escalatedTag], escalate: true }), effectKey(system, id, 'r1.e6'));
        const view = await desk.view(id);
        expect(view.escalated).toBe(true);
        expect(view.status).toBe('open');
        expect(view.endMarkers).toContain(POLICY.escalatedTag);
        expect(botComments(view).map((c) => [c.public, c.body])).toEqual([[false, expect.stringContaining('Escalated: the token is locked.')]]);
      });

      it("escalates to the policy's target (a tenant's escalationTarget) in place of the configured one", async () => {
        const { id } = await watchedTicket();
        expect((await desk.view(id)).inTenantTarget).toBe(false);
        const update = step({ internalNote: 'Escalated to the customer’s own team.', status: 'open', addTags: [POLICY.escalatedTag], escalate: true, escalateTo: desk.tenantEscalationTarget });
        await system.applyUpdate(id, update, effectKey(system, id, 'r1.e6'));
        const view = await desk.view(id);
        expect(view.inTenantTarget).toBe(true);
        expect(view.escalated).toBe(false);
        expect(view.status).toBe('open');
        expect(view.endMarkers).toContain(POLICY.escalatedTag);
        expect(botComments(view).map((c) => c.body)).toEqual([expect.stringContaining('Escalated to the customer’s own team.')]);
      });

      it("refuses a target not of the desk's form before it writes anything, naming the value", async () => {
        const { id } = await watchedTicket();
        const before = botComments(await desk.view(id)).length;
        const update = step({ internalNote: 'Escalated.', status: 'open', addTags: [POLICY.escalatedTag], escalate: true, escalateTo: 'L2\nteam' });
        const err = await system.applyUpdate(id, update, effectKey(system, id, 'r1.e6')).then(() => undefined, (e: unknown) => e);
        expect(err).toBeInstanceOf(InvalidEscalationTarget);
        expect(err).toMatchObject({ retryable: false, reason: expect.stringContaining('"L2\\nteam" is not') });
        const view = await desk.view(id);
        expect(botComments(view)).toHaveLength(before);
        expect(view.inTenantTarget || view.escalated).toBe(false);
      });

      it('posts nothing twice when the same update is applied again with the same idempotency key', async () => {
        const { id } = await watchedTicket();
        const update = step({ publicReply: REPLY, internalNote: NOTE, status: 'pending', addTags: [POLICY.handoffTag] });
        const key = effectKey(system, id, 'r1.e7');
        await system.applyUpdate(id, update, key);
        await system.applyUpdate(id, update, key);
        await system.applyUpdate(id, update, key);
        const view = await desk.view(id);
        expect(botComments(view).map((c) => c.public).sort()).toEqual([false, true]);
        expect(view.status).toBe('pending');
        expect(view.endMarkers).toContain(POLICY.handoffTag);
        // the key, not the text, makes a step the same: the same reminder in a later step is posted again
        await system.applyUpdate(id, step({ publicReply: REPLY }), effectKey(system, id, 'r2.e1'));
        expect(botComments(await desk.view(id)).filter((c) => c.public)).toHaveLength(2);
      });

      for (const kind of WRITE_FAULTS) {
        const missing = !faults.includes(kind);
        it.skipIf(missing)(
          withReason(`after a write that failed as ${kind}, applying the update again posts each comment once`, missing, `the harness cannot make a write fail as ${kind}`),
          async () => {
            const { id } = await watchedTicket();
            const update = step({ publicReply: REPLY, internalNote: NOTE, status: 'pending' });
            const key = effectKey(system, id, 'r1.e8');
            desk.failNextWrite?.(kind);
            expect(desk.writeFaultPending?.()).toBe(true);
            const first = await caught(system.applyUpdate(id, update, key));
            expect(desk.writeFaultPending?.(), `the ${kind} fault met none of the adapter's writes`).toBe(false);
            // the adapter may retry on its own and succeed; when it gives up, it says so with a typed, retryable error
            if (first !== undefined) {
              expect(first).toBeInstanceOf(TicketingError);
              expect((first as TicketingError).retryable).toBe(true);
            }
            await system.applyUpdate(id, update, key);
            await system.applyUpdate(id, update, key);
            const view = await desk.view(id);
            const bot = botComments(view);
            expect(bot.filter((c) => c.public).map((c) => c.body)).toEqual([expect.stringContaining(REPLY)]);
            expect(bot.filter((c) => !c.public).map((c) => c.body)).toEqual([expect.stringContaining(NOTE)]);
            expect(view.status).toBe('pending');
          },
        );
      }

      it('adds no OTP-looking code to what the workflow masked', async () => {
        const { id } = await watchedTicket();
        // a key with a six-digit run (a ticket id of that size is common): writing it out would look like a code
        const key = `${system.name}:204731|r1.e9.${unique()}`;
        await system.applyUpdate(
          id,
          step({ publicReply: `The codes you sent (${MASKED}) were not accepted. ${REPLY}`, internalNote: `Resync refused for ${MASKED}.` }),
          key,
        );
        const bot = botComments(await desk.view(id));
        expect(bot).toHaveLength(2);
        for (const c of bot) {
          expect(c.body).toContain(MASKED);
          expect(c.body).not.toMatch(OTP_LOOKING);
          expect(c.body).not.toContain('204731');
        }
      });

      it('throws TicketNotFound for an unknown ticket', async () => {
        const unknown = desk.unknownIds?.ticket ?? '987654321';
        await expect(system.applyUpdate(unknown, step({ publicReply: REPLY }), effectKey(system, unknown, 'r1.e1'))).rejects.toBeInstanceOf(TicketNotFound);
      });
    });

    describe('listWatchedTickets', () => {
      it('lists watched unsolved tickets, not unwatched or solved ones, with the stamp getTicket gives', async () => {
        const open = await watchedTicket('Olga');
        const pending = await watchedTicket('Pia');
        const solved = await watchedTicket('Sol');
        const unwatched = await desk.createTicket({ watched: false, subject: 'Printer jammed', body: 'Paper stuck.', requester: requester('Una') });
        await system.applyUpdate(pending.id, step({ publicReply: REPLY, status: 'pending' }), effectKey(system, pending.id, 'r1.e1'));
        await system.applyUpdate(solved.id, step({ publicReply: 'Solved.', status: 'solved', addTags: [POLICY.resolvedTag] }), effectKey(system, solved.id, 'r1.e1'));
        const listed = await system.listWatchedTickets();
        const ids = listed.map((t) => t.id);
        expect(ids).toEqual(expect.arrayContaining([open.id, pending.id]));
        expect(ids).not.toContain(solved.id);
        expect(ids).not.toContain(unwatched);
        expect(new Set(ids).size).toBe(ids.length);
        for (const t of listed.filter((x) => x.id === open.id || x.id === pending.id)) expect(t.updatedAt).toBe((await system.getTicket(t.id)).updatedAt);
      });
    });

    describe('eventsFromTicket (the poller)', () => {
      it('gives ticketTagged with the snapshot, then the comments without their text', async () => {
        const { id } = await watchedTicket();
        await desk.requesterReply(id, 'here: 287082 359152');
        await desk.agentComment(id, 'Waiting for the codes.', false);
        const { updatedAt: _updatedAt, ...snap } = await system.getTicket(id);
        const comments = await commentsAfterDescription(id);
        const events = await system.eventsFromTicket(id, 1234);
        for (const e of events) expect(EventSchema.safeParse(e).success).toBe(true);
        expect(events[0]).toMatchObject({ type: 'ticketTagged', at: 1234, ticket: snap });
        expect(taggedOf(events)?.past?.botCommented ?? false).toBe(false);
        expect(commentEvents(events).map((e) => [e.commentId, e.authorRole, e.public, e.at])).toEqual([
          [comments[0]?.id, 'requester', true, 1234],
          [comments[1]?.id, 'agent', false, 1234],
        ]);
        expect(commentEvents(events)[0]?.authorId).toBe(snap.requester.id);
        for (const e of events) expect(e).not.toHaveProperty('text');
        expect(JSON.stringify(events)).not.toMatch(/287082|359152/);
        // ids are deterministic: the poller's second look, and a webhook of the same change, are duplicates
        expect((await system.eventsFromTicket(id, 99)).map((e) => e.id)).toEqual(events.map((e) => e.id));
        expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
      });

      it("says the bot wrote (past.botCommented) and never gives the bot's comments, as the requester's or at all", async () => {
        const { id } = await watchedTicket();
        await system.applyUpdate(id, step({ publicReply: REPLY, internalNote: NOTE, status: 'pending' }), effectKey(system, id, 'r1.e1'));
        await desk.requesterReply(id, 'Sent them.');
        const comments = await system.listComments(id);
        const botIds = comments.filter((c) => c.authorRole === 'bot').map((c) => c.id);
        expect(botIds).toHaveLength(2);
        const events = await system.eventsFromTicket(id, 5);
        expect(taggedOf(events)?.past?.botCommented).toBe(true);
        const commented = commentEvents(events);
        expect(commented.map((e) => e.authorRole)).toEqual(['requester']);
        expect(commented.map((e) => e.commentId).filter((c) => botIds.includes(c))).toEqual([]);
        if (desk.botAuthorId !== undefined) expect(commented.map((e) => e.authorId)).not.toContain(desk.botAuthorId);
      });

      it.skipIf(!roundEnds)(
        withReason("marks the comments of an update that ends a round, and tells the poller whether the bot left mid-round", !roundEnds, 'the adapter cannot mark how a round ended'),
        async () => {
          const { id } = await watchedTicket();
          await desk.requesterReply(id, 'Codes refused again.');
          await system.applyUpdate(id, step({ publicReply: REPLY, internalNote: NOTE, status: 'pending' }), effectKey(system, id, 'r1.e1'));
          await desk.requesterReply(id, 'Here they are.');
          const midComments = await commentsAfterDescription(id);
          const midBot = midComments.filter((c) => c.authorRole === 'bot');
          expect(midBot).toHaveLength(2);
          for (const c of midBot) expect(c.ends ?? false).toBe(false);
          const mid = await system.eventsFromTicket(id, 10);
          expect(taggedOf(mid)?.past).toMatchObject({ botCommented: true, botMidRound: true, botLastAt: Math.max(...midBot.map((c) => c.createdAt)) });
          // the requester's first comment came before the bot's step (answered), the second after it
          expect(commentEvents(mid).map((e) => [e.commentId, e.answered ?? false])).toEqual([
            [midComments[0]?.id, true],
            [midComments.at(-1)?.id, false],
          ]);

          const end = step({ publicReply: 'Your token works again.', status: 'solved', addTags: [POLICY.resolvedTag], ends: true });
          const endKey = effectKey(system, id, 'r1.e2');
          await system.applyUpdate(id, end, endKey);
          await system.applyUpdate(id, end, endKey);
          const endBot = (await system.listComments(id)).filter((c) => c.authorRole === 'bot');
          expect(endBot.map((c) => c.ends ?? false)).toEqual([false, false, true]);
          for (const c of (await system.listComments(id)).filter((x) => x.authorRole !== 'bot')) expect(c.ends ?? false).toBe(false);
          const past = taggedOf(await system.eventsFromTicket(id, 11))?.past;
          expect(past?.botCommented).toBe(true);
          expect(past?.botMidRound ?? false).toBe(false);
          expect(past?.botLastAt).toBeUndefined();
        },
      );

      it('gives no ticketTagged for a ticket the adapter does not watch', async () => {
        const id = await desk.createTicket({ watched: false, subject: 'Printer jammed', body: 'Paper stuck.', requester: requester('Paul') });
        expect(taggedOf(await system.eventsFromTicket(id, 1))).toBeUndefined();
      });
    });

    describe('webhooks', () => {
      const noHooks = !webhooks;
      const why = 'poll-only desk: it sends no signed notifications';

      it.skipIf(noHooks)(withReason('verifyWebhook accepts a signed notification and refuses a forged one with InvalidWebhook', noHooks, why), async () => {
        const { id } = await watchedTicket();
        const signed = await desk.signedNotification?.(id);
        const forged = await desk.forgedNotification?.(id);
        if (!signed || !forged) throw new Error('traits.webhooks is true but the harness has no notifications');
        expect(() => system.verifyWebhook(signed, Date.now())).not.toThrow();
        let refused: unknown;
        try {
          system.verifyWebhook(forged, Date.now());
        } catch (err) {
          refused = err;
        }
        expect(refused).toBeInstanceOf(InvalidWebhook);
        const err = refused as InvalidWebhook;
        expect([400, 401]).toContain(err.statusCode);
        expect(['bad_signature', 'missing_signature']).toContain(err.slug);
        expect(err.message).toMatch(/\S/);
        expect(err.retryable).toBe(false);
      });

      it.skipIf(noHooks)(withReason("eventsFromWebhook on a new watched ticket's notification gives ticketTagged, with the poller's id", noHooks, why), async () => {
        const { id, who } = await watchedTicket();
        const signed = await desk.signedNotification?.(id);
        if (!signed) throw new Error('no notification');
        system.verifyWebhook(signed, Date.now());
        const batches = await system.eventsFromWebhook(signed, 77);
        const events = batches.filter((b) => b.ticketId === id).flatMap((b) => b.events);
        for (const e of events) expect(EventSchema.safeParse(e).success).toBe(true);
        const tagged = taggedOf(events);
        expect(tagged).toMatchObject({ at: 77, ticket: { system: system.name, id, requester: { email: who.email } } });
        expect(tagged?.ticket.tags).toContain(WATCH);
        expect(tagged?.id).toBe(taggedOf(await system.eventsFromTicket(id, 78))?.id);
      });

      it.skipIf(noHooks)(withReason("eventsFromWebhook on a requester's reply gives commentAdded without its text, with the poller's id", noHooks, why), async () => {
        const { id } = await watchedTicket();
        await desk.requesterReply(id, 'codes: 287082 359152');
        const reply = (await commentsAfterDescription(id)).at(-1);
        const signed = await desk.signedNotification?.(id);
        if (!signed || !reply) throw new Error('no notification or no reply');
        system.verifyWebhook(signed, Date.now());
        const batches = await system.eventsFromWebhook(signed, 8);
        const events = batches.filter((b) => b.ticketId === id).flatMap((b) => b.events);
        const added = commentEvents(events).find((e) => e.commentId === reply.id);
        expect(added).toMatchObject({ type: 'commentAdded', at: 8, commentId: reply.id, authorId: reply.authorId, authorRole: 'requester', public: true });
        expect(added).not.toHaveProperty('text');
        expect(JSON.stringify(batches)).not.toMatch(/287082|359152/);
        const polled = commentEvents(await system.eventsFromTicket(id, 9)).find((e) => e.commentId === reply.id);
        expect(added?.id).toBe(polled?.id);
      });

      it.skipIf(noHooks)(withReason("the notification of the bot's own write makes no event the bot would react to", noHooks, why), async () => {
        const { id } = await watchedTicket();
        await system.applyUpdate(id, step({ publicReply: REPLY, internalNote: NOTE, status: 'pending', addTags: [POLICY.handoffTag] }), effectKey(system, id, 'r1.e1'));
        const botIds = (await system.listComments(id)).filter((c) => c.authorRole === 'bot').map((c) => c.id);
        const signed = await desk.signedNotification?.(id);
        if (!signed) throw new Error('no notification');
        system.verifyWebhook(signed, Date.now());
        const events = (await system.eventsFromWebhook(signed, 3)).flatMap((b) => b.events);
        for (const e of commentEvents(events)) {
          expect(botIds).not.toContain(e.commentId);
          expect(e.authorRole).not.toBe('bot');
        }
        for (const e of events) {
          if (e.type === 'statusChanged' || e.type === 'tagsChanged') expect(e.byRole).not.toBe('bot');
        }
      });

      it.skipIf(noHooks)(withReason('gives a stable delivery id from the signed notification, where the desk sends one', noHooks, why), async (ctx) => {
        if (!system.webhookDeliveryId) {
          ctx.skip('the adapter takes no delivery id from notifications (replays are harmless to it)');
          return;
        }
        const { id } = await watchedTicket();
        const created = await desk.signedNotification?.(id);
        await desk.requesterReply(id, 'any news?');
        const replied = await desk.signedNotification?.(id);
        if (!created || !replied) throw new Error('no notification');
        const first = system.webhookDeliveryId(created);
        expect(first).toMatch(/\S/);
        expect(system.webhookDeliveryId({ headers: { ...created.headers }, rawBody: Buffer.from(created.rawBody) })).toBe(first);
        expect(system.webhookDeliveryId(replied)).not.toBe(first);
      });
    });
  });
}
