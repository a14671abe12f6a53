import { Writable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLogger, redactSecrets, SECRET_FIELDS, SECRET_HEADERS } from '../../workers/logger.js';

function logged(obj: object): string {
  const lines: string[] = [];
  const sink = new Writable({ write: (c: Buffer, _e, done) => void (lines.push(c.toString('utf8')), done()) });
  createLogger('info', sink).info(obj, 'line');
  return lines.join('');
}

describe('log redaction', () => {
  it('blanks secret fields at any depth, header names in any case, and an axios error config body', () => {
    class AxiosError extends Error {
      override name = 'AxiosError';
      config = { headers: { Authorization: 'Basic c2VjcmV0', 'X-API-KEY': 'sta-key-1' }, data: 'otp1=287082&otp2=359152' };
    }
    const err = new AxiosError('Request failed with status 500');
    const line = logged({ err, a: { b: { c: { d: { password: 'hunter2' } } } }, headers: { 'X-Desk-Webhook-Signature': 'sig-abc' }, list: [{ otp: '112233' }] });
    for (const secret of ['c2VjcmV0', 'sta-key-1', '287082', 'hunter2', 'sig-abc', '112233']) expect(line).not.toContain(secret);
    const parsed = JSON.parse(line) as { err: { type: string; message: string; stack: string }; a: { b: { c: { d: { password: string } } } } };
    expect(parsed.err).toMatchObject({ type: 'AxiosError', message: 'Request failed with status 500' });
    expect(parsed.err.stack).toContain('Request failed');
    expect(parsed.a.b.c.d.password).toBe('[redacted]');
    // the caller's objects are not changed
    expect(err.config.headers.Authorization).toBe('Basic c2VjcmV0');
  });

  it('returns an object without secrets as it is (no copy)', () => {
    const obj = { tk: 'local:1', state: 'awaiting_codes', effects: ['updateTicket'], nested: { at: 1 } };
    expect(redactSecrets(obj)).toBe(obj);
  });

  it('never lets a value under a secret key through, wherever it sits (property)', () => {
    const secretKey = fc.constantFrom(...SECRET_FIELDS, ...SECRET_HEADERS).chain((k) => fc.constantFrom(k, k.toUpperCase()));
    const plainKey = fc.string({ minLength: 1, maxLength: 8 }).filter((k) => ![...SECRET_FIELDS, ...SECRET_HEADERS, 'data'].some((s) => s.toLowerCase() === k.toLowerCase()));
    fc.assert(
      fc.property(fc.array(plainKey, { maxLength: 6 }), secretKey, fc.boolean(), (path, key, inArray) => {
        const secret = 'S3CR3T-VALUE-0042';
        let obj: unknown = { [key]: secret };
        for (const p of [...path].reverse()) obj = inArray ? { [p]: [obj] } : { [p]: obj };
        expect(logged(obj as object)).not.toContain(secret);
      }),
      { numRuns: 300 },
    );
  });
});
