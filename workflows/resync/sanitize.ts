/*
 * Text from a ticket (the requester's name, address and subject) and from the 2FA platform is data, never part of
 * what the bot says. Agents act on the bot's internal notes, so a value must not be able to start a line of its own
 * ("found by email / identity verified"), reorder what is shown around it (bidi controls), hide characters, or
 * drown the note; and text kept for weeks must not keep a code the requester typed into it.
 */

/** C0 and C1 controls (\t, \r, \n among them) and the line and paragraph separators: each becomes a space. */
const BREAKING = /[\p{Cc}\u2028\u2029]/gu;
/**
 * Invisible format characters: bidi controls (U+202A–U+202E, U+2066–U+2069, U+200E/U+200F, U+061C), zero-width
 * characters (U+200B–U+200D, U+2060, U+FEFF), the soft hyphen, tag characters; and halves of a broken surrogate pair.
 */
const INVISIBLE = /[\p{Cf}\p{Cs}]/gu;
const SPACES = /\s+/gu;
/** Quote marks a value could use to close our quotes around it early. */
const QUOTE_MARKS = /["\u00AB\u00BB\u201C-\u201F\u2033\u2036\u275D\u275E\u301D-\u301F\uFF02]/gu;
/** A word that may stand in a greeting: letters (any script) and their marks, with inner apostrophes or hyphens. */
const GREETING_WORD = /^[\p{L}\p{M}]+(?:['’-][\p{L}\p{M}]+)*$/u;

/** Longest name the bot keeps or shows: longer ones are cut (with "…"). No one's real name comes near it. */
export const NAME_MAX = 100;
/** Longest first name a greeting uses; a longer one is not a first name. */
const GREETING_MAX = 30;
export const GREETING_FALLBACK = 'there';

/** Removes invisible format characters; control characters but the line break become spaces (multi-line text keeps its lines). */
export function withoutInvisibles(text: string): string {
  return text.replace(INVISIBLE, '').replace(BREAKING, (c) => (c === '\n' ? c : ' '));
}

/**
 * The text on one line: controls and line breaks become spaces, invisible characters go, runs of spaces become
 * one, and text longer than `max` characters (code points, so no pair is split) is cut and ends with "…".
 */
export function oneLine(text: string, max: number): string {
  const line = flatten(text);
  const chars = Array.from(line);
  if (chars.length <= max) return line;
  return `${chars.slice(0, Math.max(0, max - 1)).join('').trimEnd()}…`;
}

function flatten(text: string): string {
  return text.replace(INVISIBLE, '').replace(BREAKING, ' ').replace(SPACES, ' ').trim();
}

/** A value from a person, for a note: on one line, capped, in quotes it cannot close. */
export function quoted(text: string, max = NAME_MAX): string {
  return `“${oneLine(text, max).replace(QUOTE_MARKS, "'")}”`;
}

/**
 * What a public reply may call the requester: the first word of their name when it is a plain word, "there"
 * otherwise. A greeting is no place for markup, addresses or "Archer," from a "Last, First" directory name.
 */
export function greetingName(name: string | undefined): string {
  const [first] = flatten(name ?? '').split(' ');
  return first && Array.from(first).length <= GREETING_MAX && GREETING_WORD.test(first) ? first : GREETING_FALLBACK;
}

/** The shortest code a token shows (TokenInfo.codeLength): fewer digits in a row cannot be a code. */
const MIN_CODE_DIGITS = 6;
const DIGIT = /^\p{Nd}$/u;
/**
 * What may stand between the digits of one code as people type it ("815 604", "815-604"), and what oneLine turns
 * into a space or removes (controls, invisible characters): masking before oneLine leaves no code for it to join.
 */
const CODE_SEPARATOR = /^[\s\p{Cc}\p{Cf}\p{Pd}\u2212]$/u;
const MAX_SEPARATORS = 3;
const MASK = '•';

/**
 * Masks every run of six or more digits (decimal digits of any script, with up to three spaces, dashes or
 * invisible characters between two digits): each digit becomes "•", the separators stay. Longer runs are masked
 * too, since two codes typed together make one. A hand-written scan: a regex for "digits with separators between"
 * keeps a backtracking entry per digit and can overflow on a long text.
 */
export function maskCodes(text: string): string {
  const chars = Array.from(text);
  const isDigit = (i: number): boolean => DIGIT.test(chars[i] ?? '');
  let i = 0;
  while (i < chars.length) {
    if (!isDigit(i)) {
      i += 1;
      continue;
    }
    let end = i + 1;
    let digits = 1;
    for (;;) {
      let k = end;
      while (k - end < MAX_SEPARATORS && CODE_SEPARATOR.test(chars[k] ?? '')) k += 1;
      if (!isDigit(k)) break;
      digits += 1;
      end = k + 1;
    }
    if (digits >= MIN_CODE_DIGITS) {
      for (let m = i; m < end; m += 1) if (isDigit(m)) chars[m] = MASK;
    }
    i = end;
  }
  return chars.join('');
}
