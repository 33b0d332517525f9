import { describe, expect, it } from 'vitest';
import { escapeControl, logLine } from './log-line.ts';

describe('escapeControl', () => {
  it('keeps an injected newline from starting a forged line', () => {
    const forged = 'bad dsn\n{"level":"info","msg":"all good"}';
    expect(logLine(forged)).toBe('bad dsn\\u000a{"level":"info","msg":"all good"}\n');
    expect(logLine(forged).split('\n')).toHaveLength(2);
  });

  it('escapes carriage returns, escape sequences, DEL, C1 and line separators; keeps tabs', () => {
    expect(escapeControl('a\rb\u001b[2Jc\u007fd\u0085e\u2028f\tg')).toBe(
      'a\\u000db\\u001b[2Jc\\u007fd\\u0085e\\u2028f\tg',
    );
  });

  it('leaves ordinary text alone', () => {
    expect(escapeControl('vigie: ready in 993 ms — app http://127.0.0.1:8080')).toBe(
      'vigie: ready in 993 ms — app http://127.0.0.1:8080',
    );
  });
});
