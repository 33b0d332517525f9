/**
 * Escapes control characters (C0, DEL, C1 and the Unicode line/paragraph separators) as
 * `\uXXXX`, so text that came from outside — an error message quoting a request, a DSN — stays
 * on its own log line and cannot forge another or move the terminal's cursor. Tabs are kept.
 */
export function escapeControl(text: string): string {
  // One pass, one bounded character class: linear whatever the input.
  return text.replace(
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** One log line: control characters escaped, a single trailing newline. */
export function logLine(text: string): string {
  return `${escapeControl(text)}\n`;
}
