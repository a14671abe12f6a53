import { describe, expect, it } from 'vitest';
import type { PlatformTraits } from '../../workflows/resync/platform-traits.js';
import { ALICE, Desk, KT4, MOBILEPASS } from './workflow.harness.js';

/** SafeNet Trusted Access: users, groups and logs through its API, but no resync and no challenge. */
const STA: PlatformTraits = { name: 'safenet-sta', canAddToGroup: true, canResync: false, canChallenge: false, consoleUrl: 'https://cloud.safenet-inc.com/' };
/** privacyIDEA without a group attribute: resyncs HOTP/TOTP, no challenge/response, no groups to add. */
const PRIVACYIDEA: PlatformTraits = { name: 'privacyidea', canAddToGroup: false, canResync: true, canChallenge: false };

/** Up to the token check, on a platform with these traits. */
function tokensOn(platform: PlatformTraits | undefined, tokens = [MOBILEPASS], groups = ['vpn-users'], desk = new Desk()): Desk {
  desk.tag();
  desk.result('userLocated', { user: ALICE, matchedBy: 'email', ...(platform ? { platform } : {}) });
  desk.result('groupsRead', { groups });
  if (groups.length > 0) desk.result('tokensRead', { tokens });
  return desk;
}

describe('platform capabilities', () => {
  describe('inspecting_tokens', () => {
    it('escalates with console steps when the platform cannot resync, and never asks the user for codes', () => {
      const desk = tokensOn(STA);
      expect(desk.s.status).toBe('escalated');
      expect(desk.s.escalation?.reason).toBe('resync_not_automated');
      expect(desk.types()).not.toContain('resyncOtp');
      const update = desk.update();
      expect(update.publicReply).not.toMatch(/code/i);
      expect(update.publicReply).toMatch(/colleague will take it from here/);
      expect(update.status).toBe('open');
      expect(update.escalate).toBe(true);
    });

    it('writes the runbook’s MobilePASS console steps for this user and token in the internal note', () => {
      const note = tokensOn(STA).update().internalNote ?? '';
      for (const step of [
        'the 2FA administration console (https://cloud.safenet-inc.com/)',
        'Assignment tab: search the user by Last Name "Archer" or User ID "alice"',
        `"Manage" next to the MobilePASS token, serial ${MOBILEPASS.serial}, and select "Resync"`,
        'enter it in the first box; ask for the next code and enter it in the second box; click "Resync"',
        'Have the user re-try their login',
      ]) {
        expect(note).toContain(step);
      }
      expect(note).toMatch(/safenet-sta has no API for this/);
    });

    it('escalates with the KT-4 challenge/response console steps when the platform cannot issue a challenge', () => {
      const desk = tokensOn(STA, [KT4]);
      expect(desk.s.status).toBe('escalated');
      expect(desk.s.escalation?.reason).toBe('resync_not_automated');
      expect(desk.types()).not.toContain('startChallenge');
      const note = desk.update().internalNote ?? '';
      for (const step of [
        `"Manage" next to the KT-4 token, serial ${KT4.serial}, and select "Resync": the console shows a Challenge`,
        'hold the button on their token until options such as Init and Contrast come up',
        "when it shows 'Resync' they press the button again",
        'They enter the code from the Challenge box',
        'Type it in the Response box and click "Resync"',
      ]) {
        expect(note).toContain(step);
      }
    });

    it('asks for codes as before when the platform can resync', () => {
      const desk = tokensOn(PRIVACYIDEA);
      expect(desk.s.status).toBe('awaiting_codes');
      expect(desk.update().publicReply).toMatch(/two codes in a row/);
    });

    it('escalates only the challenge token on a platform that resyncs OTP tokens but not challenge ones', () => {
      const desk = tokensOn(PRIVACYIDEA, [KT4]);
      expect(desk.s.escalation?.reason).toBe('resync_not_automated');
      expect(desk.s.escalation?.detail).toMatch(/privacyidea cannot issue a resync challenge/);
    });

    it('starts the challenge when the platform can issue one', () => {
      const desk = tokensOn({ ...STA, canResync: true, canChallenge: true }, [KT4]);
      expect(desk.s.status).toBe('inspecting_tokens');
      expect(desk.types()).toEqual(['startChallenge']);
    });

    it('assumes every step is possible for a located event without capabilities (saved before they existed)', () => {
      expect(tokensOn(undefined).s.status).toBe('awaiting_codes');
      expect(tokensOn(undefined, [KT4]).types()).toEqual(['startChallenge']);
    });

    it('still escalates a locked token for what it is, whatever the platform can do', () => {
      const desk = tokensOn(STA, [{ ...MOBILEPASS, state: 'locked' }]);
      expect(desk.s.escalation?.reason).toBe('token_locked');
    });

    it('keeps the capabilities in the state for the rest of the round', () => {
      expect(tokensOn(STA).s.platform).toEqual(STA);
    });
  });

  describe('checking_group', () => {
    it('escalates with the group console steps when the platform cannot add the mapped group', () => {
      const desk = tokensOn(PRIVACYIDEA, [], [], Desk.withPolicy({ groupMapping: { byDomain: { 'example.com': 'VPN Users' } } }));
      expect(desk.s.status).toBe('escalated');
      expect(desk.s.escalation?.reason).toBe('group_not_automated');
      expect(desk.types()).not.toContain('addToGroup');
      const note = desk.update().internalNote ?? '';
      expect(note).toContain('Select Group Membership, click "Add", select the group "VPN Users" and click "Apply"');
      expect(note).toContain('Assignment tab: search the user by Last Name "Archer" or User ID "alice"');
    });

    it('leaves the group to be added by the platform once the codes prove the token, when the platform can', () => {
      const desk = tokensOn(STA, [], [], Desk.withPolicy({ groupMapping: { byDomain: { 'example.com': 'VPN Users' } } }));
      expect(desk.types()).toEqual(['readTokens']);
      expect(desk.s.pendingGroup).toBe('VPN Users');
    });
  });
});
