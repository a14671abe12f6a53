import { describe, expect, it } from 'vitest';
import { agentAction, formatModeAudit, modeAuditRecordOf, summarizeModeAudit, type ModeAuditRecord } from '../../workers/observe/sla/mode-audit.js';
import { Desk, codesReply, otpDesk } from './workflow.harness.js';

function record(proposals: Array<[string, ModeAuditRecord['proposals'][number]['outcome']]>, mode: ModeAuditRecord['mode'] = 'shadow'): ModeAuditRecord {
  return {
    system: 'local',
    ticketId: `t${proposals.length}`,
    round: 1,
    mode,
    ended: 'handed_off',
    closedAt: 1000,
    proposals: proposals.map(([step, outcome], i) => ({ id: `1.${i + 1}`, steps: [step as 'reply'], outcome, proposedAt: 0, ...(outcome === 'open' ? {} : { decidedAt: 60_000 * (i + 1) }) })),
  };
}

describe('mode audit', () => {
  it('a shadow ticket that ended: its round’s proposals and outcomes, nothing of a live or running ticket', () => {
    const desk = otpDesk(Desk.withPolicy({ mode: 'shadow' }));
    expect(modeAuditRecordOf(desk.s)).toBeUndefined();
    desk.tags({ added: ['2fa_apply'] });
    desk.reply(codesReply());
    desk.comment('I fixed it on the phone', { role: 'agent', public: true });
    expect(modeAuditRecordOf(desk.s)).toMatchObject({ mode: 'shadow', ended: 'handed_off', proposals: [{ steps: ['reply'], outcome: 'applied' }, { steps: ['resync'], outcome: 'agent_replied' }] });
    expect(JSON.stringify(modeAuditRecordOf(desk.s))).not.toMatch(/287082|alice/i);
    const live = otpDesk(new Desk());
    live.tags({ added: ['2fa_bot_off'] });
    expect(modeAuditRecordOf(live.s)).toBeUndefined();
  });

  it('agreement per step: applied over decided; open proposals are not decided', () => {
    const audit = summarizeModeAudit(
      [
        record([['reply', 'applied'], ['resync', 'applied'], ['reply', 'agent_replied']]),
        record([['reply', 'applied'], ['group', 'taken_over'], ['resync', 'open'], ['reply', 'expired'], ['reply', 'applied']]),
        record([['resync', 'applied']], 'approve-changes'),
      ],
      { from: 0, to: 2000 },
    );
    const row = (mode: string, step: string) => audit.rows.find((r) => r.mode === mode && r.step === step);
    expect(row('shadow', 'reply')).toMatchObject({ proposed: 5, agreement: 3 / 5 });
    expect(row('shadow', 'resync')).toMatchObject({ proposed: 2, agreement: 1, outcomes: { open: 1, applied: 1 } });
    expect(row('shadow', 'group')).toMatchObject({ proposed: 1, agreement: 0 });
    expect(row('shadow', 'challenge')).toBeUndefined();
    expect(row('shadow', 'all')).toMatchObject({ proposed: 8, agreement: 4 / 7 });
    expect(row('approve-changes', 'resync')).toMatchObject({ proposed: 1, agreement: 1, applyP50Ms: 60_000 });
    expect(audit.tickets).toBe(3);
    expect(formatModeAudit(audit, 'table')).toMatch(/shadow.*reply.*60\.0%/);
    expect(formatModeAudit(audit, 'csv').split('\n')[0]).toBe('mode,step,proposed,applied,agent_replied,taken_over,agent_closed,rejected,escalated,expired,open,agreement,apply p50,by_hand,differently,not_done,unseen,followed');
    expect(formatModeAudit(summarizeModeAudit([], { from: 0, to: 1 }), 'table')).toMatch(/no shadow or approve-changes ticket/);
  });

  it('what the agent did per step: a public reply where the bot proposed one is the step done by hand', () => {
    expect(agentAction('reply', 'agent_replied')).toBe('by_hand');
    expect(agentAction('reply', 'agent_closed')).toBe('differently');
    expect(agentAction('reply', 'taken_over')).toBe('differently');
    expect(agentAction('resync', 'rejected')).toBe('differently');
    expect(agentAction('group', 'expired')).toBe('not_done');
    // whether the agent resynced in the console is not at hand: the bot reads nothing after its round
    expect(agentAction('resync', 'agent_replied')).toBe('unseen');
    expect(agentAction('challenge', 'agent_closed')).toBe('unseen');
    expect(agentAction('resync', 'open')).toBeUndefined();
  });

  it('counts each step by what the agent did, and the share they followed through the bot or by hand', () => {
    const audit = summarizeModeAudit(
      [
        record([['reply', 'applied'], ['resync', 'agent_replied']]),
        record([['reply', 'agent_replied'], ['reply', 'agent_closed'], ['reply', 'expired'], ['reply', 'open']]),
      ],
      { from: 0, to: 2000 },
    );
    const row = (step: string) => audit.rows.find((r) => r.mode === 'shadow' && r.step === step);
    expect(row('reply')).toMatchObject({ proposed: 5, agreement: 1 / 4, actions: { applied: 1, by_hand: 1, differently: 1, not_done: 1, unseen: 0 }, followed: 2 / 4 });
    expect(row('resync')).toMatchObject({ agreement: 0, actions: { unseen: 1 }, followed: null });
    expect(row('all')).toMatchObject({ proposed: 6, actions: { applied: 1, by_hand: 1, differently: 1, not_done: 1, unseen: 1 }, followed: 2 / 4 });
    const csv = formatModeAudit(audit, 'csv').split('\n');
    expect(csv.find((l) => l.startsWith('shadow,reply,'))).toBe('shadow,reply,5,1,1,0,1,0,0,1,1,25.0%,60s,1,1,1,0,50.0%');
  });
});
