import { describe, expect, it } from 'vitest';
import { createErasureBackground } from './erasure-background.ts';

/** An `advance` whose calls finish only when the test says so. */
function controlled() {
  const started: string[] = [];
  const finish = new Map<string, (fail?: boolean) => void>();
  const advance = (id: string) =>
    new Promise<void>((resolve, reject) => {
      started.push(id);
      finish.set(id, (fail) => (fail ? reject(new Error('store down')) : resolve()));
    });
  return { started, finish, advance };
}
const tick = () => new Promise((r) => setImmediate(r));

describe('the erasure background queue', () => {
  it('runs at most `concurrency` at once, in order, and the next when one ends', async () => {
    const c = controlled();
    const bg = createErasureBackground({ advance: c.advance, concurrency: 2, queue: 10 });
    for (const id of ['a', 'b', 'c', 'd']) expect(bg.enqueue(id)).toBe(true);
    await tick();
    expect(c.started).toEqual(['a', 'b']);
    expect(bg.stats()).toMatchObject({ running: 2, queued: 2 });
    c.finish.get('a')!();
    await tick();
    expect(c.started).toEqual(['a', 'b', 'c']);
  });

  it('keeps at most `queue` waiting: beyond, refuses (the collector takes those) and counts them', async () => {
    const c = controlled();
    const bg = createErasureBackground({ advance: c.advance, concurrency: 1, queue: 2 });
    expect(bg.enqueue('a')).toBe(true);
    expect(bg.enqueue('b')).toBe(true);
    expect(bg.enqueue('c')).toBe(false);
    await tick();
    expect(bg.enqueue('c')).toBe(true); // 'a' left the queue to run
    expect(bg.stats()).toMatchObject({ running: 1, queued: 2, dropped: 1 });
  });

  it('takes a request once while it is queued or running', async () => {
    const c = controlled();
    const bg = createErasureBackground({ advance: c.advance, concurrency: 1, queue: 5 });
    bg.enqueue('a');
    bg.enqueue('a');
    await tick();
    bg.enqueue('a');
    expect(bg.stats()).toMatchObject({ running: 1, queued: 0 });
    c.finish.get('a')!();
    await bg.idle();
    expect(c.started).toEqual(['a']);
  });

  it('goes on after a failure, counts it, and is idle once everything ended', async () => {
    const c = controlled();
    const bg = createErasureBackground({ advance: c.advance, concurrency: 1, queue: 5 });
    bg.enqueue('a');
    bg.enqueue('b');
    await tick();
    let idle = false;
    void bg.idle().then(() => (idle = true));
    c.finish.get('a')!(true);
    await tick();
    expect(c.started).toEqual(['a', 'b']);
    expect(idle).toBe(false);
    c.finish.get('b')!();
    await tick();
    expect(idle).toBe(true);
    expect(bg.stats()).toEqual({ running: 0, queued: 0, dropped: 0, failed: 1 });
  });
});
