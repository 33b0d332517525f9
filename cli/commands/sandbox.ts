import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { parseConfig } from '../../core/config.ts';
import { VigieError } from '../../core/errors.ts';
import { controlClient } from '../../sandbox/staging/control.ts';

/**
 * `vigie sandbox fault <stand-in> <mode> [args…]`, `sandbox fault <stand-in> clear`,
 * `sandbox faults`: flips the fault switches of a running local staging through its control
 * endpoint (`VIGIE_CONTROL_URL` + `VIGIE_CONTROL_TOKEN`, read from the environment or from
 * `<VIGIE_STATE_DIR>/staging.env`, which `npm start` writes).
 */
export function register(program: Command): void {
  const sandbox = program.command('sandbox').description('The running local staging');
  sandbox
    .command('faults')
    .description('List every fault switch and what is on')
    .option('--json', 'print as JSON')
    .action(async (o: { json?: boolean }) => {
      const list = (await client().list()) as {
        switches: Record<
          string,
          { description: string; modes: Record<string, { description: string; args: string[] }> }
        >;
        active: Array<{ standIn: string; mode: string; since: string }>;
      };
      if (o.json) return void process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
      for (const [name, sw] of Object.entries(list.switches)) {
        process.stdout.write(`${name} — ${sw.description}\n`);
        for (const [mode, m] of Object.entries(sw.modes)) {
          process.stdout.write(
            `  npx vigie sandbox fault ${name} ${mode}${m.args.map((a) => ` <${a}>`).join('')}   ${m.description}\n`,
          );
        }
      }
      process.stdout.write(
        list.active.length === 0
          ? 'no fault is on\n'
          : `on: ${list.active.map((a) => `${a.standIn} ${a.mode} since ${a.since}`).join('; ')}\n`,
      );
    });
  sandbox
    .command('fault')
    .description(
      "Turn on a stand-in's fault (`… <stand-in> clear` turns it off; `all clear` clears every one)",
    )
    .argument(
      '<stand-in>',
      'slack, n8n, upstash, anthropic, dns, email, calendar, postgres, collector, or all',
    )
    .argument('<mode>', 'the fault (see `npx vigie sandbox faults`), or clear')
    .argument('[args...]', "the fault's arguments, e.g. a domain or a connection id")
    .action(async (standIn: string, mode: string, args: string[]) => {
      const c = client();
      if (mode === 'clear') {
        const result = await c.clear(standIn === 'all' ? undefined : standIn);
        process.stdout.write(`cleared ${(result.cleared as string[]).join(', ')}\n`);
        return;
      }
      const list = (await c.list()) as {
        switches: Record<string, { modes: Record<string, { args: string[] }> }>;
      };
      const names = list.switches[standIn]?.modes[mode]?.args ?? [];
      if (args.length > names.length) {
        throw new VigieError(
          'BAD_REQUEST',
          `${standIn} ${mode} takes ${names.length} argument(s): ${names.map((n) => `<${n}>`).join(' ') || 'none'}.`,
        );
      }
      const named = Object.fromEntries(
        names.map((n, i) => [n, args[i] ?? '']).filter(([, v]) => v !== ''),
      );
      const state = await c.apply(standIn, mode, named);
      process.stdout.write(`${JSON.stringify(state)}\n`);
    });
}

function client() {
  let url = process.env.VIGIE_CONTROL_URL;
  let token = process.env.VIGIE_CONTROL_TOKEN;
  if (!url || !token) {
    const file = path.join(parseConfig(process.env).VIGIE_STATE_DIR, 'staging.env');
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      throw new VigieError(
        'UNAVAILABLE',
        `No running local staging: ${file} is missing. Start one with npm start.`,
      );
    }
    const read = (name: string) => new RegExp(`^${name}='([^']*)'$`, 'm').exec(text)?.[1];
    url = url || read('VIGIE_CONTROL_URL');
    token = token || read('VIGIE_CONTROL_TOKEN');
  }
  if (!url || !token)
    throw new VigieError(
      'UNAVAILABLE',
      'The running staging has no control endpoint (VIGIE_CONTROL_URL).',
    );
  return controlClient(url, token);
}
