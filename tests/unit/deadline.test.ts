import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { settlesWithin, withDeadline } from '../../src/core/deadline';

describe('deadline', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('settlesWithin: true when the promise resolves or rejects in time, false at the deadline, and the timer is cleared', async () => {
    expect(await settlesWithin(Promise.resolve(1), 100)).toBe(true);
    expect(await settlesWithin(Promise.reject(new Error('x')), 100)).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    const never = settlesWithin(new Promise(() => undefined), 100);
    await vi.advanceTimersByTimeAsync(99);
    let settled: boolean | null = null;
    void never.then((v) => (settled = v));
    await Promise.resolve();
    expect(settled).toBeNull();
    await vi.advanceTimersByTimeAsync(1);
    expect(await never).toBe(false);
  });

  it('settlesWithin: a deadline already past gives the promise no time, but still sees one already settled', async () => {
    const late = settlesWithin(new Promise(() => undefined), -5);
    await vi.advanceTimersByTimeAsync(0);
    expect(await late).toBe(false);
    expect(await settlesWithin(Promise.resolve(), -5)).toBe(true);
  });

  it('withDeadline: the value or the error of a promise in time; the late error after the deadline', async () => {
    expect(await withDeadline(Promise.resolve('v'), 100, () => new Error('late'))).toBe('v');
    await expect(withDeadline(Promise.reject(new Error('own')), 100, () => new Error('late'))).rejects.toThrow('own');
    expect(vi.getTimerCount()).toBe(0);
    const p = withDeadline(new Promise(() => undefined), 50, () => new Error('the worker did not answer within 0.05 s'));
    const caught = p.catch((e: Error) => e.message);
    await vi.advanceTimersByTimeAsync(50);
    expect(await caught).toBe('the worker did not answer within 0.05 s');
  });

  it('uses the timers it is given', async () => {
    const calls: number[] = [];
    const timers = { setTimeout: (fn: () => void, ms: number) => (calls.push(ms), fn()) };
    expect(await settlesWithin(new Promise(() => undefined), 30, timers)).toBe(false);
    expect(calls).toEqual([30]);
  });
});
