import { describe, expect, it } from 'vitest';
import { slicer } from '../../src/core/yield';

describe('slicer', () => {
  it('gives the event loop a turn only once the slice has passed, then starts a new slice', async () => {
    let t = 0;
    const breathe = slicer(10, () => t);
    t = 9;
    expect(breathe()).toBeNull();
    // a timer queued before the pause runs before the loop resumes: the pause is a real macrotask turn
    let timerRan = false;
    setTimeout(() => (timerRan = true), 0);
    t = 10;
    const p = breathe();
    expect(p).not.toBeNull();
    await p;
    expect(timerRan).toBe(true);
    t = 15;
    expect(breathe()).toBeNull();
    t = 20;
    expect(breathe()).not.toBeNull();
  });
});
