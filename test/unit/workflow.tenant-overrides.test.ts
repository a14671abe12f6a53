import { describe, expect, it } from 'vitest';
import { challengeDesk, CODES, Desk, MINUTE, otpDesk, reach } from './workflow.harness.js';

/**
 * A tenant's policy overrides what the worker would otherwise take from its own configuration: the escalation target
 * (the desk's id of a group, queue, team or board) and the daily resync limit. The workflow puts both on the effects,
 * so the adapter and the executor act on the ticket's policy, whichever worker runs them.
 */
describe('policy overrides carried on effects', () => {
  describe('escalationTarget', () => {
    it('rides on the escalating update as escalateTo', () => {
      const desk = reach('escalated', Desk.withPolicy({ escalationTarget: '7001' }));
      expect(desk.update()).toMatchObject({ escalate: true, escalateTo: '7001' });
    });

    it('is left off when the policy names none: the desk’s configured target applies', () => {
      const update = reach('escalated').update();
      expect(update.escalate).toBe(true);
      expect(update).not.toHaveProperty('escalateTo');
    });

    it('is left off an update that does not escalate', () => {
      const desk = otpDesk(Desk.withPolicy({ escalationTarget: 'Acme L2' }));
      expect(desk.update().escalate).toBe(false);
      expect(desk.update()).not.toHaveProperty('escalateTo');
    });

    it('goes with an escalation for too many failed attempts too', () => {
      const desk = otpDesk(Desk.withPolicy({ escalationTarget: 'Acme L2', maxAttempts: 1 }));
      desk.advance(MINUTE).reply('I have no idea what you mean');
      expect(desk.s.status).toBe('escalated');
      expect(desk.update()).toMatchObject({ escalate: true, escalateTo: 'Acme L2' });
    });
  });

  describe('maxResyncsPerUserPerDay', () => {
    it('rides on a resync of two codes', () => {
      const desk = reach('resyncing', Desk.withPolicy({ maxResyncsPerUserPerDay: 1 }));
      expect(desk.effect('resyncOtp').maxResyncsPerUserPerDay).toBe(1);
    });

    it('rides on a challenge resync', () => {
      const desk = challengeDesk(Desk.withPolicy({ maxResyncsPerUserPerDay: 2 }));
      desk.advance(MINUTE).reply(`The response is ${CODES.response}`);
      expect(desk.effect('resyncChallenge').maxResyncsPerUserPerDay).toBe(2);
    });

    it('is the default when the policy sets none', () => {
      expect(reach('resyncing').effect('resyncOtp').maxResyncsPerUserPerDay).toBe(5);
    });
  });
});
