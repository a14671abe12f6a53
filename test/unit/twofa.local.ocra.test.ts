import { describe, expect, it } from 'vitest';
import { decodeSecret } from '../../integrations/twofa/local/hotp.js';
import { findChallengeResponse, KT4_SUITE, ocra, parseSuite, respond } from '../../integrations/twofa/local/ocra.js';

// RFC 6287 Appendix C keys: the ASCII digits "1234567890" repeated to 20, 32 and 64 bytes.
const KEY20 = Buffer.from('12345678901234567890', 'ascii');
const KEY32 = Buffer.from('12345678901234567890123456789012', 'ascii');
const KEY64 = Buffer.from('1234567890123456789012345678901234567890123456789012345678901234', 'ascii');
const PIN = '1234';
const SECRET = 'AIDNYO2WRALLB7G56OAJBENN3FII44JE';

const QUESTIONS = ['00000000', '11111111', '22222222', '33333333', '44444444', '55555555', '66666666', '77777777', '88888888', '99999999'];

describe('ocra (RFC 6287 Appendix C)', () => {
  describe('OCRA-1:HOTP-SHA1-6:QN08, 20-byte key', () => {
    const expected = ['237653', '243178', '653583', '740991', '608993', '388898', '816933', '224598', '750600', '294470'];
    it.each(QUESTIONS.map((q, i) => [q, expected[i]] as const))('Q=%s → %s', (question, response) => {
      expect(ocra('OCRA-1:HOTP-SHA1-6:QN08', KEY20, { question })).toBe(response);
    });
  });

  describe('OCRA-1:HOTP-SHA256-8:C-QN08-PSHA1, 32-byte key, PIN 1234, Q=12345678', () => {
    const expected = ['65347737', '86775851', '78192410', '71565254', '10104329', '65983500', '70069104', '91771096', '75011558', '08522129'];
    it.each(expected.map((r, c) => [c, r] as const))('C=%i → %s', (counter, response) => {
      expect(ocra('OCRA-1:HOTP-SHA256-8:C-QN08-PSHA1', KEY32, { counter, question: '12345678', pin: PIN })).toBe(response);
    });
  });

  describe('OCRA-1:HOTP-SHA256-8:QN08-PSHA1, 32-byte key, PIN 1234', () => {
    const expected = ['83238735', '01501458', '17957585', '86776967', '86807031'];
    it.each(expected.map((r, i) => [QUESTIONS[i] ?? '', r] as const))('Q=%s → %s', (question, response) => {
      expect(ocra('OCRA-1:HOTP-SHA256-8:QN08-PSHA1', KEY32, { question, pin: PIN })).toBe(response);
    });
  });

  describe('OCRA-1:HOTP-SHA512-8:C-QN08, 64-byte key, C=i with Q=iiiiiiii', () => {
    const expected = ['07016083', '63947962', '70123924', '25341727', '33203315', '34205738', '44343969', '51946085', '20403879', '31409299'];
    it.each(expected.map((r, c) => [c, QUESTIONS[c] ?? '', r] as const))('C=%i Q=%s → %s', (counter, question, response) => {
      expect(ocra('OCRA-1:HOTP-SHA512-8:C-QN08', KEY64, { counter, question })).toBe(response);
    });
  });

  describe('mutual challenge/response OCRA-1:HOTP-SHA256-8:QA08, 32-byte key', () => {
    const vectors = [
      ['CLI22220SRV11110', '28247970'],
      ['CLI22221SRV11111', '01984843'],
      ['CLI22222SRV11112', '65387857'],
      ['CLI22223SRV11113', '03351211'],
      ['CLI22224SRV11114', '83412541'],
      ['SRV11110CLI22220', '15510767'],
      ['SRV11111CLI22221', '90175646'],
      ['SRV11112CLI22222', '33777207'],
      ['SRV11113CLI22223', '95285278'],
      ['SRV11114CLI22224', '28934924'],
    ] as const;
    it.each(vectors)('Q=%s → %s', (question, response) => {
      // The RFC's mutual questions are the two 8-character challenges concatenated.
      expect(ocra({ ...parseSuite('OCRA-1:HOTP-SHA256-8:QA08'), question: { format: 'A', maxLength: 16 } }, KEY32, { question })).toBe(response);
    });
  });

  describe('plain signature OCRA-1:HOTP-SHA256-8:QA08, 32-byte key', () => {
    const vectors = [
      ['SIG10000', '53095496'],
      ['SIG11000', '04110475'],
      ['SIG12000', '31331128'],
      ['SIG13000', '76028668'],
      ['SIG14000', '46554205'],
    ] as const;
    it.each(vectors)('Q=%s → %s', (question, response) => {
      expect(ocra('OCRA-1:HOTP-SHA256-8:QA08', KEY32, { question })).toBe(response);
    });
  });
});

describe('parseSuite', () => {
  it('reads the KT-4 suite', () => {
    expect(parseSuite(KT4_SUITE)).toEqual({ text: KT4_SUITE, hash: 'sha1', digits: 8, counter: true, question: { format: 'N', maxLength: 8 } });
  });

  it('refuses inputs it would otherwise ignore, and malformed suites', () => {
    expect(() => parseSuite('OCRA-1:HOTP-SHA512-8:QN08-T1M')).toThrow(/not supported/);
    expect(() => parseSuite('OCRA-1:HOTP-SHA1-6:QN08-S064')).toThrow(/not supported/);
    expect(() => parseSuite('OCRA-1:HOTP-MD5-6:QN08')).toThrow(/unknown hash/);
    expect(() => parseSuite('OCRA-1:HOTP-SHA1-0:QN08')).toThrow(/4 to 10/);
    expect(() => parseSuite('OCRA-2:HOTP-SHA1-6:QN08')).toThrow(/OCRA-1/);
    expect(() => parseSuite('OCRA-1:HOTP-SHA1-6:C')).toThrow(/question/);
  });

  it('refuses a question longer than the suite allows, or of the wrong kind', () => {
    expect(() => ocra(KT4_SUITE, KEY20, { counter: 0, question: '123456789' })).toThrow(RangeError);
    expect(() => ocra(KT4_SUITE, KEY20, { counter: 0, question: '1234abcd' })).toThrow(RangeError);
    expect(() => ocra(KT4_SUITE, KEY20, { question: '12345678' })).toThrow(/counter/);
  });
});

describe('KT-4 responses', () => {
  it('are OCRA-1:HOTP-SHA1-8:C-QN08 over the raw secret bytes', () => {
    expect(respond(SECRET, 57, '31415926')).toBe(ocra(KT4_SUITE, decodeSecret(SECRET), { counter: 57, question: '31415926' }));
    expect(respond(SECRET, 57, '31415926')).toMatch(/^\d{8}$/);
  });

  it('depend on the counter and the challenge', () => {
    expect(respond(SECRET, 1, '12345678')).not.toBe(respond(SECRET, 2, '12345678'));
    expect(respond(SECRET, 1, '12345678')).not.toBe(respond(SECRET, 1, '12345679'));
  });

  describe('findChallengeResponse', () => {
    it('finds the counter of a drifted device', () => {
      expect(findChallengeResponse(SECRET, 42, 1000, '27182818', respond(SECRET, 99, '27182818'))).toBe(99);
    });

    it('searches [from, from + window)', () => {
      expect(findChallengeResponse(SECRET, 10, 5, '11223344', respond(SECRET, 14, '11223344'))).toBe(14);
      expect(findChallengeResponse(SECRET, 10, 5, '11223344', respond(SECRET, 15, '11223344'))).toBeNull();
      expect(findChallengeResponse(SECRET, 10, 5, '11223344', respond(SECRET, 9, '11223344'))).toBeNull();
    });

    it('refuses a response to another challenge, or a malformed one', () => {
      expect(findChallengeResponse(SECRET, 0, 100, '11223344', respond(SECRET, 3, '11223345'))).toBeNull();
      expect(findChallengeResponse(SECRET, 0, 100, '11223344', '1234567')).toBeNull();
      expect(findChallengeResponse(SECRET, 0, 100, 'abc', '12345678')).toBeNull();
    });
  });
});
