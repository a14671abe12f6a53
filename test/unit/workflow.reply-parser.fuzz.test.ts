import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maskDigits, newPartOfReply, parseReply, type ParsedReply, type ReplyExpectation } from '../../workflows/resync/reply-parser.js';
import { randomText, seeded } from '../support/seeded-text.js';

const EXPECTATIONS: readonly ReplyExpectation[] = [
  { kind: 'codes', codeLength: 6 },
  { kind: 'codes', codeLength: 8 },
  { kind: 'response', codeLength: 6 },
  { kind: 'response', codeLength: 8 },
  { kind: 'retest' },
];
const PROBLEMS = new Set(['empty', 'no_codes', 'one_code', 'too_many_codes', 'wrong_length', 'unclear']);

function isValid(parsed: ParsedReply, expectation: ReplyExpectation): boolean {
  const digits = expectation.kind === 'retest' ? undefined : new RegExp(`^[0-9]{${expectation.codeLength}}$`);
  switch (parsed.kind) {
    case 'unusable':
      return PROBLEMS.has(parsed.problem);
    case 'codes':
      return expectation.kind === 'codes' && parsed.codes.length === 2 && parsed.codes.every((c) => digits?.test(c)) && parsed.codes[0] !== parsed.codes[1];
    case 'response':
      return expectation.kind === 'response' && digits?.test(parsed.response) === true;
    case 'retest':
      return expectation.kind === 'retest' && (parsed.outcome === 'works' || parsed.outcome === 'fails');
  }
}

function checkAllExpectations(text: string): void {
  for (const expectation of EXPECTATIONS) expect(isValid(parseReply(text, expectation), expectation)).toBe(true);
  expect(newPartOfReply(text).length).toBeLessThanOrEqual(20_000);
}

const unicodeText = fc.oneof(fc.string({ unit: 'binary', maxLength: 400 }), fc.string({ unit: 'grapheme', maxLength: 400 }));

const digitHeavyText = fc
  .array(
    fc.oneof(
      fc.stringMatching(/^[0-9]{1,12}$/),
      fc.constantFrom(' ', '  ', '-', '\n', '#', '+', '.', ':', ',', '> ', 'x', '\u200B', '\u200F', '\u00A0', '１２３', '٤٥٦', '\u{1D7D8}'),
    ),
    { maxLength: 120 },
  )
  .map((parts) => parts.join(''));

const htmlishText = fc
  .array(
    fc.oneof(
      fc.constantFrom('<div>', '</div>', '<br>', '<p class="x">', '</p>', '<blockquote type="cite">', '</blockquote>', '<!--', '-->', '<style>', '</style>',
        '<head>', '<div class="gmail_quote">', '&nbsp;', '&#8203;', '&#x200b;', '&amp;', '&#99999999;', '&lt;', '<', '>', '&', '"', '<a href="mailto:a@b.c">', '</a>',
        '<td>', '<span>', '</span>', '\uE000', '\uE001', '\uE002', '\n', ' '),
      fc.stringMatching(/^[0-9 ]{1,10}$/),
      fc.string({ maxLength: 12 }),
    ),
    { maxLength: 100 },
  )
  .map((parts) => parts.join(''));

// Words the parser treats as labels, sign-offs or history headers are left out, so the pair must always be found.
const RESERVED = new Set([
  'ticket', 'case', 'incident', 'request', 'ref', 'reference', 'order', 'invoice', 'challenge', 'telephone', 'phone', 'mobile', 'cell', 'fax',
  'ext', 'extension', 'direct', 'office', 'number', 'from', 'sent', 'date', 'wrote', 'writes', 'schrieb', 'schreef', 'skrev', 'escreveu',
  'kirjoitti', 'regards', 'wishes', 'sincerely', 'truly', 'cordialement', 'saludos', 'saludo', 'groet', 'begin', 'above', 'outlook', 'original',
  'forwarded', 'von', 'gesendet',
  // Labels of numbers that are not codes (staff, cost centres, dates, places, references).
  'staff', 'employee', 'personnel', 'personalnummer', 'personalnr', 'pers', 'mitarbeiter', 'mitarbeiternummer', 'mitarbeiternr', 'matricule',
  'personeelsnummer', 'personeelsnr', 'medewerker', 'medewerkernummer', 'empleado', 'legajo', 'badge', 'payroll', 'cost', 'centre', 'center',
  'kostenstelle', 'kostenplaats', 'kostencentrum', 'centro', 'coste', 'costes', 'costo', 'costos', 'ceco', 'datum', 'fecha', 'room', 'raum',
  'zimmer', 'salle', 'kamer', 'sala', 'building', 'postcode', 'mobil', 'mobiel', 'celular', 'handy', 'portable', 'telefon', 'telefoon',
  'telefono', 'durchwahl', 'direkt', 'whatsapp', 'ritm', 'task', 'vorgang', 'anfrage', 'auftrag', 'bestellung', 'rechnung', 'demande',
  'dossier', 'commande', 'facture', 'aanvraag', 'melding', 'bestelling', 'factuur', 'solicitud', 'caso', 'incidencia', 'pedido', 'factura',
  'nummer', 'numero',
]);
const NEUTRAL = ['here', 'are', 'the', 'codes', 'code', 'my', 'app', 'shows', 'please', 'hello', 'team', 'first', 'second', 'then', 'and', 'new', 'one', 'token', 'login', 'again', 'now', 'ok', 'thanks', 'sorry', 'for', 'delay'];
const word = fc.oneof(fc.constantFrom(...NEUTRAL), fc.stringMatching(/^[a-z]{4,10}$/).filter((w) => !RESERVED.has(w)));
const words = fc.array(word, { maxLength: 8 }).map((ws) => ws.join(' '));
const gap = fc.constantFrom(' ', ', ', ': ', '\n', '\n\n', ' - ', '. ', '; ', ' (', ') ', ' and ', '\t');

function codeOf(length: 6 | 8): fc.Arbitrary<{ digits: string; written: string }> {
  const half = length / 2;
  return fc
    .tuple(fc.stringMatching(length === 6 ? /^[0-9]{6}$/ : /^[0-9]{8}$/), fc.constantFrom('plain', 'space', 'hyphen', 'pairs'))
    .map(([digits, style]) => {
      const written =
        style === 'space'
          ? `${digits.slice(0, half)} ${digits.slice(half)}`
          : style === 'hyphen'
            ? `${digits.slice(0, half)}-${digits.slice(half)}`
            : style === 'pairs'
              ? (digits.match(/../g) ?? []).join(' ')
              : digits;
      return { digits, written };
    });
}

// Anything may follow a history or signature marker, except markup, which would turn the whole mail into HTML.
const anyTail = fc.string({ unit: 'binary', maxLength: 300 }).map((s) => s.replace(/</g, '('));
const quotedTail = fc.tuple(fc.constantFrom('gmail', 'outlook', 'original', 'signature', 'iphone'), anyTail, fc.stringMatching(/^[0-9]{6,8}$/)).map(
  ([style, text, oldCode]) => {
    const body = `${text}\n${oldCode} ${oldCode}`;
    switch (style) {
      case 'gmail':
        return `\n\nOn Mon, 3 Nov 2026 at 10:02, IT Helpdesk <helpdesk@example.com> wrote:\n\n${body.split('\n').map((l) => `> ${l}`).join('\n')}`;
      case 'outlook':
        return `\n\n________________________________\nFrom: IT Helpdesk <helpdesk@example.com>\nSent: Monday, November 3, 2026 10:02 AM\n${body}`;
      case 'original':
        return `\n\n-----Original Message-----\n${body}`;
      case 'signature':
        return `\n\n-- \nAnna Schmidt\n+49 170 1234567\n${body}`;
      default:
        return `\n\nSent from my iPhone\n\n${body}`;
    }
  },
);

function embeddedPair(length: 6 | 8) {
  return fc
    .record({ before: words, first: codeOf(length), middle: fc.tuple(gap, words, gap), second: codeOf(length), after: words, tail: quotedTail, lead: gap })
    .filter(({ first, second }) => first.digits !== second.digits)
    .map(({ before, first, middle, second, after, tail, lead }) => ({
      text: `${before}${lead}${first.written}${middle[0]}${middle[1]}${middle[1] === '' ? '' : middle[2]}${second.written}${lead}${after}${tail}`,
      codes: [first.digits, second.digits] as const,
    }));
}

describe('parseReply on arbitrary input', () => {
  it('never throws and returns a valid result for random Unicode', () => {
    fc.assert(fc.property(unicodeText, (text) => checkAllExpectations(text)), { numRuns: 400 });
  });

  it('never throws and returns a valid result for digit-heavy text', () => {
    fc.assert(fc.property(digitHeavyText, (text) => checkAllExpectations(text)), { numRuns: 400 });
  });

  it('never throws and returns a valid result for HTML-ish text', () => {
    fc.assert(fc.property(htmlishText, (text) => checkAllExpectations(text)), { numRuns: 400 });
  });

  it('never throws for values a caller should not send', () => {
    for (const value of [undefined, null, 42, {}, []]) {
      for (const expectation of EXPECTATIONS) expect(parseReply(value as unknown as string, expectation)).toEqual({ kind: 'unusable', problem: 'empty' });
    }
    expect(maskDigits(undefined as unknown as string)).toBe('');
  });

  it.each([6, 8] as const)('finds a pair of %i-digit codes among random words, in order, whatever the quoted tail holds', (length) => {
    fc.assert(
      fc.property(embeddedPair(length), ({ text, codes }) => {
        expect(parseReply(text, { kind: 'codes', codeLength: length })).toEqual({ kind: 'codes', codes: [...codes] });
      }),
      { numRuns: 300 },
    );
  });

  it('finds one response among random words whatever the quoted tail holds', () => {
    const reply = fc.record({ before: words, response: codeOf(8), lead: gap, after: words, tail: quotedTail });
    fc.assert(
      fc.property(reply, ({ before, response, lead, after, tail }) => {
        expect(parseReply(`${before}${lead}${response.written}${lead}${after}${tail}`, { kind: 'response', codeLength: 8 })).toEqual({ kind: 'response', response: response.digits });
      }),
      { numRuns: 300 },
    );
  });
});

describe('maskDigits on arbitrary input', () => {
  it('keeps every character but digits, one bullet per digit, and leaves no four digits in a row', () => {
    fc.assert(
      fc.property(fc.oneof(unicodeText, digitHeavyText), (text) => {
        const masked = maskDigits(text);
        expect([...masked].length).toBe([...text].length);
        expect(masked.replace(/[\p{Nd}•]/gu, '')).toBe(text.replace(/[\p{Nd}•]/gu, ''));
        expect(masked).not.toMatch(/\p{Nd}(?:[ -]?\p{Nd}){3}/u);
      }),
      { numRuns: 400 },
    );
  });
});

// How fast these inputs parse is measured by `npm run bench` (parser part, as a ratio against a plain scan of
// the same text); here they must parse to a well-formed answer for every expectation without throwing.
describe('parseReply on hostile input', () => {
  const MEGABYTE = 1_000_000;
  const KINDS = new Set(['codes', 'response', 'retest', 'unusable']);

  function expectWellFormed(text: string): void {
    for (const expectation of EXPECTATIONS) expect(KINDS).toContain(parseReply(text, expectation).kind);
  }

  it('parses 1 MB of random text', () => {
    const alphabet = [...'abcdefghij klmnop ABC 0123456789 \n\n<>/-#+.:;,&>"\'', '\u200B', '\u200F', '\u05D0', '\uFF11', '\u0663', 'é', '😀', 'wrote:', 'From: ', '&nbsp;', '<div>', '-- '];
    expectWellFormed(randomText(MEGABYTE, alphabet, 7));
    expectWellFormed(randomText(MEGABYTE, [...'abc def\n'], 11));
  });

  it('parses 5,000 digit runs', () => {
    const next = seeded(3);
    const runs = Array.from({ length: 5000 }, () => String(Math.floor(next() * 10 ** (1 + Math.floor(next() * 10)))));
    const separators = [' ', '  ', '-', '\n', ', ', ' and ', '\n> ', ' - '];
    const text = runs.map((run, i) => `${run}${separators[i % separators.length] ?? ' '}`).join('');
    expectWellFormed(text);
    expectWellFormed(runs.join(' '));
    expectWellFormed(Array.from({ length: 5000 }, (_, i) => String(100_000 + i * 7)).join('\n'));
  });

  it('parses deeply nested and unclosed HTML', () => {
    const nested = `<html><body>${'<div><span style="color:red">'.repeat(3000)}287082 359152${'</span></div>'.repeat(3000)}</body></html>`;
    expect(parseReply(nested, { kind: 'codes', codeLength: 6 })).toEqual({ kind: 'codes', codes: ['287082', '359152'] });
    expectWellFormed(nested);
    expectWellFormed(`<div>${'<blockquote><div><p>'.repeat(60_000)}287082 359152`);
    expectWellFormed(`<p>x</p>${'<style><head <a-a-a-a <!'.repeat(40_000)}`);
    expectWellFormed(`<p>x</p>${'<div title="'.repeat(100_000)}`);
  });
});

// A plain success with any failure, hedge, contrast or "not tried yet" next to it, in the five languages.
const SUCCESSES = ['works now', 'Yes', 'All good', 'I can log in now', 'OK', 'Thanks!', '👍', 'Ja, es funktioniert', 'Klappt', 'Oui, ça marche', 'Merci', 'Het werkt', 'Bedankt', 'Sí, funciona', 'Gracias'];
const SPOILERS = [
  'but not on my phone', 'not sure', "I haven't tried yet", 'will try later', 'ok, will do', 'still failing', 'now it rejects my codes again',
  "doesn't seem to", 'it says invalid code', 'maybe', 'only once', 'it does not seem to be fine', "I wish I could say so, but no",
  'aber nur am Laptop', 'leider nicht', 'ich probiere es später', 'geht immer noch nicht', 'noch nicht getestet',
  'mais pas sur mon téléphone', 'ça ne marche toujours pas', 'pas encore essayé', 'je vais essayer demain',
  'maar het lukt niet', 'nog steeds niet', 'nog niet getest', 'ik probeer het straks',
  'pero todavía no', 'no funciona', 'lo pruebo luego', 'ya lo intenté y sigue fallando',
];

// Numbers that are not codes, as people write them around their codes.
function decoyOf(n: string, day: number, month: number, year: number): fc.Arbitrary<string> {
  const dd = String(day).padStart(2, '0');
  const mm = String(month).padStart(2, '0');
  return fc.constantFrom(
    `REQ-${n}`, `[REQ-${n}]`, `INC${n}`, `ticket #${n}`, `Ticket ${n}`, `ref. ${n}`, `Staff no. ${n}`, `staff ID: ${n}`, `Employee #${n}`,
    `Personalnr. ${n}`, `Mitarbeiter-Nr.: ${n}`, `Matricule : ${n}`, `Personeelsnummer ${n}`, `Nº de empleado: ${n}`, `Cost centre ${n}`,
    `Kostenstelle: ${n}`, `centre de coûts ${n}`, `kostenplaats ${n}`, `centro de coste ${n}`, `Tel. +49 ${n}`, `M: ${n}`, `phone ${n}`,
    `${n} (staff no.)`, `${n} is my ticket number`, `${dd}/${mm}/${year}`, `${year}-${mm}-${dd}`, `${dd}.${mm}.${year}`, `${dd}-${mm}-${year}`,
  );
}

const decoyText = fc
  .record({ n: fc.stringMatching(/^[0-9]{6,8}$/), day: fc.integer({ min: 1, max: 28 }), month: fc.integer({ min: 1, max: 12 }), year: fc.integer({ min: 2000, max: 2099 }) })
  .chain(({ n, day, month, year }) => decoyOf(n, day, month, year));

describe('parseReply never takes the dangerous reading', () => {
  it('never reads "works" when a failure, hedge, contrast or "not tried yet" stands next to a success', () => {
    const reply = fc.record({
      success: fc.constantFrom(...SUCCESSES),
      spoiler: fc.constantFrom(...SPOILERS),
      spoilerFirst: fc.boolean(),
      separator: fc.constantFrom(', ', '. ', '\n', ' – ', ' ', '! ', '; '),
      tail: quotedTail,
    });
    fc.assert(
      fc.property(reply, ({ success, spoiler, spoilerFirst, separator, tail }) => {
        const text = `${spoilerFirst ? spoiler : success}${separator}${spoilerFirst ? success : spoiler}${tail}`;
        expect(parseReply(text, { kind: 'retest' })).not.toEqual({ kind: 'retest', outcome: 'works' });
      }),
      { numRuns: 600 },
    );
  });

  it.each([6, 8] as const)('never uses a ticket, staff, cost-centre, phone number or date as a %i-digit code', (length) => {
    const reply = fc
      .record({ first: codeOf(length), second: codeOf(length), decoys: fc.array(decoyText, { minLength: 1, maxLength: 3 }), at: fc.nat(), gap: fc.constantFrom('\n', ', ', '. ', ' – ', '; ', ' and '), tail: quotedTail })
      .filter(({ first, second }) => first.digits !== second.digits);
    fc.assert(
      fc.property(reply, ({ first, second, decoys, at, gap, tail }) => {
        const parts = [...decoys];
        parts.splice(at % (parts.length + 1), 0, `${first.written}${gap}${second.written}`);
        const parsed = parseReply(`${parts.join(gap)}${tail}`, { kind: 'codes', codeLength: length });
        if (parsed.kind === 'codes') expect(parsed.codes).toEqual([first.digits, second.digits]);
        else expect(parsed.kind).toBe('unusable');
        // On lines of their own, nothing stands between the pair and the parser.
        const lines = [...decoys];
        lines.splice(at % (lines.length + 1), 0, first.written, second.written);
        expect(parseReply(`${lines.join('\n')}${tail}`, { kind: 'codes', codeLength: length })).toEqual({ kind: 'codes', codes: [first.digits, second.digits] });
      }),
      { numRuns: 400 },
    );
  });
});
