import { describe, expect, it } from 'vitest';
import { RecentComments } from '../../workers/effects/recent-comments.js';

describe('RecentComments', () => {
  it('hands a kept text out once, for its own ticket and comment only', () => {
    const recent = new RecentComments();
    recent.remember('local:1', '7', 'code 1: 123456\ncode 2: 654321');
    expect(recent.take('local:2', '7')).toBeUndefined();
    expect(recent.take('local:1', '8')).toBeUndefined();
    expect(recent.take('local:1', '7')).toBe('code 1: 123456\ncode 2: 654321');
    expect(recent.take('local:1', '7')).toBeUndefined();
    expect(recent.size).toBe(0);
  });

  it('forgets a text nobody took after its time, and the oldest beyond its size', () => {
    let now = 5000;
    const recent = new RecentComments({ ttlMs: 1000, max: 2, now: () => now });
    recent.remember('local:1', '1', 'a');
    now += 1001;
    expect(recent.take('local:1', '1')).toBeUndefined();
    recent.remember('local:1', '2', 'b');
    recent.remember('local:1', '3', 'c');
    recent.remember('local:1', '4', 'd');
    expect(recent.size).toBe(2);
    expect(recent.take('local:1', '2')).toBeUndefined();
    expect(recent.take('local:1', '4')).toBe('d');
  });
});
