import { describe, expect, it } from 'vitest';
import { decodeSecret, findConsecutive, generate, verify } from '../../integrations/twofa/local/hotp.js';

// RFC 4226 Appendix D: the ASCII key "12345678901234567890", base32-encoded as the seed stores secrets.
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const RFC_CODES = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
// The same table's truncated decimals (1284755224 …), last 8 digits.
const RFC_CODES_8 = ['84755224', '94287082', '37359152', '26969429', '40338314', '68254676', '18287922', '82162583', '73399871', '45520489'];
const SECRET = 'E22QIDWL2NM7AIKYUQBOOC45U5KMXAKJ';

describe('hotp', () => {
  it('decodes the RFC key from base32', () => {
    expect(decodeSecret(RFC_SECRET).toString('ascii')).toBe('12345678901234567890');
  });

  it.each(RFC_CODES.map((code, counter) => [counter, code] as const))('generates the RFC 4226 code at counter %i', (counter, code) => {
    expect(generate(RFC_SECRET, counter, 6)).toBe(code);
  });

  it.each(RFC_CODES_8.map((code, counter) => [counter, code] as const))('generates 8 digits at counter %i', (counter, code) => {
    expect(generate(RFC_SECRET, counter, 8)).toBe(code);
  });

  describe('verify', () => {
    it('finds a code within the look-ahead and reports its counter', () => {
      expect(verify(RFC_SECRET, 5, RFC_CODES[8] ?? '', 6, 3)).toBe(8);
      expect(verify(RFC_SECRET, 5, RFC_CODES[5] ?? '', 6, 0)).toBe(5);
    });

    it('refuses a code past the look-ahead or behind the counter', () => {
      expect(verify(RFC_SECRET, 5, RFC_CODES[9] ?? '', 6, 3)).toBeNull();
      expect(verify(RFC_SECRET, 5, RFC_CODES[4] ?? '', 6, 3)).toBeNull();
    });

    it('treats a malformed code as a failed check', () => {
      expect(verify(RFC_SECRET, 0, '75522', 6, 3)).toBeNull();
      expect(verify(RFC_SECRET, 0, '75522x', 6, 3)).toBeNull();
      expect(verify(RFC_SECRET, 0, '84755224', 6, 3)).toBeNull();
    });
  });

  describe('findConsecutive', () => {
    it('finds the RFC codes 3 and 4 from counter 0', () => {
      expect(findConsecutive(RFC_SECRET, 0, 10, RFC_CODES[3] ?? '', RFC_CODES[4] ?? '', 6)).toBe(3);
    });

    it('finds codes of a device drifted 300 ahead', () => {
      const c = 10 + 300;
      expect(findConsecutive(SECRET, 10, 1000, generate(SECRET, c, 6), generate(SECRET, c + 1, 6), 6)).toBe(c);
    });

    it('finds 8-digit codes', () => {
      const c = 777;
      expect(findConsecutive(SECRET, 0, 1000, generate(SECRET, c, 8), generate(SECRET, c + 1, 8), 8)).toBe(c);
    });

    it('accepts code1 at the last counter of the window, code2 just past it', () => {
      const from = 100;
      const last = from + 49;
      expect(findConsecutive(SECRET, from, 50, generate(SECRET, last, 6), generate(SECRET, last + 1, 6), 6)).toBe(last);
    });

    it('refuses code1 one counter past the window', () => {
      const from = 100;
      expect(findConsecutive(SECRET, from, 50, generate(SECRET, from + 50, 6), generate(SECRET, from + 51, 6), 6)).toBeNull();
    });

    it('accepts code1 at the first counter of the window, and not one before', () => {
      expect(findConsecutive(SECRET, 100, 50, generate(SECRET, 100, 6), generate(SECRET, 101, 6), 6)).toBe(100);
      expect(findConsecutive(SECRET, 100, 50, generate(SECRET, 99, 6), generate(SECRET, 100, 6), 6)).toBeNull();
    });

    it('refuses codes that are not consecutive, or in the wrong order', () => {
      expect(findConsecutive(SECRET, 0, 1000, generate(SECRET, 40, 6), generate(SECRET, 42, 6), 6)).toBeNull();
      expect(findConsecutive(SECRET, 0, 1000, generate(SECRET, 41, 6), generate(SECRET, 40, 6), 6)).toBeNull();
    });

    it('refuses malformed codes and an empty window', () => {
      expect(findConsecutive(SECRET, 0, 1000, '12345', generate(SECRET, 1, 6), 6)).toBeNull();
      expect(findConsecutive(SECRET, 0, 0, generate(SECRET, 0, 6), generate(SECRET, 1, 6), 6)).toBeNull();
    });
  });
});
