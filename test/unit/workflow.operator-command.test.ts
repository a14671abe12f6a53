import { describe, expect, it } from 'vitest';
import { reach } from './workflow.harness.js';

describe('operatorCommand', () => {
  it('escalates a waiting ticket with the operator reason in the note, and stops its timers', () => {
    const desk = reach('awaiting_codes');
    desk.send('operatorCommand', { action: 'escalate', reason: 'user called the hotline' });
    expect(desk.s.status).toBe('escalated');
    expect(desk.s.escalation).toEqual({ reason: 'operator_request', detail: 'user called the hotline' });
    expect(desk.s.timer).toBeUndefined();
    const update = desk.update();
    expect(update.escalate).toBe(true);
    expect(update.internalNote).toContain('user called the hotline');
    expect(update.addTags).toContain(desk.policy.escalatedTag);
  });

  it('hands a ticket off silently: no ticket update, no timer', () => {
    const desk = reach('awaiting_retest');
    desk.send('operatorCommand', { action: 'handoff', reason: '' });
    expect(desk.s.status).toBe('handed_off');
    expect(desk.last.effects).toEqual([]);
    expect(desk.s.history.at(-1)?.note).toBe('an operator handed it off');
  });

  it('does nothing to a ticket that has ended', () => {
    for (const status of ['resolved', 'escalated', 'handed_off'] as const) {
      const desk = reach(status);
      desk.send('operatorCommand', { action: 'escalate', reason: 'again' });
      expect(desk.s.status).toBe(status);
      expect(desk.last.effects).toEqual([]);
    }
  });
});
