/**
 * Reads a requester's reply to one of our public comments: two OTP codes, one challenge response, or a yes/no
 * for the re-test. Replies arrive as email (quoted history, signatures, HTML, invisible Unicode) or web text.
 *
 * Every step is a single left-to-right pass or a regex without nested, overlapping quantifiers, and each stage
 * works on a bounded prefix, so a hostile or enormous comment costs milliseconds and never throws.
 */

export type ReplyExpectation = { kind: 'codes'; codeLength: 6 | 8 } | { kind: 'response'; codeLength: 6 | 8 } | { kind: 'retest' };

export type ParsedReply =
  | { kind: 'codes'; codes: [string, string] }
  | { kind: 'response'; response: string }
  | { kind: 'retest'; outcome: 'works' | 'fails' }
  | { kind: 'unusable'; problem: 'empty' | 'no_codes' | 'one_code' | 'too_many_codes' | 'wrong_length' | 'unclear' };

type Problem = Extract<ParsedReply, { kind: 'unusable' }>['problem'];

// The new part sits at the top of a reply, so everything past these prefixes is history or noise. The raw limit
// is generous because HTML mail carries kilobytes of markup per line of text.
const RAW_LIMIT = 2_000_000;
const TEXT_LIMIT = 60_000;
const NEW_PART_LIMIT = 20_000;
// A new part with this many tags and text pieces would be thousands of lines long.
const HTML_TOKEN_LIMIT = 10_000;

/** Never throws: a reply it cannot use comes back as `unusable` with the problem the next ask should address. */
export function parseReply(text: string, expect: ReplyExpectation): ParsedReply {
  const part = newPartOfReply(text);
  if (part === '') return unusable('empty');
  if (expect.kind === 'retest') {
    const outcome = retestOutcome(part);
    return outcome ? { kind: 'retest', outcome } : unusable('unclear');
  }
  const { codes, strays } = findCodes(part, expect.codeLength);
  if (expect.kind === 'response') {
    // Typing the same response twice is still one answer.
    const distinct = [...new Set(codes)];
    const [response] = distinct;
    if (distinct.length > 1) return unusable('too_many_codes');
    if (response !== undefined) return { kind: 'response', response };
    return unusable(strays > 0 ? 'wrong_length' : 'no_codes');
  }
  const [first, second] = codes;
  if (codes.length > 2) return unusable('too_many_codes');
  // The same code twice means the second was copied before the app moved on; one_code's answer says to wait.
  if (first !== undefined && second !== undefined && first !== second) return { kind: 'codes', codes: [first, second] };
  if (first !== undefined) return unusable(second === undefined && strays > 0 ? 'wrong_length' : 'one_code');
  return unusable(strays > 0 ? 'wrong_length' : 'no_codes');
}

function unusable(problem: Problem): ParsedReply {
  return { kind: 'unusable', problem };
}

// ---- the new part ---------------------------------------------------------------------------------------------

// Private-use characters carry HTML structure into the line pass; any already in the input are removed.
const QUOTE_OPEN = '\uE000';
const QUOTE_CLOSE = '\uE001';

/** What the requester wrote this time, as plain text: no quoted history, signature, markup or invisible characters. */
export function newPartOfReply(text: string): string {
  const raw = typeof text === 'string' ? text.slice(0, RAW_LIMIT) : '';
  const head = raw.slice(0, TEXT_LIMIT);
  let plain: string;
  if (HTML_HINT.test(head)) plain = htmlToText(HAS_PRIVATE_MARK.test(raw) ? raw.replace(PRIVATE_MARKS, '') : raw);
  else plain = decodeEntities(head.replace(PRIVATE_MARKS, ''));
  return cutHistory(normaliseChars(plain.slice(0, TEXT_LIMIT)));
}

const PRIVATE_MARKS = /[\uE000-\uE002]/g;
const HAS_PRIVATE_MARK = /[\uE000-\uE002]/;
// A line break from markup, kept apart from the source's own newlines (which HTML treats as spaces).
const BREAK = '\uE002';
const HTML_HINT = /<\/?(?:html|head|body|div|p|br|span|table|tr|td|blockquote|font|meta|style|a|b|i|u|strong|em|ul|ol|li|img|hr|h[1-6]|center|o:p)\b[^<>]*>/i;
// One token per match, each consumed once: a comment opener, a tag (name captured inside a lookahead, which
// never backtracks, so an unclosed "<aaaa…" costs its length once), other markup, text, or a lone '<'.
const HTML_TOKEN = /<!--|<(\/?)(?=([a-zA-Z][a-zA-Z0-9:-]*))\2[^<>]*>|<[!?/][^<>]*>|[^<]+|</g;
const BLOCK_TAGS = new Set(['br', 'p', 'div', 'li', 'ul', 'ol', 'tr', 'table', 'tbody', 'thead', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'pre', 'section', 'article', 'header', 'footer', 'center', 'dl', 'dt', 'dd']);
const INVISIBLE_TAGS = new Set(['head', 'style', 'script', 'title']);
// Clients mark where they pasted the history; a quote or signature container ends the new part.
const HTML_CUT = /(?:class|id|data-smartmail)\s*=\s*["']?(?:gmail_quote|gmail_signature|yahoo_quoted|moz-cite-prefix|moz-signature|protonmail_quote|divRplyFwdMsg|appendonsend|mail-editor-reference-message-container|OLK_SRC_BODY_SECTION)/i;

/** One pass over the markup, stopping once there is more than the new part can use. */
function htmlToText(html: string): string {
  const out: string[] = [];
  let size = 0;
  let tokens = 0;
  const unclosed = new Set<string>();
  HTML_TOKEN.lastIndex = 0;
  for (let m = HTML_TOKEN.exec(html); m && size < TEXT_LIMIT && tokens < HTML_TOKEN_LIMIT; m = HTML_TOKEN.exec(html)) {
    tokens += 1;
    const token = m[0];
    const tagName = m[2];
    if (token === '<!--') {
      const end = html.indexOf('-->', HTML_TOKEN.lastIndex);
      // An unclosed comment hides the rest, as it does in a browser.
      if (end < 0) break;
      HTML_TOKEN.lastIndex = end + 3;
    } else if (tagName === undefined) {
      if (token.length > 1 && token.startsWith('<')) continue;
      out.push(token);
      size += token.length;
    } else {
      const closing = m[1] === '/';
      const name = tagName.toLowerCase();
      if (token.includes('=') && HTML_CUT.test(token)) break;
      if (!closing && INVISIBLE_TAGS.has(name) && !unclosed.has(name)) {
        const close = new RegExp(`</${name}\\s*>`, 'gi');
        close.lastIndex = HTML_TOKEN.lastIndex;
        const end = close.exec(html);
        // Without a closing tag the element's text stays; searching again for the next one would be quadratic.
        if (end) HTML_TOKEN.lastIndex = end.index + end[0].length;
        else unclosed.add(name);
        continue;
      }
      const piece = name === 'blockquote' ? `${BREAK}${closing ? QUOTE_CLOSE : QUOTE_OPEN}${BREAK}` : BLOCK_TAGS.has(name) ? BREAK : name === 'td' || name === 'th' ? ' ' : '';
      // Nested blocks would otherwise pile up empty lines without end.
      if (piece !== '' && (piece !== BREAK || out[out.length - 1] !== BREAK)) out.push(piece);
    }
  }
  return decodeEntities(out.join('').replace(/\s+/g, ' ').replaceAll(BREAK, '\n'));
}

const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  nbsp: ' ', amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", shy: '', zwnj: '', zwj: '', lrm: '', rlm: '',
  ensp: ' ', emsp: ' ', thinsp: ' ', ndash: '-', mdash: '-', hellip: '...', lsquo: "'", rsquo: "'", ldquo: '"', rdquo: '"',
};

function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#\d{1,7}|#x[0-9a-f]{1,6}|[a-z]{2,8});/gi, (whole, body: string) => {
    if (body.startsWith('#')) {
      const hex = body[1] === 'x' || body[1] === 'X';
      const cp = Number.parseInt(body.slice(hex ? 2 : 1), hex ? 16 : 10);
      return cp > 0 && cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff) ? String.fromCodePoint(cp) : '';
    }
    return NAMED_ENTITIES[body.toLowerCase()] ?? whole;
  });
}

// Zero-width characters and bidi controls ride along with copy-paste from apps and right-to-left mail clients.
const INVISIBLE = /[\u00AD\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/g;
const DASHES = /[\u2010-\u2015\u2212\uFE58\uFE63\uFF0D]/g;

function normaliseChars(text: string): string {
  return text
    .replace(/\r\n?|[\u2028\u2029\u0085]/g, '\n')
    .replace(INVISIBLE, '')
    .replace(DASHES, '-')
    .replace(/[^\S\n]/g, ' ')
    .replace(/(?![0-9])\p{Nd}/gu, (digit) => String(digitValue(digit.codePointAt(0) ?? 0)));
}

const IS_DIGIT = /^\p{Nd}$/u;
// Remembered because finding a value tests up to fifty code points; holds at most the few hundred digits there are.
const digitValues = new Map<number, number>();

/**
 * Unicode keeps every decimal digit set as ten consecutive code points from zero to nine, and adjacent sets
 * (the mathematical digits) are whole sets, so the distance to the start of the run of digits, modulo ten, is
 * the value. No table to keep up to date with new Unicode versions.
 */
function digitValue(cp: number): number {
  const known = digitValues.get(cp);
  if (known !== undefined) return known;
  let start = cp;
  while (start > 0 && IS_DIGIT.test(String.fromCodePoint(start - 1))) start -= 1;
  const value = (cp - start) % 10;
  digitValues.set(cp, value);
  return value;
}

// ---- cutting history and signatures ---------------------------------------------------------------------------

const ATTRIBUTION_START = /^(?:on|am|le|el|op|il|em|den|på|w dniu)\s/i;
const ATTRIBUTION_VERB = /(?:^|\s)(?:wrote|writes|schrieb|a écrit|escribió|escribio|schreef|ha scritto|escreveu|skrev|napisał|kirjoitti)(?=[\s:]|$)/i;
const ORIGINAL_MESSAGE = /^-{2,}\s*(?:original message|forwarded message|ursprüngliche nachricht|message d'origine|mensaje original|oorspronkelijk bericht|messaggio originale)/i;
const OUTLOOK_FROM = /^\*?(?:from|von|de|van|da|fra|från|od)\s*:/i;
const OUTLOOK_SAME_LINE = /\s\*?(?:sent|date|gesendet|envoyé|enviado|verzonden|inviato)\s*:/i;
const OUTLOOK_NEXT = /^\*?(?:sent|date|to|subject|cc|gesendet|an|betreff|datum|envoyé|à|objet|enviado|para|asunto|verzonden|aan|onderwerp|inviato|oggetto)\s*:/i;
const HELPDESK_MARKER = /reply above this line/i;
const SENT_FROM = /^(?:sent (?:from|with|via) \S|get outlook for |von meinem \S|gesendet von |envoyé de mon |enviado desde mi )/i;

// Sign-offs that never start content; they end the new part wherever they stand alone.
const FIRM_CLOSINGS = new Set([
  'regards', 'kind regards', 'best regards', 'warm regards', 'warmest regards', 'kindest regards', 'with regards',
  'thanks and regards', 'thanks & regards', 'best wishes', 'sincerely', 'yours sincerely', 'yours truly',
  'cordialement', 'bien cordialement', 'mfg', 'mit freundlichen grüßen', 'mit freundlichen grüssen',
  'freundliche grüße', 'viele grüße', 'beste grüße', 'met vriendelijke groet', 'saludos', 'un saludo',
]);
// Sign-offs that are also ordinary words in a reply ("Thanks, works now"): only a name after them makes a signature.
const SOFT_CLOSINGS = new Set([
  'thanks', 'thank you', 'many thanks', 'thanks again', 'thank you again', 'thanks in advance', 'thanks a lot',
  'thanks so much', 'thank you so much', 'with thanks', 'thx', 'cheers', 'best', 'all the best', 'br', 'kr',
  'take care', 'yours', 'groeten', 'lg',
]);
const CLOSINGS_LONGEST_FIRST = [...FIRM_CLOSINGS, ...SOFT_CLOSINGS].sort((a, b) => b.length - a.length);

function cutHistory(text: string): string {
  const lines = text.split('\n');
  const kept: string[] = [];
  let size = 0;
  let hasContent = false;
  let quoteDepth = 0;
  for (let i = 0; i < lines.length && size < NEW_PART_LIMIT; i++) {
    const line = lines[i] ?? '';
    const t = line.trim();
    if (t === '') {
      kept.push('');
      size += 1;
      continue;
    }
    if (t === QUOTE_OPEN) {
      if (hasContent) break;
      quoteDepth += 1;
      continue;
    }
    if (t === QUOTE_CLOSE) {
      quoteDepth = Math.max(0, quoteDepth - 1);
      continue;
    }
    if (quoteDepth > 0) continue;
    // Quoted lines before anything new are a bottom-posted reply: skip them and read what follows.
    if (t.startsWith('>')) {
      if (hasContent) break;
      continue;
    }
    const attribution = attributionLines(lines, i);
    if (attribution > 0) {
      if (hasContent || !quoteFollows(lines, i + attribution)) break;
      i += attribution - 1;
      continue;
    }
    if (startsHistory(t, lines, i) || startsSignature(t, lines, i)) break;
    kept.push(line);
    size += line.length + 1;
    hasContent = true;
  }
  return kept.join('\n').replace(/\n{3,}/g, '\n\n').trim().slice(0, NEW_PART_LIMIT);
}

/** How many lines the "On … wrote:" header at line i spans (clients wrap it over up to three), or 0. */
function attributionLines(lines: readonly string[], i: number): number {
  let joined = (lines[i] ?? '').trim();
  for (let span = 1; span <= 3; span++) {
    if (span > 1) {
      if (!ATTRIBUTION_START.test(joined)) return 0;
      joined = `${joined} ${(lines[i + span - 1] ?? '').trim()}`;
    }
    if (isAttribution(joined)) return span;
  }
  return 0;
}

function isAttribution(t: string): boolean {
  if (t.length > 500 || !t.endsWith(':')) return false;
  if (/(?:^|\s)wrote\s*:$/i.test(t)) return true;
  return ATTRIBUTION_START.test(t) && ATTRIBUTION_VERB.test(t);
}

function quoteFollows(lines: readonly string[], from: number): boolean {
  for (let j = from; j < lines.length; j++) {
    const t = (lines[j] ?? '').trim();
    if (t !== '') return t.startsWith('>') || t === QUOTE_OPEN;
  }
  return false;
}

function startsHistory(t: string, lines: readonly string[], i: number): boolean {
  if (ORIGINAL_MESSAGE.test(t) || /^_{10,}$/.test(t) || /^begin forwarded message/i.test(t) || HELPDESK_MARKER.test(t)) return true;
  if (!OUTLOOK_FROM.test(t)) return false;
  if (OUTLOOK_SAME_LINE.test(t)) return true;
  for (let j = i + 1; j <= i + 4 && j < lines.length; j++) {
    if (OUTLOOK_NEXT.test((lines[j] ?? '').trim())) return true;
  }
  return false;
}

function startsSignature(t: string, lines: readonly string[], i: number): boolean {
  if (t === '--' || t === '-- ' || (t.length <= 80 && SENT_FROM.test(t))) return true;
  if (t.length > 80) return false;
  const closing = t.toLowerCase().replace(/[\s,.!:;~-]+$/, '').replace(/\s+/g, ' ');
  if (FIRM_CLOSINGS.has(closing)) return true;
  if (SOFT_CLOSINGS.has(closing)) return looksLikeName(nextNonBlank(lines, i + 1));
  // "Thanks, Anna" / "Regards John" on one line.
  const phrase = CLOSINGS_LONGEST_FIRST.find((c) => closing.startsWith(c) && /[\s,.!:-]/.test(closing[c.length] ?? ''));
  return phrase !== undefined && looksLikeName(t.slice(phrase.length).replace(/^[\s,.!:-]+/, ''));
}

function nextNonBlank(lines: readonly string[], from: number): string {
  for (let j = from; j < lines.length; j++) {
    const t = (lines[j] ?? '').trim();
    if (t !== '') return t;
  }
  return '';
}

const NAME_PARTICLES = new Set(['van', 'von', 'de', 'der', 'den', 'da', 'di', 'du', 'del', 'la', 'le', 'dos', 'das', 'bin', 'al']);
const NAME_WORD = /^\p{Lu}[\p{L}'’.-]*$/u;

/** A capitalised name of up to four words, and not a word a requester would answer with ("Still failing"). */
function looksLikeName(text: string): boolean {
  const t = text.replace(/^[-~\s]+/, '').trim();
  if (t === '' || t.length > 50) return false;
  const words = t.split(/\s+/);
  if (words.length > 4) return false;
  return words.every((w) => {
    const lower = w.toLowerCase().replace(/[.'’]+$/, '');
    if (NAME_PARTICLES.has(lower)) return true;
    return NAME_WORD.test(w) && !ANSWER_WORDS.has(lower);
  });
}

// ---- codes ----------------------------------------------------------------------------------------------------

// Numbers after these words are someone else's: a ticket, a phone, the challenge we sent.
const LABEL_BEFORE = /(?:^|[^\p{L}])(?:(?:tel|telephone|phone|mobile|mob|cell|fax|ext|extension|direct|office|ticket|case|incident|request|ref|reference|order|invoice|id|challenge)\s*(?:no\.?|nr\.?|number)?\s*[#:.]?|[tmpfdow]\s*[:.])\s*$/iu;
const LETTER = /\p{L}/u;
const LINK = /@|:\/\/|^[(<[]?(?:www\.|mailto:|tel:)/i;
const MAY_HOLD_LINK = /@|:\/\/|www\.|mailto:|tel:/i;

/**
 * Codes in the order written, plus how many other numbers of five or more digits were seen (an attempt at a code
 * with a digit missing or extra). A chain is digit groups separated only by spaces or one hyphen; a segment of a
 * chain yields codes only if it splits exactly into codes, so phone numbers ("555 123 4567") yield none.
 * One pass over the characters: thousands of numbers cost no more than their length.
 */
function findCodes(text: string, length: 6 | 8): { codes: string[]; strays: number } {
  const scanned = MAY_HOLD_LINK.test(text) ? text.replace(/\S+/g, (token) => (LINK.test(token) ? ' / ' : token)) : text;
  const codes: string[] = [];
  let strays = 0;
  let pending: string[] = [];
  let code = '';
  let digits = 0;
  let fits = true;
  let chainIgnored = false;
  let prevEnd = -1;
  const endSegment = (): void => {
    if (fits && code === '') codes.push(...pending);
    else if (digits >= 5) strays += 1;
    pending = [];
    code = '';
    digits = 0;
    fits = true;
  };
  for (let i = 0; i < scanned.length; ) {
    if (!isAsciiDigit(scanned.charCodeAt(i))) {
      i += 1;
      continue;
    }
    let end = i + 1;
    while (isAsciiDigit(scanned.charCodeAt(end))) end += 1;
    if (prevEnd < 0 || !joins(scanned, prevEnd, i)) {
      endSegment();
      chainIgnored = labelled(scanned, i);
    }
    if (chainIgnored) {
      // The whole chain belongs to the label; nothing in it counts, not even as a stray.
    } else if (isStandalone(scanned, i, end)) {
      endSegment();
    } else {
      digits += end - i;
      code += scanned.slice(i, end);
      if (code.length > length) fits = false;
      if (code.length === length) {
        pending.push(code);
        code = '';
      }
    }
    prevEnd = end;
    i = end;
  }
  endSegment();
  return { codes, strays };
}

function isAsciiDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isLetterAt(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  if (Number.isNaN(c)) return false;
  const lower = c | 32;
  if (lower >= 97 && lower <= 122) return true;
  return c > 127 && LETTER.test(text[i] ?? '');
}

/** Spaces, or one hyphen with a little space around it, keep two digit groups in one chain. */
function joins(text: string, from: number, to: number): boolean {
  if (to - from > 5) return false;
  let hyphens = 0;
  for (let k = from; k < to; k++) {
    const ch = text[k];
    if (ch === '-') hyphens += 1;
    else if (ch !== ' ' && ch !== '\t') return false;
  }
  return hyphens <= 1 && to - from <= (hyphens === 1 ? 5 : 4);
}

function labelled(text: string, start: number): boolean {
  const near = text.slice(Math.max(0, start - 30), start);
  const before = near.slice(near.lastIndexOf('\n') + 1);
  return before.endsWith('+') || (before.trim() !== '' && LABEL_BEFORE.test(before));
}

/**
 * Groups that are never part of a code: a single digit (a label, "code 1: …"), "#4521", digits glued to letters
 * ("2FA", "KT4"), and parts of times, dates, decimals and addresses written with '.' or ':'.
 */
function isStandalone(text: string, start: number, end: number): boolean {
  if (end - start === 1) return true;
  const prev = text[start - 1];
  const next = text[end];
  if (prev === '#' || isLetterAt(text, start - 1) || isLetterAt(text, end)) return true;
  const joinedBefore = (prev === '.' || prev === ':') && isAsciiDigit(text.charCodeAt(start - 2));
  const joinedAfter = (next === '.' || next === ':') && isAsciiDigit(text.charCodeAt(end + 1));
  return joinedBefore || joinedAfter;
}

// ---- the re-test answer ---------------------------------------------------------------------------------------

type Signal = 'worksStrong' | 'failsStrong' | 'worksWeak' | 'failsWeak' | 'thanks';

type Meaning = readonly [plain: Signal | undefined, negated: Signal | undefined];

/** What a word says plainly, and what it says negated ("not working", "no errors"); undefined: nothing. */
const TERMS: ReadonlyMap<string, Meaning> = new Map([
  ...meaning('works working worked work fixed sorted resolved solved success successful successfully succeeded', 'worksStrong', 'failsStrong'),
  ...meaning('fail fails failed failing failure broken invalid rejected denied locked incorrect wrong', 'failsStrong', 'worksStrong'),
  ...meaning('same', 'failsStrong', undefined),
  ...meaning('change changed changes difference luck', undefined, 'failsStrong'),
  ...meaning('error errors issue issues problem problems', 'failsWeak', 'worksWeak'),
  ...meaning('yes yep yeah yup ya yea 👍 ✅ 👌 🎉 🙌 😀 😃 😊 🙂', 'worksWeak', undefined),
  ...meaning('ok okay good great fine perfect awesome excellent brilliant', 'worksWeak', 'failsWeak'),
  ...meaning('nope nah negative 👎 ❌ 😞 😢 🙁 ☹', 'failsWeak', undefined),
  ...meaning('thanks thank thx ty cheers 🙏', 'thanks', undefined),
]);

function meaning(words: string, plain: Signal | undefined, whenNegated: Signal | undefined): Array<[string, Meaning]> {
  return words.split(' ').map((word) => [word, [plain, whenNegated]]);
}

// "stopped working" / "quit working" negate the word after them like "not" does.
const NEGATORS = new Set(['not', 'never', 'unable', 'without', 'neither', 'nor', 'stopped', 'stop', 'stops', 'quit', 'ceased']);
// "no" and "nothing" only negate the next word ("no errors", "nothing changed", "no longer failing").
const NEAR_NEGATORS = new Set(['no', 'nothing', 'none']);
const LOGIN_VERBS = new Set(['log', 'sign', 'logged', 'signed', 'get', 'got']);
const LOGIN_WORDS = new Set(['login', 'logon', 'signin']);
const WORKPLACE = new Set(['at', 'from', 'after', 'before']);
const LOGIN_MODALS = new Set(['can', 'could', 'able', 'managed', 'now', 'successfully']);
const CONTRAST = /\s(?:but|however|although|though|except)\s/;
const UNSURE = /\b(?:not sure|unsure|no idea|do not know|dunno|not (?:yet )?tried|not had (?:a |the )?(?:chance|time)|will try|try (?:it )?(?:again )?later|going to try|let you know|maybe|perhaps|hopefully|not yet)\b/;
const PHRASES: ReadonlyArray<readonly [RegExp, Signal]> = [
  [/\b(?:did the trick|that did it|all good|all set|back to normal|good to go|up and running)\b/, 'worksStrong'],
  [/(?:^|\s)(?:i am|i'm|we are|we're) (?:back )?in(?: now)?$/, 'worksStrong'],
];
const ANSWER_WORDS = new Set([...TERMS.keys(), 'no', 'still', 'not']);

/** Plain English yes/no. Strong words beat weak ones; strong words on both sides, or an unsure reply, decide nothing. */
function retestOutcome(text: string): 'works' | 'fails' | undefined {
  const tally: Record<Signal, number> = { worksStrong: 0, failsStrong: 0, worksWeak: 0, failsWeak: 0, thanks: 0 };
  let unsure = false;
  const pieces = normaliseAnswer(text).split(/([.!?;,\n]+)/);
  for (let p = 0; p < pieces.length; p += 2) {
    // A question ("does it work now?") is not an answer.
    if ((pieces[p + 1] ?? '').includes('?')) continue;
    const clauses = (pieces[p] ?? '').split(CONTRAST);
    clauses.forEach((clause, index) => {
      if (UNSURE.test(clause)) unsure = true;
      else for (const signal of clauseSignals(clause.trim(), index > 0)) tally[signal] += 1;
    });
  }
  const { worksStrong, failsStrong, worksWeak, failsWeak, thanks } = tally;
  if (worksStrong > 0 || failsStrong > 0) {
    if (worksStrong > 0 && failsStrong > 0) return undefined;
    return worksStrong > 0 ? 'works' : 'fails';
  }
  if (unsure) return undefined;
  if (worksWeak > 0 || failsWeak > 0) {
    if (worksWeak > 0 && failsWeak > 0) return undefined;
    return worksWeak > 0 ? 'works' : 'fails';
  }
  return thanks > 0 ? 'works' : undefined;
}

function normaliseAnswer(text: string): string {
  return text
    .toLowerCase()
    .replace(/[’‘`´]/g, "'")
    .replace(/\bcan'?t\b|\bcannot\b/g, 'can not')
    .replace(/\bwon'?t\b/g, 'will not')
    .replace(/\b(\w+)n't\b/g, '$1 not')
    .replace(/\b(do|does|did|is|are|was|were|has|have|had|could|would|should)nt\b/g, '$1 not');
}

function clauseSignals(clause: string, afterContrast: boolean): Signal[] {
  const tokens: string[] = clause.match(/[\p{L}\p{N}']+|\p{Extended_Pictographic}/gu) ?? [];
  const signals: Signal[] = [];
  let negatorUnused = false;
  tokens.forEach((token, i) => {
    const login = loginSignal(tokens, i);
    if (login) {
      signals.push(login);
      return;
    }
    const term = TERMS.get(token);
    // "back at work", "after work": the place, not the login.
    if (token === 'work' && WORKPLACE.has(tokens[i - 1] ?? '')) return;
    if (term) {
      const signal = negated(tokens, i) ? term[1] : term[0];
      if (signal) signals.push(signal);
      return;
    }
    if (token === 'no' && !negatesNext(tokens, i)) signals.push('failsWeak');
    if (NEGATORS.has(token)) negatorUnused = true;
  });
  // "still" without a good word after it: "still", "still the same", "still locked out".
  if (tokens.includes('still') && !signals.includes('worksStrong')) signals.push('failsStrong');
  for (const [pattern, signal] of PHRASES) if (pattern.test(clause)) signals.push(signal);
  // "works on my phone but not on my laptop": a bare negation after "but" takes back part of the success.
  if (afterContrast && negatorUnused && signals.length === 0) signals.push('failsStrong');
  return signals;
}

function negated(tokens: readonly string[], i: number): boolean {
  for (let k = 1; k <= 3; k++) {
    const t = tokens[i - k];
    if (t === undefined) return false;
    if (NEGATORS.has(t)) return true;
    if (NEAR_NEGATORS.has(t) && (k === 1 || (k === 2 && (tokens[i - 1] === 'longer' || tokens[i - 1] === 'more')))) return true;
  }
  return false;
}

function negatesNext(tokens: readonly string[], i: number): boolean {
  const next = tokens[i + 1];
  const skip = next === 'longer' || next === 'more' ? tokens[i + 2] : next;
  return skip !== undefined && TERMS.has(skip);
}

/** "I can log in now" / "can't log in" / "unable to login" / "I logged in"; "tried to log in" says nothing. */
function loginSignal(tokens: readonly string[], i: number): Signal | undefined {
  const token = tokens[i] ?? '';
  const next = tokens[i + 1];
  const isLogin = LOGIN_WORDS.has(token) || (LOGIN_VERBS.has(token) && (next === 'in' || next === 'on' || next === 'into'));
  if (!isLogin) return undefined;
  if (negated(tokens, i)) return 'failsStrong';
  const back = tokens.slice(Math.max(0, i - 3), i);
  if (back.some((t) => LOGIN_MODALS.has(t)) || tokens[i + 2] === 'now') return 'worksStrong';
  return token === 'logged' || token === 'signed' || token === 'got' ? 'worksWeak' : undefined;
}

// ---- logs -----------------------------------------------------------------------------------------------------

const ANY_DIGIT = /\p{Nd}/gu;
const MASK_SEPARATORS = new Set([0x20, 0x09, 0x2d, 0xa0, 0x2007, 0x2009, 0x202f, 0x200b, 0x200c, 0x200d, 0x200e, 0x200f, 0x2060, 0xfeff]);

/**
 * Hides anything that could be a code before text reaches a log: every digit of a run of four or more (up to three
 * spaces, hyphens or invisible characters between digits) becomes '•', the separators stay so the shape is still
 * visible. A hand-written scan: a regex for "digits with separators between" keeps a backtracking entry per digit
 * and can overflow on a huge log line.
 */
export function maskDigits(text: string): string {
  if (typeof text !== 'string') return '';
  const out: string[] = [];
  let copied = 0;
  const next = new RegExp(ANY_DIGIT);
  for (let m = next.exec(text); m; m = next.exec(text)) {
    let count = 0;
    let end = m.index;
    for (let j = m.index; ; ) {
      const width = digitWidth(text, j);
      if (width > 0) {
        count += 1;
        j += width;
        end = j;
        continue;
      }
      let k = j;
      while (k - j < 3 && MASK_SEPARATORS.has(text.charCodeAt(k))) k += 1;
      if (k === j || digitWidth(text, k) === 0) break;
      j = k;
    }
    if (count >= 4) {
      out.push(text.slice(copied, m.index), text.slice(m.index, end).replace(ANY_DIGIT, '•'));
      copied = end;
    }
    next.lastIndex = end;
  }
  if (copied === 0) return text;
  out.push(text.slice(copied));
  return out.join('');
}

/** 1 or 2 (UTF-16 units) when a decimal digit of any script starts at i, else 0. */
function digitWidth(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c >= 48 && c <= 57) return 1;
  if (!(c >= 128)) return 0;
  const cp = text.codePointAt(i) ?? 0;
  return IS_DIGIT.test(String.fromCodePoint(cp)) ? (cp > 0xffff ? 2 : 1) : 0;
}
