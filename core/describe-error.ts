/**
 * One line saying what an error was, for logs and CLI messages: never `undefined`, never empty.
 * Anything can be thrown (`undefined`, a string, an object without a message, an
 * `AggregateError` with an empty message — what `net` raises when every address of a host
 * refused), so each shape gets a readable text: the code when there is one, the message, and
 * for an aggregate its first inner error. Bounded, and control characters are escaped so a
 * message cannot forge a log line. It reports what the error says: callers pass errors of
 * drivers and system calls (ids, hosts, codes), not ones carrying personal data.
 */
import { escapeControl } from './log-line.ts';

const MAX_CHARS = 300;

export function describeError(error: unknown): string {
  return bounded(describe(error, 0));
}

function describe(error: unknown, depth: number): string {
  if (error === undefined || error === null)
    return 'an empty rejection (no error value was thrown)';
  if (typeof error === 'string') return error.trim() === '' ? 'an empty error' : error;
  if (typeof error !== 'object') return `${typeof error} ${String(error)} was thrown`;
  const e = error as { name?: unknown; message?: unknown; code?: unknown; errors?: unknown };
  const name = typeof e.name === 'string' && e.name !== '' ? e.name : 'Error';
  const code = typeof e.code === 'string' || typeof e.code === 'number' ? String(e.code) : '';
  const message = typeof e.message === 'string' ? e.message.trim() : '';
  const inner =
    depth < 2 && Array.isArray(e.errors) && e.errors.length > 0
      ? describe(e.errors[0], depth + 1) +
        (e.errors.length > 1 ? ` (and ${e.errors.length - 1} more)` : '')
      : '';
  const head = code !== '' && !message.includes(code) ? `${code}: ` : '';
  if (message !== '') return `${head}${message}${inner ? ` — ${inner}` : ''}`;
  if (inner !== '') return `${head}${inner}`;
  if (head !== '') return `${name} ${code}`;
  let json: string;
  try {
    json = JSON.stringify(error) ?? '';
  } catch {
    json = '';
  }
  return json !== '' && json !== '{}' ? `${name} ${json}` : `${name} without a message`;
}

function bounded(text: string): string {
  const escaped = escapeControl(text);
  return escaped.length > MAX_CHARS ? `${escaped.slice(0, MAX_CHARS - 1)}…` : escaped;
}
