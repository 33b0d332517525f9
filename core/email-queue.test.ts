import { describe, expect, it } from 'vitest';
import { ackCommands, claimCommand, enqueueCommands, parseClaim } from './email-queue.ts';
import { prospectKeys, redisKeys } from './redis-keys.ts';

const job = {
  jobId: 'j1',
  userId: 'u1',
  prospectId: 'p1',
  campaignId: 'c1',
  to: 'a@b.test',
  subject: 's',
  body: 'b',
  dueAt: 1_000,
};

describe('email queue commands', () => {
  it('enqueue writes the job hash, the queue entry and the prospect index erasure reads', () => {
    const keys = enqueueCommands(job).map((c) => c[1]);
    expect(keys).toEqual([
      redisKeys.emailJob('j1'),
      redisKeys.emailQueue,
      redisKeys.prospectEmailJobs('p1'),
    ]);
    expect(prospectKeys({ id: 'p1' }).jobIndex).toBe(keys[2]);
  });

  it('claim is one script on the queue; ack removes the job and its index entry', () => {
    const claim = claimCommand(5_000);
    expect(claim[0]).toBe('eval');
    expect(claim.slice(2)).toEqual([1, redisKeys.emailQueue, 5_000, 'app:email:job:']);
    expect(ackCommands({ jobId: 'j1', prospectId: 'p1' })).toEqual([
      ['del', 'app:email:job:j1'],
      ['srem', 'app:prospect:p1:email-jobs', 'j1'],
    ]);
  });

  it('parses the script answer; nil is no job', () => {
    expect(parseClaim(['j1', 'prospect_id', 'p1', 'to', 'a@b.test'])).toEqual({
      jobId: 'j1',
      fields: { prospect_id: 'p1', to: 'a@b.test' },
    });
    expect(parseClaim(null)).toBeNull();
    expect(parseClaim([])).toBeNull();
  });
});
