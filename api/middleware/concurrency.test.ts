import { describe, expect, it } from 'vitest';
import { createGate } from './concurrency.ts';

describe('createGate', () => {
  it('admits up to the limit, queues up to the queue size, refuses beyond at once', async () => {
    const gate = createGate({ limit: 2, queue: 1 });
    const a = await gate.acquire(1_000);
    const b = await gate.acquire(1_000);
    expect(a && b).toBeTruthy();
    const queued = gate.acquire(60_000);
    expect(gate.waiting).toBe(1);
    expect(await gate.acquire(60_000)).toBeUndefined(); // queue full: no wait at all
    a?.();
    const c = await queued; // the freed slot goes to the waiter
    expect(c).toBeTypeOf('function');
    expect(gate.active).toBe(2);
    b?.();
    c?.();
    c?.(); // a second release of the same slot changes nothing
    expect(gate.active).toBe(0);
  });

  it('gives up on a waiter at its deadline and forgets it', async () => {
    const gate = createGate({ limit: 1, queue: 5 });
    const held = await gate.acquire(0);
    expect(await gate.acquire(5)).toBeUndefined();
    expect(gate.waiting).toBe(0);
    held?.();
    expect(gate.active).toBe(0);
    expect(await gate.acquire(0)).toBeTypeOf('function');
  });

  it('refuses a nonsensical size', () => {
    expect(() => createGate({ limit: 0, queue: 1 })).toThrow(RangeError);
  });
});
