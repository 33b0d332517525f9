/**
 * What `vigie gameday --commit` writes into the repository must not name this machine's paths
 * (command outputs in the journals name files under the staging's state directory): each
 * absolute prefix becomes the path a reader can use, relative to the repository root or under
 * `$VIGIE_STATE_DIR`.
 */
export function withRepoPaths(text: string, o: { root: string; stateDir: string }): string {
  const prefixes: Array<[string, string]> = [
    [withSlash(o.stateDir), '$VIGIE_STATE_DIR/'],
    [withSlash(o.root), ''],
  ];
  // The longer prefix first: a state directory inside the repository keeps its own name.
  prefixes.sort((a, b) => b[0].length - a[0].length);
  let out = text;
  for (const [prefix, replacement] of prefixes) out = out.split(prefix).join(replacement);
  return out;
}

function withSlash(dir: string): string {
  return dir.endsWith('/') ? dir : `${dir}/`;
}
