import { describe, expect, it } from 'vitest';
import type { TokenInfo } from '../../workflows/resync/model.js';
import type { PlatformTraits } from '../../workflows/resync/platform-traits.js';
import { DEFAULT_TEMPLATES } from '../../workflows/resync/templates.js';
import { ALICE, CODES, Desk, KT4, MINUTE, MOBILEPASS, T0, codesReply } from './workflow.harness.js';

/** SafeNet Trusted Access resyncing over RADIUS: every pair sent is a login, and wrong ones count toward the lock-out. */
const STA_RADIUS: PlatformTraits = {
  name: 'safenet-sta',
  canAddToGroup: true,
  canResync: true,
  canChallenge: false,
  resyncTriesPerTicket: 2,
  consoleUrl: 'https://cloud.safenet-inc.com/',
};
/** SafeNet Trusted Access without RADIUS but with the assist page: the bot collects codes, an agent types them in. */
const STA_ASSIST: PlatformTraits = { name: 'safenet-sta', canAddToGroup: true, canResync: false, canChallenge: false, assist: true, consoleUrl: 'https://cloud.safenet-inc.com/' };
/** The same STA without the assist page. */
const STA_PLAIN: PlatformTraits = { name: 'safenet-sta', canAddToGroup: true, canResync: false, canChallenge: false, consoleUrl: 'https://cloud.safenet-inc.com/' };
/** A platform the bot drives fully through its API, with no per-ticket limit on resyncs. */
const EMBEDDED: PlatformTraits = { name: 'local', canAddToGroup: true, canResync: true, canChallenge: true };

const HELD = { url: 'https://desk.example/assist/7f3c9a', expiresAt: T0 + 15 * MINUTE };
const HELD_UNTIL = '2024-05-06 09:15 UTC';

/** Locating the user through reading the tokens, on a platform with these traits (a round after the tag or a reopen). */
function discover(desk: Desk, platform: PlatformTraits | undefined, tokens: TokenInfo[] = [MOBILEPASS]): Desk {
  desk.result('userLocated', { user: ALICE, matchedBy: 'email', ...(platform ? { platform } : {}) });
  desk.result('groupsRead', { groups: ['vpn-users'] });
  desk.result('tokensRead', { tokens });
  return desk;
}

/** Up to the token check, on a platform with these traits. */
function tokensOn(platform: PlatformTraits | undefined, tokens: TokenInfo[] = [MOBILEPASS], desk = new Desk()): Desk {
  desk.tag();
  return discover(desk, platform, tokens);
}

/** The requester replies with two codes a few minutes later. */
function sendCodes(desk: Desk): Desk {
  desk.advance(5 * MINUTE).reply(codesReply());
  return desk;
}

/** Up to the first resync on the platform with these traits. */
function firstResyncOn(platform: PlatformTraits | undefined): Desk {
  return sendCodes(tokensOn(platform));
}

function sent(desk: Desk, type: 'resyncOtp' | 'holdCodes'): number {
  return desk.effects.filter((e) => e.type === type).length;
}

/** The comment the requester's last reply came in. */
function lastCommentId(desk: Desk): string {
  const e = desk.events.at(-1);
  if (e?.type !== 'commentAdded') throw new Error(`the last event is ${e?.type ?? 'missing'}, not a comment`);
  return e.commentId;
}

describe('resync by authentication (STA over RADIUS)', () => {
  describe('a resync the platform found unnecessary', () => {
    it('asks for a re-test saying the token was already in sync, and notes that nothing was changed', () => {
      const desk = firstResyncOn(STA_RADIUS).advance(MINUTE);
      desk.result('resyncSucceeded', { alreadyInSync: true });
      expect(desk.s.status).toBe('awaiting_retest');
      expect(desk.s.resyncedAt).toBe(desk.now);
      const update = desk.update();
      expect(update.publicReply).toBe(DEFAULT_TEMPLATES.ask_retest_in_sync);
      expect(update.publicReply).toMatch(/was already in sync/);
      expect(update.publicReply).not.toMatch(/back in sync/);
      expect(update.internalNote).toContain(`token ${MOBILEPASS.serial} (MobilePASS) was not out of sync, so nothing was changed`);
      expect(update.status).toBe('pending');
    });

    it('still says "back in sync" for an ordinary resync', () => {
      const desk = firstResyncOn(STA_RADIUS);
      desk.result('resyncSucceeded', {});
      expect(desk.update().publicReply).toMatch(/back in sync/);
      expect(desk.update().internalNote).not.toMatch(/nothing was changed/);
    });
  });

  describe('a resync whose outcome is unknown', () => {
    it('asks for two NEW codes without counting a failed attempt, and keeps the try counted', () => {
      const desk = firstResyncOn(STA_RADIUS);
      desk.result('resyncRejected', { reason: 'outcome_unknown' });
      expect(desk.s.status).toBe('awaiting_codes');
      expect(desk.s.attempts).toBe(0);
      expect(desk.s.resyncTries).toBe(1);
      const update = desk.update();
      expect(update.publicReply).toBe(DEFAULT_TEMPLATES.codes_outcome_unknown);
      expect(update.publicReply).toMatch(/send two NEW codes/);
      expect(update.publicReply).not.toMatch(/didn't match/);
      expect(update.internalNote).toContain('the outcome is unknown, so the same codes are not sent again');
      expect(update.internalNote).toContain('resyncs sent on this ticket: 1 of 2');
      expect(update.status).toBe('pending');
    });

    it('sends the new codes as the second try', () => {
      const desk = firstResyncOn(STA_RADIUS);
      desk.result('resyncRejected', { reason: 'outcome_unknown' });
      sendCodes(desk);
      expect(desk.s.status).toBe('resyncing');
      expect(desk.types()).toEqual(['resyncOtp']);
      expect(desk.s.resyncTries).toBe(2);
    });
  });

  describe('the per-ticket budget of resyncs', () => {
    it('escalates for lock-out risk after the second rejected pair instead of asking for a third', () => {
      const desk = firstResyncOn(STA_RADIUS);
      desk.result('resyncRejected', { reason: 'codes_not_in_window' });
      expect(desk.s.status).toBe('awaiting_codes');
      expect(desk.update().publicReply).toBe(DEFAULT_TEMPLATES.codes_rejected);

      sendCodes(desk);
      expect(desk.s.resyncTries).toBe(2);
      desk.result('resyncRejected', { reason: 'codes_not_in_window' });
      expect(desk.s.status).toBe('escalated');
      expect(desk.s.escalation?.reason).toBe('lockout_risk');
      // the budget stopped it, not the failed attempts (two of three)
      expect(desk.s.attempts).toBe(1);
      const update = desk.update();
      expect(update.publicReply).toBe(DEFAULT_TEMPLATES.escalated);
      expect(update.publicReply).not.toMatch(/code/i);
      expect(update.escalate).toBe(true);
      expect(update.status).toBe('open');
      expect(update.internalNote).toContain("one more try could lock the user out under the 2FA platform's lock-out policy");
      expect(update.internalNote).toContain('Do not ask the user for more codes through the bot');
      expect(sent(desk, 'resyncOtp')).toBe(2);
    });

    it('sends no third pair even if the requester writes codes once more', () => {
      const desk = firstResyncOn(STA_RADIUS);
      desk.result('resyncRejected', { reason: 'codes_not_in_window' });
      sendCodes(desk).result('resyncRejected', { reason: 'codes_not_in_window' });
      sendCodes(desk);
      expect(desk.s.status).toBe('escalated');
      expect(desk.last.effects).toEqual([]);
      expect(sent(desk, 'resyncOtp')).toBe(2);
    });

    it('escalates for lock-out risk when the outcome is unknown twice', () => {
      const desk = firstResyncOn(STA_RADIUS);
      desk.result('resyncRejected', { reason: 'outcome_unknown' });
      sendCodes(desk).result('resyncRejected', { reason: 'outcome_unknown' });
      expect(desk.s.status).toBe('escalated');
      expect(desk.s.escalation?.reason).toBe('lockout_risk');
      expect(desk.s.attempts).toBe(0);
      expect(desk.update().publicReply).toBe(DEFAULT_TEMPLATES.escalated);
      expect(desk.update().publicReply).not.toMatch(/NEW codes/);
      expect(sent(desk, 'resyncOtp')).toBe(2);
    });

    it('counts resyncs per ticket across rounds: after a reopen only the remaining try is sent', () => {
      const desk = firstResyncOn(STA_RADIUS);
      desk.result('resyncSucceeded', {});
      desk.advance(10 * MINUTE).reply('Yes, works now - thank you!');
      expect(desk.s.status).toBe('resolved');
      expect(desk.s.resyncTries).toBe(1);

      desk.advance(2 * 24 * 60 * MINUTE).reply('it is broken again');
      expect(desk.s.status).toBe('locating_user');
      expect(desk.s.round).toBe(2);
      expect(desk.s.resyncTries).toBe(1);
      discover(desk, STA_RADIUS);
      expect(desk.s.status).toBe('awaiting_codes');

      sendCodes(desk);
      expect(desk.types()).toEqual(['resyncOtp']);
      expect(desk.s.resyncTries).toBe(2);
      desk.result('resyncRejected', { reason: 'codes_not_in_window' });
      expect(desk.s.status).toBe('escalated');
      expect(desk.s.escalation?.reason).toBe('lockout_risk');
      expect(desk.s.attempts).toBe(0);
      expect(sent(desk, 'resyncOtp')).toBe(2);
    });

    it('does not ask a reopened ticket for codes once every try is used: it goes to an agent at once', () => {
      const desk = firstResyncOn(STA_RADIUS);
      desk.result('resyncRejected', { reason: 'outcome_unknown' });
      sendCodes(desk);
      desk.result('resyncSucceeded', {});
      desk.advance(10 * MINUTE).reply('Yes, works now - thank you!');
      expect(desk.s.status).toBe('resolved');
      expect(desk.s.resyncTries).toBe(2);
      desk.advance(2 * 24 * 60 * MINUTE).reply('it is broken again');
      discover(desk, STA_RADIUS);
      expect(desk.s.status).toBe('escalated');
      expect(desk.s.escalation?.reason).toBe('lockout_risk');
      expect(desk.update().publicReply).not.toMatch(/codes/);
    });

    it('escalates for lock-out risk when the adapter refused to send the codes, and gives that try back', () => {
      const desk = firstResyncOn(STA_RADIUS);
      expect(desk.s.resyncTries).toBe(1);
      desk.result('resyncRejected', { reason: 'lockout_risk' });
      expect(desk.s.status).toBe('escalated');
      expect(desk.s.escalation?.reason).toBe('lockout_risk');
      expect(desk.s.escalation?.detail).toMatch(/did not send the codes \(nothing was changed\)/);
      expect(desk.s.resyncTries).toBe(0);
      expect(desk.update().publicReply).toBe(DEFAULT_TEMPLATES.escalated);
    });

    it('does not count a pair the worker could not read back (reply_unusable) as a try', () => {
      const desk = firstResyncOn(STA_RADIUS);
      desk.result('resyncRejected', { reason: 'reply_unusable' });
      expect(desk.s.status).toBe('awaiting_codes');
      expect(desk.s.resyncTries).toBe(0);
      expect(desk.s.attempts).toBe(1);
      expect(desk.update().publicReply).toBe(DEFAULT_TEMPLATES.codes_problem_unclear);

      // two real tries are still left: a rejected pair, then a third pair goes out
      sendCodes(desk).result('resyncRejected', { reason: 'codes_not_in_window' });
      expect(desk.s.status).toBe('awaiting_codes');
      sendCodes(desk);
      expect(desk.types()).toEqual(['resyncOtp']);
      expect(desk.s.resyncTries).toBe(2);
      expect(sent(desk, 'resyncOtp')).toBe(3);
    });

    it.each([
      ['embedded traits without a limit', EMBEDDED],
      ['no traits at all (a state saved before they existed)', undefined],
    ])('changes nothing with %s: three rejections still end in max_attempts', (_label, platform) => {
      const desk = firstResyncOn(platform);
      desk.result('resyncRejected', { reason: 'codes_not_in_window' });
      sendCodes(desk).result('resyncRejected', { reason: 'codes_not_in_window' });
      expect(desk.s.status).toBe('awaiting_codes');
      sendCodes(desk);
      expect(desk.types()).toEqual(['resyncOtp']);
      desk.result('resyncRejected', { reason: 'codes_not_in_window' });
      expect(desk.s.status).toBe('escalated');
      expect(desk.s.escalation?.reason).toBe('max_attempts');
      expect(desk.s.attempts).toBe(3);
      expect(sent(desk, 'resyncOtp')).toBe(3);
    });
  });
});

describe('assisted resync (codes held for an agent)', () => {
  it('asks a MobilePASS user for codes instead of escalating', () => {
    const desk = tokensOn(STA_ASSIST);
    expect(desk.s.status).toBe('awaiting_codes');
    expect(desk.s.escalation).toBeUndefined();
    const update = desk.update();
    expect(update.publicReply).toMatch(/two codes in a row/);
    expect(update.escalate).toBe(false);
  });

  it('holds the codes for an agent: one holdCodes naming the comment, no resync, no code in any effect', () => {
    const desk = sendCodes(tokensOn(STA_ASSIST));
    expect(desk.s.status).toBe('resyncing');
    const hold = desk.effect('holdCodes');
    expect(hold).toEqual({
      type: 'holdCodes',
      id: hold.id,
      userId: ALICE.id,
      serial: MOBILEPASS.serial,
      tokenType: 'MobilePASS',
      commentId: lastCommentId(desk),
      codeLength: 6,
    });
    expect(desk.s.awaiting).toBe(hold.id);
    expect(desk.types()).toEqual(['holdCodes']);
    expect(sent(desk, 'resyncOtp')).toBe(0);
    expect(desk.s.resyncTries).toBe(0);
    const effects = JSON.stringify(desk.effects);
    expect(effects).not.toContain(CODES.first);
    expect(effects).not.toContain(CODES.second);
  });

  it('hands over with the one-time page and the console steps once the codes are held', () => {
    const desk = sendCodes(tokensOn(STA_ASSIST));
    desk.result('codesHeld', HELD);
    expect(desk.s.status).toBe('escalated');
    expect(desk.s.escalation?.reason).toBe('resync_assisted');
    const update = desk.update();
    expect(update.escalate).toBe(true);
    expect(update.status).toBe('open');
    // one clear word to the requester, not the generic hand-over text on top of it
    expect(update.publicReply).toBe(DEFAULT_TEMPLATES.assist_codes_received);
    const note = update.internalNote ?? '';
    for (const part of [
      `Open ${HELD.url} (log in with the operations token)`,
      `It shows the codes once, until ${HELD_UNTIL}`,
      'Log in to the 2FA administration console (https://cloud.safenet-inc.com/)',
      'search the user by User ID "alice" (Last Name "Archer")',
      `"Manage" next to the MobilePASS token, serial ${MOBILEPASS.serial}, select "Resync"`,
    ]) {
      expect(note).toContain(part);
    }
    expect(desk.s.escalation?.detail).toContain(`held for you until ${HELD_UNTIL}`);
    const ticket = JSON.stringify(update);
    expect(ticket).not.toContain(CODES.first);
    expect(ticket).not.toContain(CODES.second);
    const all = JSON.stringify(desk.effects);
    expect(all).not.toContain(CODES.first);
    expect(all).not.toContain(CODES.second);
  });

  it('escalates a KT-4 token at once, telling the requester how to reach the Resync mode', () => {
    const desk = tokensOn(STA_ASSIST, [KT4]);
    expect(desk.s.status).toBe('escalated');
    expect(desk.s.escalation?.reason).toBe('resync_not_automated');
    expect(desk.types()).not.toContain('startChallenge');
    expect(desk.types()).not.toContain('holdCodes');
    const reply = desk.update().publicReply ?? '';
    expect(reply).toContain('hold the button until options such as Init and Contrast come up');
    expect(reply).toContain('KT-4');
  });

  it('escalates a MobilePASS at once without the assist page, as before', () => {
    const desk = tokensOn(STA_PLAIN);
    expect(desk.s.status).toBe('escalated');
    expect(desk.s.escalation?.reason).toBe('resync_not_automated');
    expect(desk.types()).not.toContain('holdCodes');
    expect(desk.update().publicReply).not.toMatch(/two codes in a row/);
    expect(desk.update().internalNote).toContain('Have the user re-try their login');
  });

  it('is pure: the same codesHeld event applied twice changes nothing the second time', () => {
    const desk = sendCodes(tokensOn(STA_ASSIST));
    const event = desk.event('codesHeld', { effectId: desk.s.awaiting ?? 'nothing-awaited', ...HELD });
    const before = structuredClone(desk.s);
    const first = desk.apply(event);
    expect(first.changed).toBe(true);
    expect(first.state?.status).toBe('escalated');
    // the stored state the event was applied to is left as it was
    expect(desk.results.at(-2)?.state).toEqual(before);

    const after = structuredClone(desk.s);
    const second = desk.apply(event);
    expect(second.changed).toBe(false);
    expect(second.effects).toEqual([]);
    expect(second.state).toBe(first.state);
    expect(desk.s).toEqual(after);
  });
});
