import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDemo, type DemoResult } from '../demo/run-demo.js';
import { SCENARIOS } from '../demo/scenarios.js';
import { LANGUAGES, type Language } from '../../workflows/resync/language.js';
import { CATALOGUES } from '../../workflows/resync/messages/index.js';
import { createLogger } from '../../workers/logger.js';
import { deletePrefix, freshPrefix, newRedis, testRedisUrl } from '../support/redis.js';

/*
 * Every demo scenario in every language the bot replies in: the requesters' locale is set on the embedded desk (an
 * agent's PUT /api/users), they write in that language, and each ticket must end as it does in English, with every
 * public reply of the bot in that language. Then the German and French scenarios without a locale: the bot tells
 * the language from the requester's own words.
 */

/** Pieces of each language's catalogue long enough to belong to it alone (the text between placeholders and lines). */
const FRAGMENTS: Readonly<Record<Language, readonly string[]>> = Object.fromEntries(
  LANGUAGES.map((language) => [
    language,
    Object.values(CATALOGUES[language])
      .flatMap((text) => text.split(/\{\{\w+\}\}|\n/))
      .map((piece) => piece.trim())
      .filter((piece) => piece.length >= 20),
  ]),
) as Record<Language, string[]>;

/** The languages whose catalogue a reply is made of. */
function languagesOf(reply: string): Language[] {
  return LANGUAGES.filter((language) => FRAGMENTS[language].some((piece) => reply.includes(piece)));
}

function botReplies(result: DemoResult): string[] {
  return result.comments.filter((c) => c.authorRole === 'bot' && c.public).map((c) => c.body);
}

const log = createLogger('silent');
let redis: Redis;
const prefixes: string[] = [];

beforeAll(() => {
  redis = newRedis();
});

afterAll(async () => {
  for (const prefix of prefixes) await deletePrefix(redis, prefix);
  redis.disconnect();
});

async function run(locale?: Language): Promise<DemoResult[]> {
  const prefix = freshPrefix(`e2e-lang-${locale ?? 'none'}`);
  prefixes.push(prefix);
  return (await runDemo({ redisUrl: testRedisUrl(), prefix, log, deadlineMs: 50_000, ...(locale ? { locale } : {}) })).results;
}

describe.each(LANGUAGES)('every scenario with the requesters’ locale set to %s', (language) => {
  let results: DemoResult[];

  beforeAll(async () => {
    results = await run(language);
  }, 120_000);

  for (const scenario of SCENARIOS) {
    it(`${scenario.title}: ends ${scenario.expect.final} with ${scenario.expect.publicReplies} public replies, all in ${language}`, () => {
      const result = results.find((r) => r.scenario.key === scenario.key);
      expect(result?.state?.status).toBe(scenario.expect.final);
      expect(result?.state?.language).toBe(language);
      const replies = result ? botReplies(result) : [];
      expect(replies).toHaveLength(scenario.expect.publicReplies);
      for (const reply of replies) expect(languagesOf(reply), reply).toEqual([language]);
    });
  }

  it('escalates for the same reasons as in English', () => {
    const reason = (key: string) => results.find((r) => r.scenario.key === key)?.state?.escalation?.reason;
    expect(reason('unknown-requester')).toBe('user_not_found');
    expect(reason('same-last-name')).toBe('users_ambiguous');
    expect(reason('wrong-codes')).toBe('max_attempts');
    expect(reason('retest-fails')).toBe('retest_failed');
  });

  it('writes its internal notes in the deployment’s language (English)', () => {
    const notes = results.flatMap((r) => r.comments.filter((c) => c.authorRole === 'bot' && !c.public).map((c) => c.body));
    expect(notes.length).toBeGreaterThan(SCENARIOS.length);
    for (const note of notes) expect(note).toMatch(/^\[twofa-desk\]/);
  });
});

describe('requesters with no locale, writing German or French', () => {
  let results: DemoResult[];

  beforeAll(async () => {
    results = await run();
  }, 120_000);

  it.each([
    ['german-requester', 'de'],
    ['french-requester', 'fr'],
  ] as const)('%s: resolved, every reply of the bot in %s', (key, language) => {
    const result = results.find((r) => r.scenario.key === key);
    expect(result?.state?.status).toBe('resolved');
    const replies = result ? botReplies(result) : [];
    expect(replies.length).toBeGreaterThanOrEqual(3);
    for (const reply of replies) expect(languagesOf(reply), reply).toEqual([language]);
  });

  it('answers the English requesters in English', () => {
    for (const result of results.filter((r) => r.scenario.language === undefined)) {
      for (const reply of botReplies(result)) expect(languagesOf(reply), reply).toEqual(['en']);
    }
  });
});
