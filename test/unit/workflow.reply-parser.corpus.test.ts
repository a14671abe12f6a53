import { describe, expect, it } from 'vitest';
import { parseReply, type ParsedReply } from '../../workflows/resync/reply-parser.js';
import { CODE_ROWS, CORPUS, RETEST_ROWS, type CodeRow, type Expected } from '../support/reply-corpus.js';

function matches(parsed: ParsedReply, expected: Expected): boolean {
  if (expected === 'ask_again') return parsed.kind === 'unusable';
  return JSON.stringify(parsed) === JSON.stringify(expected);
}

/** The numbers a parse would use as codes. */
function usedAsCodes(parsed: ParsedReply): string[] {
  if (parsed.kind === 'codes') return [...parsed.codes];
  if (parsed.kind === 'response') return [parsed.response];
  return [];
}

const digitsOf = (text: string): string => text.replace(/[^0-9]/g, '');

describe('the reply corpus', () => {
  it('has at least 100 replies: 50 re-test answers and 50 with codes, from several clients, in five languages', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(100);
    expect(RETEST_ROWS.length).toBeGreaterThanOrEqual(50);
    expect(CODE_ROWS.length).toBeGreaterThanOrEqual(50);
    expect(new Set(CORPUS.map((r) => r.lang))).toEqual(new Set(['en', 'de', 'fr', 'nl', 'es']));
    expect(new Set(CORPUS.map((r) => r.client)).size).toBeGreaterThanOrEqual(6);
    expect(new Set(CORPUS.map((r) => r.id)).size).toBe(CORPUS.length);
  });

  it('is consistent: only true successes expect "works", and every code and decoy is in its reply', () => {
    for (const row of RETEST_ROWS) {
      if (row.expect !== 'ask_again' && row.expect.kind === 'retest' && row.expect.outcome === 'works') expect(row.truth, row.id).toBe('works');
    }
    for (const row of CODE_ROWS) {
      const digits = digitsOf(row.text);
      for (const code of row.sent) expect(digits, row.id).toContain(code);
      for (const decoy of row.decoys) expect(row.text, row.id).toContain(decoy);
      for (const code of row.sent) for (const decoy of row.decoys) expect(digitsOf(decoy).includes(code), `${row.id}: ${code} inside ${decoy}`).toBe(false);
    }
  });
});

describe('parseReply on the corpus', () => {
  it.each(RETEST_ROWS.map((r) => [r.id, r] as const))('%s', (_id, row) => {
    expect(matches(parseReply(row.text, row.expectation), row.expect), JSON.stringify(parseReply(row.text, row.expectation))).toBe(true);
  });

  it.each(CODE_ROWS.map((r) => [r.id, r] as const))('%s', (_id, row) => {
    expect(matches(parseReply(row.text, row.expectation), row.expect), JSON.stringify(parseReply(row.text, row.expectation))).toBe(true);
  });
});

describe('dangerous outcomes never happen on the corpus', () => {
  it('no failure, hedge, contrast or not-yet-tried reply is read as "works"', () => {
    const solvedWrongly = RETEST_ROWS.filter((row) => {
      const parsed = parseReply(row.text, row.expectation);
      return row.truth !== 'works' && parsed.kind === 'retest' && parsed.outcome === 'works';
    });
    expect(solvedWrongly.map((r) => r.id)).toEqual([]);
  });

  it('no ticket, staff, cost-centre, phone number or date is used as a code', () => {
    const misread = CODE_ROWS.flatMap((row: CodeRow) =>
      usedAsCodes(parseReply(row.text, row.expectation))
        .filter((code) => !row.sent.includes(code) || row.decoys.some((decoy) => digitsOf(decoy).includes(code)))
        .map((code) => `${row.id}: ${code}`),
    );
    expect(misread).toEqual([]);
  });

  it('codes are tried only as the pair the requester sent; anything unclear is asked again', () => {
    for (const row of CODE_ROWS) {
      const parsed = parseReply(row.text, row.expectation);
      if (parsed.kind === 'codes') expect(row.sent.slice(0, 2), row.id).toEqual(parsed.codes);
    }
  });
});

// Languages the parser does not read: a "works" would be a guess, so it asks again (a plain failure in a known
// negation, such as Portuguese "não", may be heard).
const OTHER_LANGUAGES = [
  'Ok, grazie, proverò più tardi',
  'Funziona, grazie',
  'Non funziona ancora',
  'Ok, obrigado, vou testar amanhã',
  'Dzięki, działa',
  'Ok, nie działa',
  'Tack, det fungerar nu',
  'OK, det fungerar inte',
  'Ok kiitos, toimii',
  'ありがとうございます、直りました',
  'Спасибо, всё работает',
  'OK 👍 ancora errore',
];

describe('parseReply on re-test answers in other languages', () => {
  it.each(OTHER_LANGUAGES)('never solves on %j', (text) => {
    const parsed = parseReply(text, { kind: 'retest' });
    expect(parsed.kind === 'retest' && parsed.outcome === 'works').toBe(false);
  });
});
