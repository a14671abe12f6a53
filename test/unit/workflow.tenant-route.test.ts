import { describe, expect, it } from 'vitest';
import type { Effect } from '../../workflows/resync/effects.js';
import type { EventOf } from '../../workflows/resync/events.js';
import { parsePolicy } from '../../workflows/resync/policy.js';
import { transition } from '../../workflows/resync/transition.js';
import { ALICE, makeTicket, MOBILEPASS, T0 } from './workflow.harness.js';

/**
 * A deployment serving many customers routes each new ticket to one tenant before the bot says anything (the worker
 * finds it from what the ticket system vouches for); the workflow records it for the ticket's life and names it on every
 * effect that goes to a 2FA platform, and a ticket no tenant (or two) matches goes to a human without a platform call.
 */
describe('the workflow and the ticket’s tenant', () => {
  const policy = parsePolicy();
  const tagged: EventOf<'ticketTagged'> = { type: 'ticketTagged', id: 'local:t1:tagged', at: T0, ticket: makeTicket() };
  const PLATFORM_SIDE = new Set<Effect['type']>(['locateUser', 'readGroups', 'addToGroup', 'readTokens', 'startChallenge', 'resyncOtp', 'resyncChallenge', 'holdCodes', 'checkAuthLog']);

  it('records the tenant it was routed to and names it on every platform effect, never on ticket updates or timers', () => {
    const first = transition(undefined, tagged, policy, { tenant: 'acme' });
    expect(first.state?.tenant).toBe('acme');
    const locate = first.effects.find((e) => e.type === 'locateUser');
    expect(locate?.tenant).toBe('acme');
    const located = transition(first.state, { type: 'userLocated', id: 'fx:1', at: T0 + 1, effectId: locate?.id ?? '', user: ALICE, matchedBy: 'email', platform: { name: 'local', canAddToGroup: true, canResync: true, canChallenge: true } }, policy);
    const groups = transition(located.state, { type: 'groupsRead', id: 'fx:2', at: T0 + 2, effectId: located.state?.awaiting ?? '', groups: ['VPN Users'] }, policy);
    const tokens = transition(groups.state, { type: 'tokensRead', id: 'fx:3', at: T0 + 3, effectId: groups.state?.awaiting ?? '', tokens: [MOBILEPASS] }, policy);
    const all = [...first.effects, ...located.effects, ...groups.effects, ...tokens.effects];
    expect(all.some((e) => e.type === 'updateTicket')).toBe(true);
    for (const e of all) expect(e.tenant, e.type).toBe(PLATFORM_SIDE.has(e.type) ? 'acme' : undefined);
    // the state keeps it: later steps need no route
    expect(tokens.state?.tenant).toBe('acme');
  });

  it('a route given for a ticket that already has a workflow changes nothing: the tenant is fixed for the ticket’s life', () => {
    const first = transition(undefined, tagged, policy, { tenant: 'acme' });
    const locate = first.effects.find((e) => e.type === 'locateUser');
    // an event that moves the workflow on, arriving with another tenant's route
    const later = transition(first.state, { type: 'userLocated', id: 'fx:1', at: T0 + 5, effectId: locate?.id ?? '', user: ALICE, matchedBy: 'email', platform: { name: 'local', canAddToGroup: true, canResync: true, canChallenge: true } }, policy, { tenant: 'beta' });
    expect(later.changed).toBe(true);
    expect(later.state?.status).not.toBe(first.state?.status);
    expect(later.state?.tenant).toBe('acme');
    const platformSide = later.effects.filter((e) => PLATFORM_SIDE.has(e.type));
    expect(platformSide.length).toBeGreaterThan(0);
    for (const e of platformSide) expect(e.tenant, e.type).toBe('acme');
  });

  it('no tenant (or two) matches: escalated to a human at once, the reason in the note, no platform effect, no code asked for', () => {
    const why = 'no tenant matches organization 4711 or email domain beta.example: add the customer to TENANTS_FILE';
    const r = transition(undefined, tagged, policy, { refused: why });
    expect(r.state?.status).toBe('escalated');
    expect(r.state?.escalation).toEqual({ reason: 'tenant_unknown', detail: why });
    expect(r.state?.tenant).toBeUndefined();
    expect(r.effects.filter((e) => PLATFORM_SIDE.has(e.type))).toEqual([]);
    const update = r.effects.find((e) => e.type === 'updateTicket');
    expect(update?.type === 'updateTicket' && update.internalNote).toContain('4711');
    expect(update?.type === 'updateTicket' && update.publicReply).not.toMatch(/code/i);
    expect(update?.type === 'updateTicket' && update.addTags).toContain(policy.escalatedTag);
  });

  it('without tenants (the single-platform configuration) nothing changes: no tenant on the state or the effects', () => {
    const r = transition(undefined, tagged, policy);
    expect(r.state?.tenant).toBeUndefined();
    expect(r.effects.every((e) => e.tenant === undefined)).toBe(true);
  });

  it('a ticket the bot left is not started by a route either', () => {
    const left: EventOf<'ticketTagged'> = { ...tagged, ticket: makeTicket({ tags: ['2fa_issue', '2fa_bot_resolved'] }), past: { botCommented: true } };
    expect(transition(undefined, left, policy, { refused: 'no match' })).toEqual({ state: undefined, effects: [], changed: false });
  });
});
