import { createHash, createHmac } from 'node:crypto';
import { decodeSecret, isCode, truncate, writeCounter } from './hotp.js';

/**
 * RFC 6287 OCRA, the challenge/response of the embedded platform's KT-4 tokens. Covers the suite
 * features the RFC's Appendix C vectors need apart from time: SHA1/256/512, 4–10 digits, an optional
 * counter, N/A/H questions and a hashed PIN. Session (S) and time (T) inputs are refused, not ignored,
 * because a response computed without them would silently differ from the token's.
 */

export type OcraHash = 'sha1' | 'sha256' | 'sha512';

export interface OcraSuite {
  /** hashed as typed: its bytes start the DataInput */
  readonly text: string;
  readonly hash: OcraHash;
  readonly digits: number;
  readonly counter: boolean;
  readonly question: { readonly format: 'N' | 'A' | 'H'; readonly maxLength: number };
  readonly pinHash?: OcraHash;
}

export interface OcraInput {
  /** required when the suite has C */
  counter?: number;
  /** the challenge as shown to the user: decimal (N), text (A) or hex (H) */
  question: string;
  /** required when the suite has P; hashed with the suite's P algorithm */
  pin?: string;
}

/** The suite of the embedded KT-4 tokens: event counter, numeric challenge, 8-digit response. */
export const KT4_SUITE = 'OCRA-1:HOTP-SHA1-8:C-QN08';

const QUESTION_BYTES = 128;

export class InvalidOcraSuite extends Error {
  override readonly name = 'InvalidOcraSuite';
  constructor(suite: string, detail: string) {
    super(`OCRA suite "${suite}": ${detail}`);
  }
}

function parseHash(suite: string, text: string | undefined): OcraHash {
  switch (text?.toUpperCase()) {
    case 'SHA1':
      return 'sha1';
    case 'SHA256':
      return 'sha256';
    case 'SHA512':
      return 'sha512';
    default:
      throw new InvalidOcraSuite(suite, `unknown hash "${text ?? ''}"`);
  }
}

export function parseSuite(text: string): OcraSuite {
  const parts = text.split(':');
  if (parts.length !== 3 || parts[0]?.toUpperCase() !== 'OCRA-1') throw new InvalidOcraSuite(text, 'expected OCRA-1:<CryptoFunction>:<DataInput>');
  const crypto = /^HOTP-([A-Z0-9]+)-(\d+)$/i.exec(parts[1] ?? '');
  if (!crypto) throw new InvalidOcraSuite(text, 'expected CryptoFunction HOTP-<hash>-<digits>');
  const hash = parseHash(text, crypto[1]);
  const digits = Number(crypto[2]);
  if (digits < 4 || digits > 10) throw new InvalidOcraSuite(text, 'truncation must be 4 to 10 digits (0, no truncation, is not supported)');

  let counter = false;
  let question: OcraSuite['question'] | undefined;
  let pinHash: OcraHash | undefined;
  for (const field of (parts[2] ?? '').split('-')) {
    const q = /^Q([NAH])(\d\d)$/i.exec(field);
    if (field.toUpperCase() === 'C' && !question) counter = true;
    else if (q && !question) {
      const maxLength = Number(q[2]);
      if (maxLength < 4 || maxLength > 64) throw new InvalidOcraSuite(text, 'question length must be 04 to 64');
      question = { format: (q[1] ?? 'N').toUpperCase() as 'N' | 'A' | 'H', maxLength };
    } else if (/^P/i.test(field) && question) pinHash = parseHash(text, field.slice(1));
    else if (/^[ST]/i.test(field)) throw new InvalidOcraSuite(text, `${field}: session and time inputs are not supported`);
    else throw new InvalidOcraSuite(text, `unexpected DataInput field "${field}"`);
  }
  if (!question) throw new InvalidOcraSuite(text, 'DataInput needs a question Qxx');
  return { text, hash, digits, counter, question, ...(pinHash ? { pinHash } : {}) };
}

/** The question as RFC 6287 §5.1 encodes it: bytes left-justified and zero-padded to 128 bytes. */
function encodeQuestion(suite: OcraSuite, question: string): Buffer {
  const { format, maxLength } = suite.question;
  if (question.length === 0 || question.length > maxLength) throw new RangeError(`challenge must be 1 to ${maxLength} characters`);
  let hex: string;
  if (format === 'N') {
    if (!/^\d+$/.test(question)) throw new RangeError('challenge must be decimal digits');
    // The reference implementation writes the number's hex digits left-justified, so an odd count
    // ends in a half byte (0x1 → 0x10…): kept for compatibility with real tokens.
    hex = BigInt(question).toString(16);
  } else if (format === 'H') {
    if (!/^[0-9a-f]+$/i.test(question)) throw new RangeError('challenge must be hexadecimal');
    hex = question;
  } else {
    hex = Buffer.from(question, 'ascii').toString('hex');
  }
  return Buffer.from(hex.padEnd(QUESTION_BYTES * 2, '0'), 'hex');
}

interface Layout {
  data: Buffer;
  /** where the 8-byte counter sits in `data`, when the suite has C */
  counterAt: number;
}

/** DataInput = suite ‖ 0x00 ‖ C ‖ Q ‖ P (RFC 6287 §5.1), with the counter left for the caller to fill. */
function layout(suite: OcraSuite, input: OcraInput): Layout {
  const suiteBytes = Buffer.from(suite.text, 'ascii');
  const parts: Buffer[] = [suiteBytes, Buffer.alloc(1)];
  const counterAt = suiteBytes.length + 1;
  if (suite.counter) parts.push(Buffer.alloc(8));
  parts.push(encodeQuestion(suite, input.question));
  if (suite.pinHash) {
    if (input.pin === undefined) throw new RangeError(`suite ${suite.text} needs a PIN`);
    parts.push(createHash(suite.pinHash).update(input.pin, 'utf8').digest());
  }
  return { data: Buffer.concat(parts), counterAt };
}

function responseValue(suite: OcraSuite, key: Buffer, data: Buffer): number {
  return truncate(createHmac(suite.hash, key).update(data).digest()) % 10 ** suite.digits;
}

/** The token's response, zero-padded to the suite's digits. `key` is the raw secret bytes. */
export function ocra(suite: OcraSuite | string, key: Buffer, input: OcraInput): string {
  const parsed = typeof suite === 'string' ? parseSuite(suite) : suite;
  const { data, counterAt } = layout(parsed, input);
  if (parsed.counter) {
    if (input.counter === undefined) throw new RangeError(`suite ${parsed.text} needs a counter`);
    writeCounter(data, counterAt, input.counter);
  }
  return String(responseValue(parsed, key, data)).padStart(parsed.digits, '0');
}

const kt4 = parseSuite(KT4_SUITE);

/** A KT-4's response to `challenge` at `counter`; the secret is base32 as in the seed. */
export function respond(secret: string, counter: number, challenge: string): string {
  return ocra(kt4, decodeSecret(secret), { counter, question: challenge });
}

export function isChallenge(challenge: string): boolean {
  return challenge.length > 0 && challenge.length <= kt4.question.maxLength && /^\d+$/.test(challenge);
}

/**
 * The counter c in [fromCounter, fromCounter + window) at which a KT-4 answers `challenge` with
 * `response`, or null. Like the HOTP search it builds the DataInput once and rewrites only the counter.
 */
export function findChallengeResponse(secret: string, fromCounter: number, window: number, challenge: string, response: string): number | null {
  if (window <= 0 || !isChallenge(challenge) || !isCode(response, kt4.digits)) return null;
  const key = decodeSecret(secret);
  const { data, counterAt } = layout(kt4, { question: challenge });
  const want = Number(response);
  for (let c = fromCounter; c < fromCounter + window; c++) {
    writeCounter(data, counterAt, c);
    if (responseValue(kt4, key, data) === want) return c;
  }
  return null;
}
