import type { Language } from '../../workflows/resync/language.js';
import type { StateName } from '../../workflows/resync/state.js';

/** How a simulated end user answers, by what the bot waits for. `undefined` means "does not reply". */
export interface UserScript {
  /** the n-th time (0-based) the bot asks for codes */
  codes?: (n: number) => 'right' | 'wrong' | 'garbled' | undefined;
  /** the n-th time the bot asks for the KT-4 response */
  response?: (n: number) => 'right' | 'wrong' | undefined;
  /**
   * asked to re-test: log in with a fresh code, then say it works; or say it still fails; or (`logs-in`) log in and
   * write nothing, leaving it to the bot to see the login in the platform's log
   */
  retest?: () => 'works' | 'fails' | 'logs-in' | undefined;
  /** an agent's answer when the bot asks to approve acting for another person (internal note) */
  agent?: 'approve' | 'reject';
}

export interface Scenario {
  key: string;
  title: string;
  requester: { email: string; name: string; externalId?: string };
  /** the token serial the simulated user holds (its device counter is in demo-devices.ts) */
  serial?: string;
  /** platform user name, to log in during the re-test */
  userName?: string;
  script: UserScript;
  expect: { final: StateName; publicReplies: number };
  /** the language the requester writes in (ticket, replies), told by their words alone (no locale); default English */
  language?: Language;
}

/** The demo's scenarios: every path of the runbook, each with its expected end. */
export const SCENARIOS: Scenario[] = [
  {
    key: 'mobilepass-drift',
    title: 'MobilePASS drifted 300 counters',
    requester: { email: 'alice.archer@example.com', name: 'Alice Archer' },
    userName: 'alice',
    script: { codes: () => 'right', retest: () => 'works' },
    expect: { final: 'resolved', publicReplies: 3 },
  },
  {
    key: 'kt4-out-of-sync',
    title: 'KT-4 out of sync',
    requester: { email: 'bob.baker@example.com', name: 'Bob Baker' },
    userName: 'bob',
    script: { response: () => 'right', retest: () => 'works' },
    expect: { final: 'resolved', publicReplies: 3 },
  },
  {
    key: 'no-group',
    title: 'User with no group (mapped group added)',
    requester: { email: 'carol.clark@example.com', name: 'Carol Clark' },
    userName: 'carol',
    script: { codes: () => 'right', retest: () => 'works' },
    expect: { final: 'resolved', publicReplies: 3 },
  },
  {
    key: 'identity-approved',
    title: 'Ticket from a private address, an agent approves',
    requester: { email: 'ivan.home@personal.example', name: 'Ivan Ivanov' },
    userName: 'ivan',
    script: { agent: 'approve', codes: () => 'right', retest: () => 'works' },
    expect: { final: 'resolved', publicReplies: 3 },
  },
  {
    key: 'unknown-requester',
    title: 'Unknown requester',
    requester: { email: 'mallory@unknown.example', name: 'Mallory Nobody' },
    script: {},
    expect: { final: 'escalated', publicReplies: 1 },
  },
  {
    key: 'same-last-name',
    title: 'Two users with the same last name, no email match',
    requester: { email: 'j.smith@contoso.example', name: 'J Smith' },
    script: {},
    expect: { final: 'escalated', publicReplies: 1 },
  },
  {
    key: 'garbled-then-right',
    title: 'First reply garbled, then right',
    requester: { email: 'erin.evans@example.com', name: 'Erin Evans' },
    userName: 'erin',
    script: { codes: (n) => (n === 0 ? 'garbled' : 'right'), retest: () => 'works' },
    expect: { final: 'resolved', publicReplies: 4 },
  },
  {
    key: 'wrong-codes',
    title: 'Wrong codes three times',
    requester: { email: 'frank.fisher@example.com', name: 'Frank Fisher' },
    userName: 'frank',
    script: { codes: () => 'wrong' },
    expect: { final: 'escalated', publicReplies: 4 },
  },
  {
    key: 'never-replies',
    title: 'User never replies',
    requester: { email: 'grace.green@example.com', name: 'Grace Green' },
    userName: 'grace',
    script: {},
    expect: { final: 'timed_out', publicReplies: 3 },
  },
  {
    key: 'retest-fails',
    title: 'Re-test still failing',
    requester: { email: 'heidi.hill@example.com', name: 'Heidi Hill' },
    userName: 'heidi',
    script: { codes: () => 'right', retest: () => 'fails' },
    expect: { final: 'escalated', publicReplies: 3 },
  },
  {
    key: 'german-requester',
    title: 'German requester (the bot answers in German)',
    requester: { email: 'john.smith@example.org', name: 'Johannes Schmidt' },
    userName: 'john.smith',
    script: { codes: () => 'right', retest: () => 'works' },
    expect: { final: 'resolved', publicReplies: 3 },
    language: 'de',
  },
  {
    key: 'french-requester',
    title: 'French requester (the bot answers in French)',
    requester: { email: 'jane.smith@example.net', name: 'Jeanne Smith' },
    userName: 'jane.smith',
    script: { codes: () => 'right', retest: () => 'works' },
    expect: { final: 'resolved', publicReplies: 3 },
    language: 'fr',
  },
];
