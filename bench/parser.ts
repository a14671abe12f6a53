import { parseReply, type ReplyExpectation } from '../workflows/resync/reply-parser.js';
import { randomText, seeded } from '../test/support/seeded-text.js';
import { round, type Row } from './util.js';

const EXPECTATIONS: readonly ReplyExpectation[] = [{ kind: 'codes', codeLength: 6 }, { kind: 'response', codeLength: 8 }, { kind: 'retest' }];

/** The hostile replies the parser must take in linear time (the unit tests check what it answers to them). */
function hostileInputs(): Array<[string, string]> {
  const next = seeded(3);
  const runs = Array.from({ length: 5000 }, () => String(Math.floor(next() * 10 ** (1 + Math.floor(next() * 10)))));
  return [
    ['1 MB random text', randomText(1_000_000, [...'abcdefghij klmnop ABC 0123456789 \n\n<>/-#+.:;,&>"\'', '\u200B', '\u05D0', '\uFF11', 'é', '😀', 'wrote:', 'From: ', '&nbsp;', '<div>', '-- '], 7)],
    ['5,000 digit runs', runs.join(' - ')],
    ['60,000 nested unclosed tags', `<div>${'<blockquote><div><p>'.repeat(60_000)}287082 359152`],
    ['100,000 unclosed attributes', `<p>x</p>${'<div title="'.repeat(100_000)}`],
  ];
}

/** A few linear passes over the text (case-fold, digit runs, tag starts): the floor any parser that reads every character pays. */
function plainScan(text: string): number {
  return (text.toLowerCase().match(/\d+/g)?.length ?? 0) + text.split('<').length;
}

function msPer(run: () => unknown, budgetMs: number): number {
  run();
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < budgetMs) {
    run();
    n++;
  }
  return (performance.now() - start) / n;
}

/** Time to parse each hostile reply for every expectation, against a plain linear scan over the same text. */
export function benchParser(budgetMs: number): Row[] {
  return hostileInputs().map(([name, text]) => {
    const ours = msPer(() => EXPECTATIONS.map((e) => parseReply(text, e)), budgetMs);
    const base = msPer(() => EXPECTATIONS.map(() => plainScan(text)), budgetMs);
    const ratio = ours / base;
    return {
      bench: '6 reply parser',
      metric: name,
      value: round(ours, 2),
      unit: 'ms (3 expectations)',
      baseline: round(base, 2),
      ratio: round(ratio, 2),
      goal: '<= 25x a plain linear scan (no backtracking blow-up)',
      met: ratio <= 25,
      note: `${(text.length / 1000).toFixed(0)} k characters`,
    };
  });
}
