/**
 * Finds a program on PATH, or installs its Debian package when we are root, apt-get exists and
 * the user has not said no (`VIGIE_AUTO_INSTALL=0`). Used for the servers local staging starts
 * as children (redis-server, prometheus).
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { VigieError } from '../core/errors.ts';

/** The absolute path of an executable on PATH, or undefined. */
export function findOnPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export function findOrInstall(options: {
  binary: string;
  debianPackage: string;
  /** What to tell the user when it cannot be installed here. */
  howToInstall: string;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
}): string {
  const { binary, debianPackage, howToInstall, env, log } = options;
  const found = findOnPath(binary, env);
  if (found !== undefined) return found;
  const aptGet = findOnPath('apt-get', env);
  const permitted = env.VIGIE_AUTO_INSTALL !== '0' && process.getuid?.() === 0;
  if (aptGet === undefined || !permitted) throw new VigieError('UNAVAILABLE', howToInstall);
  log(
    `${binary} not found: installing Debian package ${debianPackage} (VIGIE_AUTO_INSTALL=0 to refuse)`,
  );
  const aptEnv = { ...env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', debianPackage]]) {
    const result = spawnSync(aptGet, args, { stdio: 'inherit', env: aptEnv });
    if (result.status !== 0) {
      throw new VigieError(
        'UNAVAILABLE',
        `\`apt-get ${args.join(' ')}\` failed (exit ${String(result.status)}). ${howToInstall}`,
      );
    }
  }
  const installed = findOnPath(binary, env) ?? findOnPath(binary, { PATH: '/usr/bin:/usr/sbin' });
  if (installed === undefined) throw new VigieError('UNAVAILABLE', howToInstall);
  return installed;
}
