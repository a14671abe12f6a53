import { describe, expect, it } from 'vitest';
import { TokensReadAhead } from '../../workers/effects/tokens-read-ahead.js';
import type { TokenInfo } from '../../workflows/resync/model.js';

const list: TokenInfo[] = [{ serial: 'MP-1', type: 'MobilePASS', mode: 'otp', state: 'active', codeLength: 6 }];

describe('TokensReadAhead', () => {
  it('hands a list read ahead to the ticket and user it was read for, once', async () => {
    const ahead = new TokensReadAhead();
    ahead.start('local:1', 'u1', async () => list);
    expect(await ahead.take('local:1', 'u2')).toBeUndefined();
    expect(await ahead.take('local:2', 'u1')).toBeUndefined();
    expect(await ahead.take('local:1', 'u1')).toEqual(list);
    expect(await ahead.take('local:1', 'u1')).toBeUndefined();
    expect(ahead.size).toBe(0);
  });

  it('gives nothing for a read that failed, and raises nothing when nobody takes it', async () => {
    const ahead = new TokensReadAhead();
    ahead.start('local:1', 'u1', async () => {
      throw new Error('platform down');
    });
    ahead.start('local:3', 'u3', async () => {
      throw new Error('never taken');
    });
    expect(await ahead.take('local:1', 'u1')).toBeUndefined();
  });

  it('forgets a list nobody took in time', async () => {
    const ahead = new TokensReadAhead({ ttlMs: 20 });
    ahead.start('local:1', 'u1', async () => list);
    await new Promise((r) => setTimeout(r, 40));
    expect(await ahead.take('local:1', 'u1')).toBeUndefined();
  });
});
