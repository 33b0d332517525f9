/**
 * Raw per-request records for exact percentiles. Artillery keeps only DDSketch summaries (1 %
 * relative accuracy) and runs processors in worker threads, so each processor appends one JSON
 * line per measurement to `VIGIE_LOAD_RECORDS`; the runner reads them back into HDR histograms.
 * Records hold ids and numbers only.
 */
import { appendFileSync } from 'node:fs';

export type LoadRecord = { kind: string } & Record<string, number | string | boolean | null>;

const buffer: string[] = [];
let timer: ReturnType<typeof setTimeout> | undefined;

export function record(entry: LoadRecord): void {
  const file = process.env.VIGIE_LOAD_RECORDS;
  if (!file) return;
  buffer.push(JSON.stringify(entry));
  // Small batches: one write per tick keeps lines whole across worker threads (O_APPEND).
  timer ??= setTimeout(flush, 50);
}

export function flush(): void {
  timer = undefined;
  const file = process.env.VIGIE_LOAD_RECORDS;
  if (!file || buffer.length === 0) return;
  appendFileSync(file, `${buffer.splice(0).join('\n')}\n`);
}

process.on('exit', flush);

/** The users (id, bearer token, prospect ids) the runner prepared, read once per worker. */
export interface LoadUser {
  userId: string;
  token: string;
  prospectIds: string[];
}

let users: LoadUser[] | undefined;
export async function loadUsers(): Promise<LoadUser[]> {
  if (users) return users;
  const file = process.env.VIGIE_LOAD_USERS;
  if (!file) throw new Error('VIGIE_LOAD_USERS is not set: run the scenario with `npx vigie load`');
  const { readFile } = await import('node:fs/promises');
  users = JSON.parse(await readFile(file, 'utf8')) as LoadUser[];
  if (users.length === 0) throw new Error(`${file} holds no user`);
  return users;
}

export function pick<T>(list: readonly T[]): T {
  return list[Math.floor(Math.random() * list.length)]!;
}
