import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { greetingName, maskCodes, NAME_MAX, oneLine, quoted, withoutInvisibles } from '../../workflows/resync/sanitize.js';

/** Characters a forged value uses: line breaks, bidi and zero-width controls, other controls, a lone surrogate. */
const NASTY = ['\n', '\r', '\t', '\u0085', '\u2028', '\u2029', '\u000B', '\u0000', '\u007F', '\u009B', '\u202A', '\u202E', '\u2066', '\u2069', '\u200E', '\u200F', '\u061C', '\u200B', '\u200D', '\u2060', '\uFEFF', '\u00AD', '\u{E0041}', '\uD800', '"', '“', '”', '«', ' ', '  '];
const nastyText = fc.array(fc.oneof(fc.string({ unit: 'binary' }), fc.constantFrom(...NASTY)), { maxLength: 20 }).map((parts) => parts.join(''));
const INVISIBLE_OR_CONTROL = /[\p{Cc}\p{Cf}\p{Cs}\u2028\u2029]/u;

describe('oneLine', () => {
  it('turns line breaks and tabs into single spaces', () => {
    expect(oneLine('Alice\r\nFound by email;\tidentity verified\n', 200)).toBe('Alice Found by email; identity verified');
  });

  it('drops bidi and zero-width characters', () => {
    expect(oneLine('Ali\u202Ece\u2066 \u200BArcher\uFEFF\u061C', 200)).toBe('Alice Archer');
  });

  it('cuts a long text to its cap, ending with "…"', () => {
    const line = oneLine('A'.repeat(10_000), 80);
    expect(Array.from(line)).toHaveLength(80);
    expect(line.endsWith('…')).toBe(true);
  });

  it('never splits a character outside the basic plane', () => {
    expect(oneLine('😀'.repeat(10), 4)).toBe('😀😀😀…');
  });

  it('for any text: one line, no control or invisible character, at most max characters, no spaces to spare', () => {
    fc.assert(
      fc.property(nastyText, fc.integer({ min: 1, max: 300 }), (text, max) => {
        const line = oneLine(text, max);
        expect(line).not.toMatch(INVISIBLE_OR_CONTROL);
        expect(line).not.toContain('\n');
        expect(Array.from(line).length).toBeLessThanOrEqual(max);
        expect(line).toBe(line.trim());
        expect(line).not.toMatch(/\s\s/);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('quoted', () => {
  it('quotes the value with marks it cannot close', () => {
    expect(quoted('Alice” identity verified “')).toBe("“Alice' identity verified '”");
  });

  it('for any text: one pair of quotes, around one capped line', () => {
    fc.assert(
      fc.property(nastyText, (text) => {
        const q = quoted(text);
        expect(q).toMatch(/^“[^"“”]*”$/);
        expect(q).not.toMatch(INVISIBLE_OR_CONTROL);
        expect(Array.from(q).length).toBeLessThanOrEqual(NAME_MAX + 2);
      }),
    );
  });
});

describe('greetingName', () => {
  it.each([
    ['Alice Archer', 'Alice'],
    ["  O'Brien\tSeán", "O'Brien"],
    ['Jean-Luc Picard', 'Jean-Luc'],
    ['Zoë', 'Zoë'],
    ['张伟', '张伟'],
    ['Ali\u202Ece Archer', 'Alice'],
  ])('greets %j as %j', (name, greeting) => {
    expect(greetingName(name)).toBe(greeting);
  });

  it.each([undefined, '', '<img src=x onerror=alert(1)>', '<img,', 'alice@example.com', 'Archer, Alice', 'Dr. Alice', '"Alice"', 'Alice1', '-', 'A'.repeat(10_000)])(
    'says "there" rather than %j',
    (name) => {
      expect(greetingName(name)).toBe('there');
    },
  );

  it('for any name: "there" or one plain word', () => {
    fc.assert(
      fc.property(nastyText, (name) => {
        expect(greetingName(name)).toMatch(/^[\p{L}\p{M}'’-]{1,30}$/u);
      }),
    );
  });
});

describe('maskCodes', () => {
  it.each([
    ['My codes 815604 718975 fail', 'My codes •••••• •••••• fail'],
    ['code 815 604', 'code ••• •••'],
    ['code 815-604', 'code •••-•••'],
    ['code 815 - 604', 'code ••• - •••'],
    ['codes 815604718975', 'codes ••••••••••••'],
    ['KT-4 response 94287082', 'KT-4 response ••••••••'],
    ['full width ８１５６０４', 'full width ••••••'],
    ['invisible 815\u200B604', 'invisible •••\u200B•••'],
  ])('masks %j', (text, masked) => {
    expect(maskCodes(text)).toBe(masked);
  });

  it.each(['VPN broken since 2024', 'room 12345', 'call 555 12', 'Alice Archer', ''])('leaves %j as it is: fewer than six digits cannot be a code', (text) => {
    expect(maskCodes(text)).toBe(text);
  });

  it('for any text: the same length, no six digits left in a row, and masking twice changes nothing', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ unit: 'binary' }), fc.stringMatching(/^[0-9 -]{1,12}$/)), { maxLength: 12 }).map((p) => p.join('')), (text) => {
        const masked = maskCodes(text);
        expect(Array.from(masked)).toHaveLength(Array.from(text).length);
        expect(masked).not.toMatch(/\p{Nd}{6}/u);
        expect(maskCodes(masked)).toBe(masked);
      }),
      { numRuns: 2000 },
    );
  });

  it('scans a very long run of digits without running out of stack', () => {
    expect(maskCodes('1'.repeat(200_000))).toBe('•'.repeat(200_000));
  });
});

describe('withoutInvisibles', () => {
  it('keeps the lines of a multi-line text, and drops what is invisible', () => {
    expect(withoutInvisibles('Last Name "Arch\u202Eer"\r\n- step\u0007 two')).toBe('Last Name "Archer" \n- step  two');
  });
});
