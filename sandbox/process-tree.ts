/** The processes a launcher started, found from Linux `/proc` (elsewhere: none). */
import { readdirSync } from 'node:fs';
import { processInfo } from './leftovers.ts';

/** Every live descendant of `pid` (children, their children, …), parents before children. */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  for (const entry of entries) {
    const info = /^\d+$/.test(entry) ? processInfo(Number(entry)) : undefined;
    if (info) children.set(info.ppid, [...(children.get(info.ppid) ?? []), info.pid]);
  }
  const found: number[] = [];
  const walk = (parent: number) => {
    for (const child of children.get(parent) ?? []) {
      found.push(child);
      walk(child);
    }
  };
  walk(pid);
  return found;
}
