import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BUNDLE_FILE } from './bundles.ts';

export { scheduledEvent } from '../schedule-input.ts';

export interface Invocation {
  /** What the handler returned (JSON round-trip), or its error's message and code. */
  result?: unknown;
  error?: { message: string; code?: string };
  /** Milliseconds to import the bundle in a fresh process (Lambda's init phase). */
  importMs: number;
  /** Milliseconds of the first invocation. */
  invokeMs: number;
  /** Process start to the end of the first invocation, as the child measures it. */
  coldStartMs: number;
  /** Milliseconds of a second invocation in the same process (a warm start), when asked for. */
  warmMs?: number;
}

/**
 * Runs `handler(event, context)` of a built bundle once in a fresh Node process, as Lambda's
 * runtime does at a cold start: only the bundle folder, no `node_modules`, no TypeScript.
 * The child prints one JSON line; stdout from the handler itself goes to stderr.
 */
const driver = `
const started = performance.timeOrigin;
const [file, eventJson, warm] = process.argv.slice(-3);
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = process.stderr.write.bind(process.stderr);
const t0 = performance.now();
const mod = await import(file);
const t1 = performance.now();
// The deployed collectors' timeout (120 s): the time left runs down as in Lambda.
const deadline = Date.now() + 120000;
const context = {
  functionName: 'bundle-test', awsRequestId: 'bundle-test-1', invokedFunctionArn: 'arn:aws:lambda:eu-west-3:000000000000:function:bundle-test',
  getRemainingTimeInMillis: () => deadline - Date.now(), callbackWaitsForEmptyEventLoop: true,
};
let out;
try {
  const result = await mod.handler(JSON.parse(eventJson), context);
  out = { result };
} catch (error) {
  out = { error: { message: String(error && error.message || error), code: error && error.code } };
}
const t2 = performance.now();
const coldStartMs = Date.now() - started;
let warmMs;
if (warm !== 'no' && !out.error) {
  // The same event again in the same process: what the work itself costs once warm, after the
  // caller's pause (so a per-second limit met by the first run does not bill the second).
  await new Promise((resolve) => setTimeout(resolve, Number(warm)));
  const t3 = performance.now();
  await mod.handler(JSON.parse(eventJson), context);
  warmMs = performance.now() - t3;
}
write(JSON.stringify({ ...out, importMs: t1 - t0, invokeMs: t2 - t1, coldStartMs, warmMs }) + '\\n');
process.exit(0);
`;

export async function invokeBundle(
  dir: string,
  event: unknown,
  options: {
    env: Record<string, string>;
    timeoutMs?: number;
    /** Invoke a second time (warm), this many ms after the first returned. */
    warmAfterMs?: number;
  },
): Promise<Invocation> {
  const file = pathToFileURL(join(dir, BUNDLE_FILE)).href;
  const child = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      driver,
      file,
      JSON.stringify(event),
      String(options.warmAfterMs ?? 'no'),
    ],
    {
      cwd: dir,
      // Lambda's own variables; no NODE_OPTIONS or loaders from the test runner.
      env: { PATH: process.env.PATH ?? '', TZ: 'UTC', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 90_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  const line = stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as Invocation;
  } catch {
    throw new Error(`bundle ${dir} did not answer (exit ${code}); stderr:\n${stderr.slice(-2000)}`);
  }
}

/** An API Gateway HTTP API (payload format 2.0) event. */
export function apiGatewayEvent(method: string, path: string): Record<string, unknown> {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: { host: 'api.example.test', 'user-agent': 'bundle-test' },
    requestContext: {
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      requestId: 'bundle-test-1',
      stage: '$default',
      timeEpoch: Date.now(),
    },
    isBase64Encoded: false,
  };
}
