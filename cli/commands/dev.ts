import path from 'node:path';
import type { Command } from 'commander';
import * as z from 'zod';
import { parseConfig } from '../../core/config.ts';
import { VigieError } from '../../core/errors.ts';
import { loadIssuer, loadSigningKey, signUserToken } from '../../sandbox/supabase-auth/keys.ts';

export interface DevTokenRequest {
  stateDir: string;
  userId: string;
  ttlSeconds?: number;
  /** Overrides the issuer recorded by the last local staging run. */
  issuer?: string;
  now?: Date;
}

/**
 * A user access token the local API accepts: signed with the local Supabase Auth stand-in's
 * key, read from `<stateDir>/supabase-auth/` (written the first time local staging runs).
 */
export async function createDevToken(request: DevTokenRequest): Promise<string> {
  if (!z.uuid().safeParse(request.userId).success) {
    throw new VigieError(
      'BAD_REQUEST',
      '--user must be a user UUID (the `sub` of a Supabase user).',
    );
  }
  const dir = path.join(request.stateDir, 'supabase-auth');
  const key = await loadSigningKey(request.stateDir);
  const issuer = request.issuer ?? (await loadIssuer(request.stateDir));
  if (key === undefined || issuer === undefined) {
    throw new VigieError(
      'CONFIG_INVALID',
      `No local Supabase Auth signing key in ${dir}: run \`npm start\` once (local staging creates it), or point VIGIE_STATE_DIR at the directory it used.`,
    );
  }
  return signUserToken(key, {
    userId: request.userId,
    issuer,
    ...(request.ttlSeconds === undefined ? {} : { ttlSeconds: request.ttlSeconds }),
    ...(request.now === undefined ? {} : { now: request.now }),
  });
}

export function register(program: Command): void {
  const dev = program.command('dev').description('Helpers for local staging');
  dev
    .command('token')
    .description('Print a Supabase user access token the local API accepts')
    .requiredOption('--user <uuid>', 'the user id (`sub`)')
    .option('--ttl <seconds>', 'lifetime in seconds', '3600')
    .option('--issuer <url>', 'issuer to put in the token (default: the last local staging run)')
    .action(async (options: { user: string; ttl: string; issuer?: string }) => {
      const ttlSeconds = Number(options.ttl);
      if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) {
        throw new VigieError(
          'BAD_REQUEST',
          `--ttl must be a positive whole number of seconds (got ${options.ttl}).`,
        );
      }
      // A dev token is for local staging only: its stage is local unless the env says otherwise.
      const config = parseConfig({
        ...process.env,
        VIGIE_STAGE: process.env.VIGIE_STAGE || 'local',
      });
      const token = await createDevToken({
        stateDir: path.resolve(config.VIGIE_STATE_DIR),
        userId: options.user,
        ttlSeconds,
        ...(options.issuer === undefined ? {} : { issuer: options.issuer }),
      });
      process.stdout.write(`${token}\n`);
    });
}
