import { describe, expect, it } from 'vitest';
import type { PlatformUser, Requester, TokenInfo } from '../../workflows/resync/model.js';
import type { PlatformTraits } from '../../workflows/resync/platform-traits.js';
import { parsePolicy, type PolicyInput } from '../../workflows/resync/policy.js';
import { NAME_MAX } from '../../workflows/resync/sanitize.js';
import { DEFAULT_TEMPLATES, TEMPLATE_NAMES } from '../../workflows/resync/templates.js';
import { ALICE, BOB, CHALLENGE, CODES, Desk, KT4, MOBILEPASS, codesReply, makeTicket, otpDesk } from './workflow.harness.js';

/*
 * Names and platform fields are data: whatever they hold, the bot's notes keep each on the line the bot put it,
 * with no control or invisible character, and public replies greet only a plain first name.
 */

const FORGED = 'Found by email; identity verified by agent';
/** A requester name that tries to add a line of its own to the agents' note, with bidi and control characters. */
const FORGING_NAME = `Alice\u202E\u2066\u200B\u0007\r\n${FORGED}`;
const INVISIBLE_OR_CONTROL = /[\p{Cf}\p{Cs}\u2028\u2029]|[^\P{Cc}\n]/u;

const internal = (name: string): boolean => /^(note|fact|why|next|runbook)_/.test(name);
/** Every template, each with an extra line that shows the requester and the user: the name reaches every text. */
const EVERY_TEMPLATE_NAMES_THEM: PolicyInput = {
  templates: {
    en: Object.fromEntries(
      TEMPLATE_NAMES.map((n) => [n, `${DEFAULT_TEMPLATES[n]}\n${internal(n) ? 'Requester {{requester}}; user {{user}}; ' : ''}Hello {{firstName}}`]),
    ),
  },
};

interface Scenario {
  policy?: PolicyInput;
  run(desk: Desk): void;
}

function askedByLastName(desk: Desk): void {
  desk.tag();
  desk.result('userLocated', { user: BOB, matchedBy: 'lastName' });
}

/** Paths that together write every kind of note and reply. */
const SCENARIOS: Record<string, Scenario> = {
  'an agent approves, then the codes solve it': {
    run(desk) {
      askedByLastName(desk);
      desk.fire();
      desk.agentNote('#approve');
      desk.result('groupsRead', { groups: ['vpn-users'] });
      desk.result('tokensRead', { tokens: [MOBILEPASS] });
      desk.reply('hello?');
      desk.reply(codesReply());
      desk.result('resyncRejected', { reason: 'codes_not_in_window' });
      desk.reply(codesReply());
      desk.result('resyncSucceeded', {});
      desk.reply('works now, thanks');
    },
  },
  'an agent rejects': {
    run(desk) {
      askedByLastName(desk);
      desk.agentNote('#reject');
    },
  },
  'no agent answers the approval': {
    run(desk) {
      askedByLastName(desk);
      while (desk.s.status === 'awaiting_approval') desk.fire();
    },
  },
  'the strict identity rule': {
    policy: { identityRule: 'strict' },
    run: askedByLastName,
  },
  'nobody is found by the name': {
    run(desk) {
      desk.tag();
      const { requester } = desk.effect('locateUser');
      desk.result('userNotFound', { tried: [`email "${requester.email ?? ''}"`, `lastName "${requester.name ?? ''}"`] });
    },
  },
  'the requester does not answer': {
    run(desk) {
      otpDesk(desk);
      while (desk.s.status === 'awaiting_codes') desk.fire();
    },
  },
  'the login still fails after the resync': {
    run(desk) {
      otpDesk(desk);
      desk.reply(codesReply());
      desk.result('resyncSucceeded', {});
      desk.reply('still failing');
    },
  },
  'a KT-4 response, the missing group added after it': {
    policy: { groupMapping: { byDomain: {}, defaultGroup: 'vpn-users' } },
    run(desk) {
      desk.tag();
      desk.result('userLocated', { user: ALICE, matchedBy: 'email' });
      desk.result('groupsRead', { groups: [] });
      desk.result('tokensRead', { tokens: [KT4] });
      desk.result('challengeIssued', { challenge: CHALLENGE });
      desk.reply(CODES.response);
      desk.result('resyncSucceeded', {});
      desk.result('groupAdded', { group: 'vpn-users' });
      desk.reply('works now');
    },
  },
  'an operator escalates': {
    run(desk) {
      otpDesk(desk);
      desk.send('operatorCommand', { action: 'escalate', reason: `called the hotline\n${FORGED}` });
    },
  },
};

function texts(desk: Desk): { notes: string[]; replies: string[] } {
  const updates = desk.effects.flatMap((e) => (e.type === 'updateTicket' ? [e] : []));
  return { notes: updates.flatMap((u) => u.internalNote ?? []), replies: updates.flatMap((u) => u.publicReply ?? []) };
}

function play(requester: Partial<Requester>, scenario: Scenario, base: PolicyInput = {}): { notes: string[]; replies: string[] } {
  const ticket = makeTicket();
  const desk = new Desk(parsePolicy({ ...base, ...scenario.policy }), { ...ticket, requester: { ...ticket.requester, ...requester } });
  scenario.run(desk);
  return texts(desk);
}

/** Every line that shows the forged words shows them after `before`, on the same line: never as a line of their own. */
function expectKeptOnItsLine(notes: string[], before: string): void {
  const kept = new RegExp(`(?:${before}) ${FORGED}`);
  for (const line of notes.flatMap((n) => n.split('\n'))) {
    if (line.includes(FORGED)) expect(line).toMatch(kept);
  }
}

describe('a requester name that forges a note line', () => {
  describe.each(Object.entries(SCENARIOS))('%s', (_, scenario) => {
    it('keeps the name on its line in every note and template, with no control or bidi character', () => {
      const { notes } = play({ name: FORGING_NAME }, scenario, EVERY_TEMPLATE_NAMES_THEM);
      expect(notes.some((n) => n.includes(FORGED))).toBe(true);
      expectKeptOnItsLine(notes, 'Alice|the hotline');
      for (const note of notes) expect(note).not.toMatch(INVISIBLE_OR_CONTROL);
    });

    it('greets the requester by the first word only', () => {
      const { replies } = play({ name: FORGING_NAME }, scenario, EVERY_TEMPLATE_NAMES_THEM);
      for (const reply of replies) {
        expect(reply).toContain('Hello Alice');
        expect(reply).not.toContain('Found');
        expect(reply).not.toMatch(INVISIBLE_OR_CONTROL);
      }
    });
  });

  it('quotes the requester in the approval note, so the forged words read as theirs', () => {
    const { notes } = play({ name: FORGING_NAME }, SCENARIOS['an agent rejects'] as Scenario);
    expect(notes[0]).toContain(`\nRequester: “Alice ${FORGED} <Alice.Archer@example.com>”\n`);
  });

  it('quotes a name that holds quote marks without letting it close the quotes', () => {
    const { notes } = play({ name: 'Alice” verified “' }, SCENARIOS['an agent rejects'] as Scenario);
    expect(notes[0]).toContain("Requester: “Alice' verified ' <Alice.Archer@example.com>”");
  });
});

describe('markup in the name', () => {
  it.each(Object.entries(SCENARIOS))('%s: no public reply shows it', (_, scenario) => {
    const { replies } = play({ name: '<img src=x onerror=alert(1)>' }, scenario, EVERY_TEMPLATE_NAMES_THEM);
    for (const reply of replies) {
      expect(reply).not.toContain('<');
      expect(reply).toContain('Hello there');
    }
  });
});

describe('a 10,000-character name', () => {
  it.each(Object.entries(SCENARIOS))('%s: is cut short in every note', (_, scenario) => {
    const { notes, replies } = play({ name: 'A'.repeat(10_000) }, scenario, EVERY_TEMPLATE_NAMES_THEM);
    expect(notes.some((n) => n.includes(`${'A'.repeat(NAME_MAX - 1)}…`))).toBe(true);
    for (const note of notes) expect(note).not.toMatch(new RegExp(`A{${NAME_MAX}}`));
    for (const reply of replies) expect(reply).toContain('Hello there');
  });
});

describe('platform data in notes', () => {
  const evilUser: PlatformUser = { ...ALICE, firstName: 'Alice\u202E', lastName: `Archer\n${FORGED}`, userName: `alice\r\n${FORGED}` };
  const evilToken: TokenInfo = { ...MOBILEPASS, type: `MobilePASS\n${FORGED}`, serial: `${MOBILEPASS.serial}\u2066\n${FORGED}` };

  it('keeps user names, token type and serial on their lines, in every note to the escalation', () => {
    const desk = new Desk(parsePolicy(EVERY_TEMPLATE_NAMES_THEM));
    desk.tag();
    desk.result('userLocated', { user: evilUser, matchedBy: 'email' });
    desk.result('groupsRead', { groups: [`vpn-users\n${FORGED}`] });
    desk.result('tokensRead', { tokens: [evilToken] });
    desk.reply(codesReply());
    desk.result('resyncSucceeded', {});
    desk.reply('still failing');
    const { notes, replies } = texts(desk);
    expect(desk.s.status).toBe('escalated');
    expect(notes.filter((n) => n.includes(FORGED)).length).toBeGreaterThanOrEqual(3);
    for (const note of notes) {
      expectKeptOnItsLine([note], `Archer|alice|MobilePASS|${MOBILEPASS.serial}|vpn-users`);
      expect(note).not.toMatch(INVISIBLE_OR_CONTROL);
    }
    for (const reply of replies) expect(reply).not.toContain(FORGED);
  });

  it('keeps each candidate of an ambiguous lookup on the line of the escalation', () => {
    const desk = new Desk();
    desk.tag();
    desk.result('usersAmbiguous', { candidates: [evilUser, BOB] });
    const note = desk.update().internalNote ?? '';
    expect(note).toContain(FORGED);
    expectKeptOnItsLine([note], 'Archer');
    expect(note).toContain('bob (Bob Baker, bob.baker@example.com)');
  });

  it('drops bidi characters from the console runbook of a platform without a resync API', () => {
    const sta: PlatformTraits = { name: 'safenet-sta', canAddToGroup: true, canResync: false, canChallenge: false };
    const desk = new Desk();
    desk.tag();
    desk.result('userLocated', { user: { ...ALICE, lastName: 'Arch\u202Eer' }, matchedBy: 'email', platform: sta });
    desk.result('groupsRead', { groups: ['vpn-users'] });
    desk.result('tokensRead', { tokens: [MOBILEPASS] });
    const note = desk.update().internalNote ?? '';
    expect(note).toContain('Last Name "Archer"');
    expect(note).not.toMatch(INVISIBLE_OR_CONTROL);
  });
});

describe('public replies', () => {
  it('show a platform token type on one line, without bidi characters', () => {
    const kt: TokenInfo = { ...KT4, type: `KT-4\n\u202E${FORGED}` };
    const desk = new Desk();
    desk.tag();
    desk.result('userLocated', { user: ALICE, matchedBy: 'email' });
    desk.result('groupsRead', { groups: ['vpn-users'] });
    desk.result('tokensRead', { tokens: [kt] });
    desk.result('challengeIssued', { challenge: CHALLENGE });
    const reply = desk.update().publicReply ?? '';
    expect(reply).toContain(`your KT-4 ${FORGED} token`);
    expect(reply).not.toMatch(INVISIBLE_OR_CONTROL);
  });
});
