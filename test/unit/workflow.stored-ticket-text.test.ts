import { describe, expect, it } from 'vitest';
import type { TicketSnapshot } from '../../workflows/resync/model.js';
import { initialState } from '../../workflows/resync/transition.js';
import { ALICE, BOB, Desk, MOBILEPASS, T0, codesReply, makeTicket, otpDesk } from './workflow.harness.js';

/*
 * The workflow state lives in Redis for weeks (30 days after the end by default). Codes a requester typed into
 * the ticket's subject or their name must not live there with it.
 */

const CODE_A = '815604';
const CODE_B = '718975';
const CODE_KT = '94287082';

function ticketWith(subject: string, name: string): TicketSnapshot {
  const ticket = makeTicket({ subject });
  return { ...ticket, requester: { ...ticket.requester, name } };
}

/** Every way of writing a code seen in tickets, and the digits that must not be stored. */
const WRITTEN = [
  `My codes ${CODE_A} ${CODE_B} fail`,
  'code 815 604 then 718-975',
  `codes ${CODE_A}${CODE_B}`,
  `KT-4 says ${CODE_KT}`,
  'full width ８１５６０４',
  'hidden 815\u200B604 and 718\u0007975',
];

/** Every string held anywhere in `value`. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

/** No string in `value` holds one of the codes, however it was written (separators dropped, any digit script). */
function expectNoCode(value: unknown): void {
  for (const text of strings(value)) {
    const digits = text.normalize('NFKC').replace(/[\s\p{Cc}\p{Cf}\p{Pd}]/gu, '');
    for (const code of [CODE_A, CODE_B, CODE_KT]) expect(digits).not.toContain(code);
  }
}

describe('initialState', () => {
  it('stores the subject with its codes masked', () => {
    const state = initialState(ticketWith('My codes 815604 718975 fail', 'Alice Archer'), T0);
    expect(state.ticket.subject).toBe('My codes •••••• •••••• fail');
  });

  it.each(WRITTEN)('keeps no code of %j, in the subject or the name', (text) => {
    expectNoCode(initialState(ticketWith(text, `Alice ${text}`), T0));
  });

  it('stores the name on one line and capped', () => {
    const state = initialState(ticketWith('', `Alice\n\u202E${'A'.repeat(10_000)}`), T0);
    expect(state.ticket.requester.name).toMatch(/^Alice A+…$/);
    expect(Array.from(state.ticket.requester.name ?? '').length).toBeLessThanOrEqual(100);
  });

  it('keeps the address and the external id as the ticket system gave them: the lookup compares them exactly', () => {
    const ticket = makeTicket({ requester: { id: 'r1', email: 'student20231234@example.edu', externalId: '81560471', name: 'Alice Archer' } });
    expect(initialState(ticket, T0).ticket.requester).toEqual(ticket.requester);
  });

  it('leaves a subject without codes as it is', () => {
    expect(initialState(makeTicket(), T0).ticket.subject).toBe('Cannot log in to the VPN');
  });
});

describe('the stored state, through the whole workflow', () => {
  it.each(WRITTEN)('holds no code from a subject and name with %j, from tagging to the solved ticket', (text) => {
    const desk = otpDesk(new Desk(undefined, ticketWith(text, `Alice ${text}`)));
    expectNoCode(desk.s);
    desk.reply(codesReply());
    desk.result('resyncSucceeded', {});
    desk.reply('works now');
    expect(desk.s.status).toBe('resolved');
    expectNoCode(desk.s);
    expectNoCode(desk.effects);
  });

  it.each(WRITTEN)('holds no code from %j in an escalation that lists what the lookup tried', (text) => {
    const desk = new Desk(undefined, ticketWith(text, `Alice ${text}`));
    desk.tag();
    const { requester } = desk.effect('locateUser');
    desk.result('userNotFound', { tried: [`lastName "${requester.name ?? ''}"`] });
    expect(desk.s.status).toBe('escalated');
    expectNoCode(desk.s);
    expectNoCode(desk.effects);
  });

  it('still finds an approval path by the masked name', () => {
    const desk = new Desk(undefined, ticketWith(`codes ${CODE_A}`, `Bob ${CODE_A} Baker`));
    desk.tag();
    expect(desk.effect('locateUser').requester.name).toBe('Bob •••••• Baker');
    desk.result('userLocated', { user: BOB, matchedBy: 'lastName' });
    expect(desk.s.status).toBe('awaiting_approval');
    expect(desk.update().internalNote).toContain('Requester: “Bob •••••• Baker <Alice.Archer@example.com>”');
  });

  it('leaves the platform data it shows agents alone (the token serial has ten digits)', () => {
    const desk = otpDesk(new Desk());
    expect(desk.s.token).toEqual(MOBILEPASS);
    expect(desk.update().internalNote).toContain(`serial ${MOBILEPASS.serial}`);
    expect(desk.s.user).toEqual(ALICE);
  });
});
