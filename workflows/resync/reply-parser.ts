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
  const found = findCandidates(part, expect.codeLength);
  return expect.kind === 'response' ? readResponse(found) : readCodePair(found);
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
const SENT_FROM = /^(?:sent (?:from|with|via) \S|get outlook for |von meinem \S|gesendet von |envoyé de(?:puis)? mon |enviado desde mi |(?:verzonden|verstuurd) (?:met|vanaf|van) mijn )/i;
// Legal footers that mail servers add under the reply, sometimes with no signature before them: their "not", "if"
// and "intended" would otherwise be read as part of the answer.
const DISCLAIMER_START = /^\W*(?:confidential|disclaimer|legal notice|important notice|this |the information|diese |der inhalt|vertraulich|ce |les informations|avis de confidentialit|dit |deze |de informatie|este |la informaci|aviso legal)/i;
const DISCLAIMER_WORDS = /confidential|vertraulich|confidentiel|vertrouwelijk|confidencial|intended recipient|empfänger|destinataire|geadresseerde|destinatario/i;

// Sign-offs that never start content; they end the new part wherever they stand alone.
const FIRM_CLOSINGS = new Set([
  'regards', 'kind regards', 'best regards', 'warm regards', 'warmest regards', 'kindest regards', 'with regards',
  'thanks and regards', 'thanks & regards', 'best wishes', 'sincerely', 'yours sincerely', 'yours truly',
  'cordialement', 'bien cordialement', 'mfg', 'mit freundlichen grüßen', 'mit freundlichen grüssen',
  'freundliche grüße', 'viele grüße', 'beste grüße', 'met vriendelijke groet', 'saludos', 'un saludo',
  'liebe grüße', 'herzliche grüße', 'viele grüsse', 'beste grüsse', 'bien à vous', 'bonne journée', 'met vriendelijke groeten',
  'vriendelijke groet', 'vriendelijke groeten', 'mvg', 'groetjes', 'atentamente', 'saludos cordiales', 'un cordial saludo',
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
  if (t.length >= 60 && DISCLAIMER_START.test(t) && DISCLAIMER_WORDS.test(t.slice(0, 200))) return true;
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

/*
 * A wrong pair is not free: each resync spends one of the requester's attempts and, on platforms with lock-out,
 * counts toward locking them out. So numbers that belong to something else (a ticket, a person, a cost centre, a
 * phone, a date) are never candidates, and unless the candidates make exactly one pair the requester is asked again.
 */

/** A number of code length, where it ends in the scanned text. */
interface Candidate {
  readonly value: string;
  readonly end: number;
}

/** Every number of code length in the order written, and how many near-misses were seen. */
interface Found {
  readonly codes: readonly string[];
  readonly strays: number;
}

type Pick = { kind: 'pair'; codes: [string, string] } | { kind: 'one'; repeated: boolean } | { kind: 'none' } | { kind: 'ambiguous' };

function readCodePair({ codes, strays }: Found): ParsedReply {
  const pick = pickPair(codes);
  switch (pick.kind) {
    case 'pair':
      return { kind: 'codes', codes: pick.codes };
    case 'ambiguous':
      return unusable('too_many_codes');
    case 'one':
      // The same code twice means the second was copied before the app moved on; one_code's answer says to wait.
      return unusable(!pick.repeated && strays > 0 ? 'wrong_length' : 'one_code');
    case 'none':
      return unusable(strays > 0 ? 'wrong_length' : 'no_codes');
  }
}

function readResponse({ codes, strays }: Found): ParsedReply {
  // Typing the same response twice is still one answer.
  const distinct = [...new Set(codes)];
  const [response] = distinct;
  if (distinct.length > 1) return unusable('too_many_codes');
  if (response !== undefined) return { kind: 'response', response };
  return unusable(strays > 0 ? 'wrong_length' : 'no_codes');
}

/**
 * Two codes in order make a pair, also when the requester wrote the pair again ("287082 359152 … 287082 359152")
 * or a code twice in a row. Anything else is ambiguous, even when some of the numbers are labelled as codes: a third
 * number may be a correction ("the second one was actually 359125") or an old code, and guessing spends an attempt.
 */
function pickPair(values: readonly string[]): Pick {
  const collapsed = values.filter((v, i) => v !== values[i - 1]);
  const [a, b] = collapsed;
  if (a === undefined) return { kind: 'none' };
  if (b === undefined) return { kind: 'one', repeated: values.length > 1 };
  const samePairAgain = collapsed.length % 2 === 0 && collapsed.every((v, i) => v === (i % 2 === 0 ? a : b));
  return samePairAgain ? { kind: 'pair', codes: [a, b] } : { kind: 'ambiguous' };
}

function findCandidates(part: string, length: 6 | 8): Found {
  const scanned = blankNonCodes(part);
  const { candidates, strays } = scanCodes(scanned, length);
  return { codes: candidates.filter((c) => !labelledAfter(scanned, c.end)).map((c) => c.value), strays };
}

const LETTER = /\p{L}/u;
// "tel:+4930…" is a link; "Tel:" on its own is a label, and must stay for labelled() to see it.
const LINK = /@|:\/\/|^[(<[]?(?:www\.|mailto:|tel:)./i;
const MAY_HOLD_LINK = /@|:\/\/|www\.|mailto:|tel:/i;
// "2026-12-03", "03/12/2026", "3.12.26": the digits of a date would make one code of a pair, or a whole 8-digit code.
const DATE = /(?<![0-9])(?:([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})|([0-9]{1,2})[-/.]([0-9]{1,2})[-/.]([0-9]{4}|[0-9]{2}))(?![0-9])/g;

/** Links, addresses and dates become a separator, so their digits neither count nor join a code's digits. */
function blankNonCodes(text: string): string {
  const unlinked = MAY_HOLD_LINK.test(text) ? text.replace(/\S+/g, (token) => (LINK.test(token) ? ' / ' : token)) : text;
  return unlinked.replace(DATE, (whole, y?: string, m?: string, d?: string, a?: string, b?: string) =>
    (y !== undefined ? isMonthDay(Number(m), Number(d)) : isMonthDay(Number(a), Number(b)) || isMonthDay(Number(b), Number(a))) ? ' / ' : whole,
  );
}

function isMonthDay(month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

/**
 * Numbers of code length in the order written, plus how many other numbers of five or more digits were seen (an
 * attempt at a code with a digit missing or extra). A chain is digit groups separated only by spaces or one
 * hyphen; a segment of a chain yields codes only if it splits exactly into codes, so phone numbers ("555 123 4567")
 * yield none. One pass over the characters: thousands of numbers cost no more than their length.
 */
function scanCodes(scanned: string, length: 6 | 8): { candidates: Candidate[]; strays: number } {
  const candidates: Candidate[] = [];
  let strays = 0;
  let pending: Candidate[] = [];
  let code = '';
  let digits = 0;
  let fits = true;
  let chainIgnored = false;
  let prevEnd = -1;
  const endSegment = (): void => {
    if (fits && code === '') candidates.push(...pending);
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
        pending.push({ value: code, end });
        code = '';
      }
    }
    prevEnd = end;
    i = end;
  }
  endSegment();
  return { candidates, strays };
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

// Words that say a number is someone else's: a phone, a ticket or order, a person, a cost centre, a date, a place,
// the challenge we sent. In the five languages we answer in; a label we miss leaves a number that may be ambiguous.
// A label hung on the number by a hyphen ("REQ-482133") drops only that number (see isStandalone), not the codes
// written after it.
const OTHER_NUMBER_WORDS = [
  'tel', 'tél', 'telephone', 'téléphone', 'telefon', 'telefoon', 'teléfono', 'telefono', 'phone', 'mobile', 'mob', 'mobil', 'mobiel', 'móvil',
  'movil', 'cell', 'celular', 'handy', 'portable', 'gsm', 'fax', 'ext', 'extension', 'durchwahl', 'direct', 'direkt', 'office', 'whatsapp',
  'ticket', 'case', 'incident', 'inc', 'req', 'request', 'ritm', 'sr', 'chg', 'task', 'tkt', 'ref', 'reference', 'référence', 'referentie',
  'referencia', 'order', 'invoice', 'po', 'vorgang', 'anfrage', 'auftrag', 'bestellung', 'rechnung', 'demande', 'dossier', 'commande',
  'facture', 'aanvraag', 'melding', 'bestelling', 'factuur', 'solicitud', 'caso', 'incidencia', 'pedido', 'factura', 'id',
  'staff', 'employee', 'emp', 'personnel', 'personalnummer', 'personalnr', 'pers', 'mitarbeiter', 'mitarbeiternummer', 'mitarbeiternr',
  'matricule', 'employé', 'personeelsnummer', 'personeelsnr', 'medewerker', 'medewerkernummer', 'empleado', 'legajo', 'badge', 'payroll',
  'cost centre', 'cost center', 'cc', 'kostenstelle', 'kst', 'centre de coûts?', 'centre de couts?', 'kostenplaats', 'kostencentrum',
  'centro de costes?', 'centro de costos?', 'ceco',
  'date', 'datum', 'fecha', 'room', 'raum', 'zimmer', 'salle', 'kamer', 'sala', 'building', 'postcode', 'plz', 'zip',
  'challenge',
].map((w) => w.replace(/ /g, '\\s+'));
const NUMBER_WORD = '(?:no|nr|num|number|nummer|numéro|numero|número|n[º°o]|id)';
// The label is captured, and the full stop after it, for labelled() to tell "Ref. 482133" from "… ticket. 287082".
const LABEL_BEFORE = new RegExp(
  `(?:^|[^\\p{L}])(?:((?:${OTHER_NUMBER_WORDS.join('|')})(?:[\\s.-]*${NUMBER_WORD})?)(\\.?)\\s*(?:[#:=]\\s*)?(?:(?:is|ist|lautet|est|es)\\s+)?|[tmpfdow]\\s*[:.]\\s*)$`,
  'iu',
);
// Short words and "…nr" ("Tel.", "Ref.", "Personalnr.") are abbreviations; the full stop after them is not a sentence end.
const ABBREVIATION = /^(?:\p{L}{1,4}|\p{L}*nr|n[º°])$/u;
// "482133 is my ticket number" names the number before it. A parenthesis does only when it closes after the label:
// "104233 (staff no.)" does, in "287082 (REQ-482133)" the label is for the next number.
const OTHER_LABEL = `(?:${OTHER_NUMBER_WORDS.join('|')})(?![\\p{L}])(?:[\\s.-]*${NUMBER_WORD})?`;
const LABEL_AFTER = new RegExp(
  `^\\s*(?:(?:=|(?:is|ist|est|es)\\s)\\s*(?:(?:my|our|the|meine?|unsere?|die|der|das|mon|ma|notre|le|la|mi|el|mijn|onze|ons|de|het)\\s+)?${OTHER_LABEL}` +
    `|[([]\\s*${OTHER_LABEL}\\s*\\.?\\s*[)\\]])`,
  'iu',
);

/** The chain starting at start follows a label; a label glued to the digits ("SR482133") is isStandalone's. */
function labelled(text: string, start: number): boolean {
  const near = text.slice(Math.max(0, start - 40), start);
  const before = near.slice(near.lastIndexOf('\n') + 1);
  if (before.endsWith('+')) return true;
  const label = isLetterAt(text, start - 1) || before.trim() === '' ? null : LABEL_BEFORE.exec(before);
  if (!label) return false;
  // "ticket number. 287082": a full stop after a whole word ends the sentence, after an abbreviation it does not.
  const [, words = '', stop] = label;
  return stop !== '.' || ABBREVIATION.test(words.toLowerCase().split(/[\s.-]+/).pop() ?? '');
}

function labelledAfter(text: string, end: number): boolean {
  const near = text.slice(end, end + 40);
  const newline = near.indexOf('\n');
  return LABEL_AFTER.test(newline < 0 ? near : near.slice(0, newline));
}

/**
 * Groups that are never part of a code: a single digit (a label, "code 1: …"), "#4521", digits glued to letters
 * ("2FA", "KT4") or hung on a word ("REQ-482133", "INC_482133"), and parts of times, decimals and addresses
 * written with '.' or ':'.
 */
function isStandalone(text: string, start: number, end: number): boolean {
  if (end - start === 1) return true;
  const prev = text[start - 1];
  const next = text[end];
  if (prev === '#' || isLetterAt(text, start - 1) || isLetterAt(text, end)) return true;
  if (isHook(prev) && isLetterAt(text, start - 2)) return true;
  if (isHook(next) && isLetterAt(text, end + 1)) return true;
  const joinedBefore = (prev === '.' || prev === ':') && isAsciiDigit(text.charCodeAt(start - 2));
  const joinedAfter = (next === '.' || next === ':') && isAsciiDigit(text.charCodeAt(end + 1));
  return joinedBefore || joinedAfter;
}

function isHook(ch: string | undefined): boolean {
  return ch === '-' || ch === '_' || ch === '/';
}

// ---- the re-test answer ---------------------------------------------------------------------------------------

/*
 * A "works" solves the ticket, so it must be plain: any negation, hedge, contrast, "not tried yet", or a language
 * we do not understand makes the answer unclear (the requester is asked once more), never "works". A failure needs
 * less proof: a wrong "fails" costs an agent a look at the escalation, a wrong "works" leaves the requester locked
 * out with a solved ticket. English, German, French, Dutch and Spanish are understood; other languages get asked again.
 */

type Signal = 'worksStrong' | 'failsStrong' | 'worksWeak' | 'failsWeak' | 'thanks';

type Meaning = readonly [plain: Signal | undefined, negated: Signal | undefined];

// Nouns for what went wrong; next to a success in the same clause they are what it fixed ("problem solved").
const ISSUE_WORDS =
  'error errors issue issues problem problems fehler fehlermeldung probleme erreur erreurs problème problèmes fout fouten foutmelding ' +
  'probleem problemen errores problema problemas';
const ISSUES = new Set(ISSUE_WORDS.split(' '));

/** What a word says plainly, and what it says negated ("not working", "no errors"); undefined: nothing. */
const TERMS: ReadonlyMap<string, Meaning> = new Map([
  ...meaning(
    'works working worked work fixed sorted resolved solved success successful successfully succeeded ' +
      'funktioniert funktionierts funktionieren funktionierte klappt geklappt gelöst behoben erfolgreich eingeloggt angemeldet drin ' +
      'fonctionne fonctionné fonctionnent fonctionner marche marché marcher réussi résolu réglé connecté connectée ' +
      'werkt werken gewerkt werkte opgelost gelukt lukt ingelogd aangemeld ' +
      'funciona funcionó funciono funcionando funcionar funcionan resuelto solucionado arreglado conectado conectada',
    'worksStrong',
    'failsStrong',
  ),
  ...meaning(
    'fail fails failed failing failure broken invalid rejected rejecting rejects denied locked incorrect wrong ' +
      'fehlgeschlagen ungültig ungültige ungültiger abgelehnt gesperrt falsch falsche unverändert ' +
      'échoue échoué échec invalide refusé rejeté bloqué incorrect incorrecte ' +
      'mislukt ongeldig ongeldige geweigerd geblokkeerd ' +
      'falla fallando falló fallo inválido invalido inválida rechazado rechaza bloqueado incorrecto',
    'failsStrong',
    'worksStrong',
  ),
  ...meaning('same gleiche gleicher gleichen selbe selben dasselbe même zelfde dezelfde hetzelfde mismo misma', 'failsStrong', undefined),
  ...meaning(
    'change changed changes difference luck änderung verändert geändert unterschied changé changement différence verandering veranderd verschil cambio cambios cambiado diferencia',
    undefined,
    'failsStrong',
  ),
  ...meaning(ISSUE_WORDS, 'failsWeak', 'worksWeak'),
  ...meaning('yes yep yeah yup yea ja jep jup jawohl oui ouais sí jawel 👍 ✅ 👌 🎉 🙌 😀 😃 😊 🙂', 'worksWeak', undefined),
  ...meaning(
    'ok okay oké okey good great fine perfect awesome excellent brilliant gut super prima perfekt toll passt bien bon parfait génial nickel impeccable goed top perfecto genial vale estupendo',
    'worksWeak',
    'failsWeak',
  ),
  // "es geht wieder" is a yes, but "es geht um …" is not, so alone they are weak; "geht nicht" is a plain failure.
  ...meaning('geht läuft', 'worksWeak', 'failsStrong'),
  ...meaning('nope nah negative nein nee neen 👎 ❌ 😞 😢 🙁 ☹', 'failsWeak', undefined),
  ...meaning('thanks thank thx ty cheers danke dank merci bedankt gracias 🙏', 'thanks', undefined),
]);

function meaning(words: string, plain: Signal | undefined, whenNegated: Signal | undefined): Array<[string, Meaning]> {
  return words.split(' ').map((word) => [word, [plain, whenNegated]]);
}

function isBadNews(m: Meaning): boolean {
  return m[0] === 'failsStrong' || m[0] === 'failsWeak';
}

// Negations, in the five languages and a few more (so "não funciona" is not read as "funciona").
const NEGATORS = new Set(
  ('not never unable without neither nor stopped stop stops quit ceased no nothing none ' +
    'nicht nie niemals kein keine keinen keiner keinem nichts ne pas jamais aucun aucune rien plus ' +
    'niet nooit geen niets niks nunca jamás jamas ni tampoco sin nada ningún ninguno ninguna ' +
    'non não nao inte ikke ej ei nem ' +
    // "stopped working" in the other languages: "dejó de funcionar", "a arrêté de marcher", "hat aufgehört zu funktionieren"
    'dejó dejo deja dejado dejaron arrêté arrete arrête cessé aufgehört gestopt').split(' '),
);
// Negations that only reach the word right after them ("no errors", "keine Fehler", "sin problemas").
const NEAR_NEGATORS = new Set('no nothing none kein keine keinen keiner keinem nichts aucun aucune rien plus geen niets niks sin nada ningún ninguno ninguna'.split(' '));
// "no longer failing", "plus de problème", "keine Fehler mehr".
const NEGATION_LINKS = new Set(['longer', 'more', 'de', 'mehr', 'meer', 'más']);
// An answer word on its own ("no.", "nein") when it negates nothing.
const BARE_NO = new Set(['no', 'non']);
const STILL = new Set(['still', 'toujours', 'steeds', 'todavía', 'todavia', 'aún', 'aun', 'sigue', 'sigo', 'siguen']);
const LOGIN_VERBS = new Set(['log', 'sign', 'logged', 'signed', 'get', 'got']);
const LOGIN_WORDS = new Set(['login', 'logon', 'signin']);
const LOGIN_INFINITIVES = new Set(['anmelden', 'einloggen', 'reinkommen', 'connecter', 'inloggen', 'aanmelden', 'entrar', 'acceder', 'conectar', 'conectarme']);
const LOGIN_MODALS = new Set(['can', 'could', 'able', 'managed', 'now', 'successfully', 'kann', 'konnte', 'peux', 'pu', 'kan', 'kon', 'puedo', 'pude', 'podido']);
const WORKPLACE = new Set(['at', 'from', 'after', 'before']);

/** Builds a matcher for whole words and phrases; \b knows only ASCII letters, so it would split "später". */
function wordsPattern(phrases: string): RegExp {
  return new RegExp(`(?<![\\p{L}\\p{N}'])(?:${phrases.split('|').join('|')})(?![\\p{L}\\p{N}'])`, 'u');
}

// Nothing was tried yet: "ok, will do", "I'll try later", "ich probiere es später", "pas encore essayé".
const NOT_TRIED = wordsPattern(
  'not tried|not yet tried|not try|not tested|not had (?:a |the )?(?:chance|time)|not got round|will (?:try|do|check|test|let you know|get back)|let you know|' +
    'try (?:it )?(?:again )?later|going to try|gonna try|about to try|later|tomorrow|tonight|' +
    'probiere|probier|probieren|versuche|teste|testen|später|(?<!guten |goede )morgen|heute abend|nachher|noch nicht (?:ge)?testet|noch nicht (?:aus)?probiert|' +
    'noch nicht versucht|nicht (?:aus)?probiert|nicht getestet|melde mich|gebe bescheid|sage bescheid|' +
    'essaierai|essayerai|vais (?:essayer|tester)|plus tard|demain|ce soir|pas encore (?:essayé|testé)|pas essayé|pas testé|tiens au courant|' +
    'tiendrai au courant|reviens vers vous|reviendrai|vous dirai|' +
    'probeer|proberen|straks|vanavond|nog niet geprobeerd|nog niet getest|niet geprobeerd|niet getest|laat (?:het )?(?:je |u )?weten|' +
    'probaré|probare|intentaré|intentare|voy a (?:probar|intentar)|pruebo|luego|más tarde|mas tarde|mañana|manana|esta tarde|' +
    'no lo he (?:probado|intentado)|no he probado|te aviso|le aviso|te confirmo|le confirmo',
);
// Hedges, partial success, bad news: the answer may be a failure, but it is never a plain "works".
const DOUBT = wordsPattern(
  'not sure|unsure|no idea|do not know|dunno|maybe|perhaps|hopefully|probably|possibly|seems?|seemed|appears?|looks? like|' +
    'i think|i guess|i believe|i hope|wish|if (?:it|that|i)|only (?:if|when)|works? (?:if|when)|unless|sometimes|intermittent(?:ly)?|' +
    'occasionally|for one|only|once|at first|first time|partly|partially|half(?:way)?|badly|kind of|sort of|unfortunately|sadly|' +
    'hmm+|hm|not yet|halb|halbwegs|à moitié|a medias|' +
    'nicht sicher|wei(?:ß|ss) (?:es )?nicht|keine ahnung|vielleicht|wahrscheinlich|scheint|anscheinend|glaube|denke|hoffe|hoffentlich|' +
    'wenn (?:es|ich)|falls|manchmal|teilweise|einmal|nur|leider|mal sehen|' +
    'pas s[ûu]re?|sais pas|aucune idée|peut être|semble|dirait|pense|crois|espère|si|parfois|une fois|seulement|malheureusement|' +
    'pas encore|en partie|' +
    'niet zeker|weet (?:het )?niet|geen idee|misschien|waarschijnlijk|lijkt|denk|hoop|hopelijk|als (?:het|ik)|soms|een keer|één keer|' +
    'alleen|helaas|deels|nog niet|' +
    'no estoy segur[oa]|no s[ée]|ni idea|quiz[áa]s?|tal vez|parece|creo|espero|ojal[áa]|a veces|una vez|s[óo]lo|lamentablemente|' +
    'desafortunadamente|por desgracia|todav[íi]a no|a[úu]n no',
);
// "but" and its kind always leave doubt; with commas they end a clause, which is as far as a negation reaches.
const CONTRAST_WORDS =
  'but|however|although|though|except|whereas|aber|jedoch|allerdings|trotzdem|doch|außer|ausser|mais|cependant|pourtant|sauf|toutefois|' +
  'maar|echter|behalve|toch|pero|aunque|excepto|salvo|sin embargo';
const CONTRAST = wordsPattern(CONTRAST_WORDS);
const CLAUSE_BREAK = new RegExp(`(?<![\\p{L}\\p{N}'])(?:${CONTRAST_WORDS})(?![\\p{L}\\p{N}'])|,`, 'u');
// A sentence that asks ("does it work now", "funktioniert es?") confirms nothing.
const QUESTION_START = /^\s*(?:does|do|did|is|are|was|were|should|shall|will|would|must|why|how|what|can (?:i|you|we)|could (?:i|you)|soll|sollte|muss|warum|wieso|est ce|pourquoi|moet|waarom|hoe|por qué|cómo)(?![\p{L}])/u;
const PHRASES: ReadonlyArray<readonly [RegExp, Signal]> = [
  [wordsPattern('did the trick|that did it|all good|all set|back to normal|good to go|up and running|alles gut|alles ok|todo bien|tout va bien|tout est bon'), 'worksStrong'],
  [/(?:^|\s)(?:i am|i'm|we are|we're) (?:back )?in(?: now)?$/, 'worksStrong'],
  [wordsPattern('not really|not quite|not at all|nicht wirklich|pas vraiment|niet echt|no del todo|no realmente'), 'failsWeak'],
];
// Words that carry no answer; with the terms and negations above, the whole vocabulary a short "yes"/"ok"/"thanks"
// answer may use. A reply with any other word is not understood well enough for those weak words to solve it.
const FILLERS = new Set(
  ("i i'm im it it's its is was all the a an so very much many you your for help we me my and that that's this just really too also " +
    'now again here everything lot lots guys team hi hello hey dear well indeed back both everyone ' +
    'es ist jetzt wieder alles vielen vielmals schön sehr das hat mal nochmal hallo und euch ihnen dir für die hilfe mit klasse ich ' +
    'ça ca ce est tout maintenant beaucoup bonjour pour votre aide de la le et à a nouveau très ' +
    'het nu weer hartelijk je u wel voor hulp hoor en ik dat ' +
    'ya ahora todo muchas muchísimas muy está esta hola por su tu ayuda el y nuevo otra vez eso').split(' '),
);
const KNOWN_WORDS: ReadonlySet<string> = new Set([...TERMS.keys(), ...NEGATORS, ...FILLERS, ...STILL]);
const ANSWER_WORDS = new Set([...TERMS.keys(), 'no', 'still', 'not']);

type Tally = Record<Signal, number>;

interface Reading {
  readonly tally: Tally;
  /** A hedge, a contrast, a negation of nothing we know, bad news, or a question that names success. */
  doubt: boolean;
  /** Every word is one we know; only then may "ok", "yes" or "thanks" alone mean it works. */
  understood: boolean;
}

function retestOutcome(text: string): 'works' | 'fails' | undefined {
  const answer = normaliseAnswer(withoutClosingName(text));
  // Nothing was tested yet: neither answer is true.
  if (NOT_TRIED.test(answer)) return undefined;
  return decide(readAnswer(answer));
}

/** Strong words beat weak ones; works needs no failure, no doubt, and for weak words alone, every word understood. */
function decide({ tally, doubt, understood }: Reading): 'works' | 'fails' | undefined {
  const { worksStrong, failsStrong, worksWeak, failsWeak, thanks } = tally;
  if (failsStrong > 0) return worksStrong > 0 ? undefined : 'fails';
  if (worksStrong > 0) return failsWeak === 0 && !doubt ? 'works' : undefined;
  if (failsWeak > 0) return worksWeak > 0 ? undefined : 'fails';
  return worksWeak + thanks > 0 && !doubt && understood ? 'works' : undefined;
}

function readAnswer(answer: string): Reading {
  const reading: Reading = {
    tally: { worksStrong: 0, failsStrong: 0, worksWeak: 0, failsWeak: 0, thanks: 0 },
    doubt: DOUBT.test(answer) || CONTRAST.test(answer),
    understood: true,
  };
  for (const [, body = '', ends = ''] of answer.matchAll(/([^.!?;\n]*)([.!?;\n]*)/g)) {
    if (body.trim() === '') continue;
    const question = ends.includes('?') || QUESTION_START.test(body);
    for (const clause of body.split(CLAUSE_BREAK)) {
      const tokens: string[] = clause.match(/[\p{L}\p{N}']+|\p{Extended_Pictographic}/gu) ?? [];
      if (!tokens.every((t) => KNOWN_WORDS.has(t))) reading.understood = false;
      const { signals, doubt } = clauseSignals(clause.trim(), tokens);
      if (doubt) reading.doubt = true;
      for (const signal of signals) {
        const good = signal === 'worksStrong' || signal === 'worksWeak' || signal === 'thanks';
        // A question may carry a failure ("why does it still fail?") but never a success ("does it work now?").
        if (question && good) reading.doubt = true;
        else reading.tally[signal] += 1;
      }
    }
  }
  return reading;
}

/** A closing name on the last line ("Yes\nAnna") is not part of the answer. */
function withoutClosingName(text: string): string {
  const lines = text.trimEnd().split('\n');
  const last = lines[lines.length - 1] ?? '';
  return lines.length > 1 && looksLikeName(last.trim()) ? lines.slice(0, -1).join('\n') : text;
}

function normaliseAnswer(text: string): string {
  return text
    .toLowerCase()
    .replace(/[’‘`´]/g, "'")
    .replace(/(^|\s)(?::-?\(|:'\()(?=\s|$)/g, '$1 🙁 ')
    .replace(/(^|\s)[:;]-?[)dp](?=\s|$)/g, '$1 🙂 ')
    .replace(/\bcan'?t\b|\bcannot\b/g, 'can not')
    .replace(/\bwon'?t\b/g, 'will not')
    .replace(/\b(\w+)n't\b/g, '$1 not')
    .replace(/\b(do|does|did|is|are|was|were|has|have|had|could|would|should)nt\b/g, '$1 not')
    .replace(/'ll\b/g, ' will')
    // French elision: "n'a" is "ne a", "j'ai" is "je ai"; "ça ne marche pas" then reads like "ne … pas" spelled out.
    .replace(/(?<!\p{L})(n|j|c|l|d|qu|m|s|t)'(?=\p{L})/gu, '$1e ')
    .replace(/(?<=\p{L})-(?=\p{L})/gu, ' ')
    .replace(/[^\S\n]+/g, ' ');
}

/**
 * The signals of one clause. A negation turns good news bad wherever it stands in the clause (German, French and
 * Dutch put "nicht", "pas", "niet" after the verb; "it does not seem to be fine" negates from afar), but turns bad
 * news good only right before it ("no longer failing", "keine Fehler mehr"): wrong that way, we escalate; wrong
 * the other way, we would solve a ticket whose login still fails.
 */
function clauseSignals(clause: string, tokens: readonly string[]): { signals: Signal[]; doubt: boolean } {
  const used = new Set<number>();
  const signals: Signal[] = [];
  // "problem solved": an issue word next to a success in the same clause is what the success fixed.
  const issues: Signal[] = [];
  tokens.forEach((token, i) => {
    const term = TERMS.get(token);
    if (!term || !isBadNews(term)) return;
    // Only a negation that has a meaning to turn ("no errors") is spent on the word; "not working :(" keeps its "not".
    const negator = term[1] === undefined ? -1 : negatorJustBefore(tokens, i);
    if (negator >= 0) used.add(negator);
    const signal = negator >= 0 ? term[1] : term[0];
    if (signal === 'failsWeak' && ISSUES.has(token)) issues.push(signal);
    else if (signal) signals.push(signal);
  });
  const negators = tokens.flatMap((t, i) => (NEGATORS.has(t) && !used.has(i) ? [i] : []));
  let negatedAny = false;
  tokens.forEach((token, i) => {
    const good = goodMeaning(tokens, i);
    if (!good) return;
    if (negators.length > 0 && good[1] !== undefined) {
      negatedAny = true;
      signals.push(good[1]);
    } else if (good[0]) {
      signals.push(good[0]);
    }
  });
  // A negation that turned nothing: a bare "no" is an answer, anything else ("I can't say") leaves doubt.
  let doubt = false;
  for (const n of negatedAny ? [] : negators) {
    if (BARE_NO.has(tokens[n] ?? '')) signals.push('failsWeak');
    else doubt = true;
  }
  // "still", "immer noch", "toujours" without a success after them: "still the same", "immer noch gesperrt".
  if (hasStill(tokens) && !signals.includes('worksStrong')) signals.push('failsStrong');
  for (const [pattern, signal] of PHRASES) if (pattern.test(clause)) signals.push(signal);
  if (!signals.includes('worksStrong')) signals.push(...issues);
  return { signals, doubt };
}

/** What a good word (or a login phrase) at i says plainly and negated; undefined for other words. */
function goodMeaning(tokens: readonly string[], i: number): Meaning | undefined {
  const token = tokens[i] ?? '';
  const login = loginMeaning(tokens, i);
  if (login) return login;
  // "back at work", "after work": the place, not the login.
  if (token === 'work' && WORKPLACE.has(tokens[i - 1] ?? '')) return undefined;
  const term = TERMS.get(token);
  return term && !isBadNews(term) ? term : undefined;
}

/** The index of a negation close enough before the word at i to turn it around, with no other answer word between; or -1. */
function negatorJustBefore(tokens: readonly string[], i: number): number {
  for (let k = 1; k <= 3; k++) {
    const t = tokens[i - k];
    if (t === undefined || TERMS.has(t)) return -1;
    if (NEAR_NEGATORS.has(t)) {
      if (k === 1 || (k === 2 && NEGATION_LINKS.has(tokens[i - 1] ?? ''))) return i - k;
    } else if (NEGATORS.has(t)) {
      return i - k;
    }
  }
  return -1;
}

function hasStill(tokens: readonly string[]): boolean {
  return tokens.some((t, i) => STILL.has(t) || (t === 'immer' && tokens[i + 1] === 'noch') || (t === 'nog' && tokens[i + 1] === 'altijd'));
}

/**
 * "I can log in now" / "can't log in" / "unable to login" / "I logged in" / "ich kann mich wieder anmelden";
 * "tried to log in" says nothing. Negated, any of them is a failure.
 */
function loginMeaning(tokens: readonly string[], i: number): Meaning | undefined {
  const token = tokens[i] ?? '';
  const next = tokens[i + 1];
  const english = LOGIN_WORDS.has(token) || (LOGIN_VERBS.has(token) && (next === 'in' || next === 'on' || next === 'into'));
  if (!english && !LOGIN_INFINITIVES.has(token)) return undefined;
  const back = tokens.slice(Math.max(0, i - 4), i);
  if (back.some((t) => LOGIN_MODALS.has(t)) || tokens[i + 2] === 'now') return ['worksStrong', 'failsStrong'];
  return [english && (token === 'logged' || token === 'signed' || token === 'got') ? 'worksStrong' : undefined, 'failsStrong'];
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
