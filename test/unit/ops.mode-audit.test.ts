import { describe, expect, it } from 'vitest';
import { formatModeAudit, modeAuditRecordOf, summarizeModeAudit, type ModeAuditRecord } from '../../workers/observe/sla/mode-audit.js';
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
    expect(formatModeAudit(audit, 'csv').split('\n')[0]).toBe('mode,step,proposed,applied,agent_replied,taken_over,agent_closed,rejected,escalated,expired,open,agreement,apply p50');
    expect(formatModeAudit(summarizeModeAudit([], { from: 0, to: 1 }), 'table')).toMatch(/no shadow or approve-changes ticket/);
  });
});
