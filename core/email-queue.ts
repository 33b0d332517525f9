import { redisKeys } from './redis-keys.ts';

/**
 * The app's email-queue operations on the `core/redis-keys.ts` layout, as Redis commands
 * (pure: the caller sends them one per request or in one pipeline):
 * - enqueue: the job hash, its place in `app:email:queue` (score = due time, epoch ms), and the
 *   prospect's job index (so erasure finds it);
 * - claim: one atomic script that takes the earliest due job off the queue and returns its
 *   fields (two workers never get the same job; not pipelined, it is one command already);
 * - acknowledge: the job hash and its index entry go once the email is sent.
 */
export interface EmailJobInput {
  jobId: string;
  userId: string;
  prospectId: string;
  campaignId: string;
  to: string;
  subject: string;
  body: string;
  dueAt: number;
}

export type Command = [string, ...Array<string | number>];

export function enqueueCommands(job: EmailJobInput): Command[] {
  return [
    [
      'hset',
      redisKeys.emailJob(job.jobId),
      'user_id',
      job.userId,
      'prospect_id',
      job.prospectId,
      'campaign_id',
      job.campaignId,
      'to',
      job.to,
      'subject',
      job.subject,
      'body',
      job.body,
      'due_at',
      job.dueAt,
    ],
    ['zadd', redisKeys.emailQueue, job.dueAt, job.jobId],
    ['sadd', redisKeys.prospectEmailJobs(job.prospectId), job.jobId],
  ];
}

/** KEYS[1] queue; ARGV[1] now (ms), ARGV[2] the job-hash prefix. Returns [jobId, ...fields] or nil. */
export const CLAIM_SCRIPT = `
local due = redis.call('ZRANGE', KEYS[1], '-inf', ARGV[1], 'BYSCORE', 'LIMIT', 0, 1)
if #due == 0 then return nil end
redis.call('ZREM', KEYS[1], due[1])
local job = redis.call('HGETALL', ARGV[2] .. due[1])
table.insert(job, 1, due[1])
return job`;

export function claimCommand(now: number): Command {
  return ['eval', CLAIM_SCRIPT, 1, redisKeys.emailQueue, now, redisKeys.emailJob('')];
}

export function ackCommands(job: { jobId: string; prospectId: string }): Command[] {
  return [
    ['del', redisKeys.emailJob(job.jobId)],
    ['srem', redisKeys.prospectEmailJobs(job.prospectId), job.jobId],
  ];
}

/** A claimed job from the script's flat answer `[jobId, field, value, …]`. */
export function parseClaim(
  answer: unknown,
): { jobId: string; fields: Record<string, string> } | null {
  if (!Array.isArray(answer) || answer.length === 0) return null;
  const [jobId, ...rest] = answer.map(String);
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < rest.length; i += 2) fields[rest[i]!] = rest[i + 1]!;
  return { jobId: jobId!, fields };
}
