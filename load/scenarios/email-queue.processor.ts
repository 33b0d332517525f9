/** Scenario 2's processor: the queue operations through the official Upstash client. */
import { randomUUID } from 'node:crypto';
import { Redis } from '@upstash/redis';
import {
  ackCommands,
  claimCommand,
  type Command,
  enqueueCommands,
  parseClaim,
} from '../../core/email-queue.ts';
import { record } from './records.ts';

type Ctx = { vars: Record<string, unknown> };

let client: Redis | undefined;
function redis(): Redis {
  client ??= new Redis({
    url: process.env.VIGIE_UPSTASH_URL!,
    token: process.env.VIGIE_UPSTASH_TOKEN!,
    automaticDeserialization: false,
    retry: false,
  });
  return client;
}

const pipelined = () => process.env.VIGIE_QUEUE_MODE === 'pipelined';

/** Sends `commands` one request each, or all in one `/pipeline` request. */
async function send(op: string, commands: Command[]): Promise<unknown[]> {
  const started = performance.now();
  let answers: unknown[];
  if (pipelined() && commands.length > 1) {
    const p = redis().pipeline();
    for (const c of commands) addTo(p, c);
    answers = await p.exec();
  } else {
    answers = [];
    for (const c of commands) answers.push(await redis().exec(c));
  }
  record({
    kind: 'queue',
    op,
    mode: pipelined() ? 'pipelined' : 'single',
    ms: performance.now() - started,
    at: Date.now(),
    commands: commands.length,
    requests: pipelined() ? 1 : commands.length,
  });
  return answers;
}

/** The pipeline takes typed calls, not raw arrays: the few commands the queue uses. */
function addTo(p: ReturnType<Redis['pipeline']>, [name, key, ...args]: Command): void {
  const k = String(key);
  switch (name) {
    case 'hset': {
      const fields: Record<string, string | number> = {};
      for (let i = 0; i + 1 < args.length; i += 2) fields[String(args[i])] = args[i + 1]!;
      p.hset(k, fields);
      return;
    }
    case 'zadd':
      p.zadd(k, { score: Number(args[0]), member: String(args[1]) });
      return;
    case 'sadd':
      p.sadd(k, String(args[0]));
      return;
    case 'srem':
      p.srem(k, String(args[0]));
      return;
    case 'del':
      p.del(k);
      return;
    default:
      throw new Error(`the queue does not pipeline ${name}`);
  }
}

export async function enqueue(context: Ctx): Promise<void> {
  const job = {
    jobId: `load-${randomUUID()}`,
    userId: randomUUID(),
    prospectId: randomUUID(),
    campaignId: randomUUID(),
    to: 'prospect@load.invalid',
    subject: 'Quick question',
    body: 'x'.repeat(600),
    dueAt: Date.now() - 1,
  };
  context.vars.cycles = Number(context.vars.cycles ?? 0) + 1;
  await send('enqueue', enqueueCommands(job));
}

export async function claim(context: Ctx): Promise<void> {
  const [answer] = await send('claim', [claimCommand(Date.now())]);
  const claimed = parseClaim(answer);
  context.vars.claimed = claimed
    ? { jobId: claimed.jobId, prospectId: claimed.fields.prospect_id ?? '' }
    : null;
}

export async function ack(context: Ctx): Promise<void> {
  const claimed = context.vars.claimed as { jobId: string; prospectId: string } | null;
  if (!claimed) return;
  await send('ack', ackCommands(claimed));
}

export function moreCycles(context: Ctx, done: (more: boolean) => void): void {
  done(Number(context.vars.cycles ?? 0) < Number(process.env.VIGIE_QUEUE_CYCLES ?? 7));
}
