/**
 * `npm run bench`: runs each benchmark in turn and prints its figures. Figures are printed,
 * never asserted; targets are written beside them for the reader.
 * `npm run bench -- startup alerts` runs only the named ones.
 */
type Bench = () => Promise<Record<string, number | string>>;

const benches: Record<string, () => Promise<Bench>> = {
  alerts: async () => (await import('./alerts.ts')).benchAlerts,
  collectors: async () => (await import('./collectors.ts')).benchCollectors,
  infra: async () => (await import('./infra.ts')).benchInfra,
  load: async () => (await import('./load.ts')).benchLoad,
  'privacy-export': async () => (await import('./privacy-export.ts')).benchExport,
  'migrate-seed': async () => (await import('./migrate-seed.ts')).benchMigrateSeed,
  'privacy-erasure': async () => (await import('./privacy-erasure.ts')).benchErasure,
  'shared-limiter': async () => (await import('./shared-limiter.ts')).benchSharedLimiter,
  startup: async () => (await import('./startup.ts')).benchStartup,
  'telemetry-overhead': async () =>
    (await import('./telemetry-overhead.ts')).benchTelemetryOverhead,
};

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !(name in benches));
if (unknown.length > 0) {
  process.stderr.write(
    `unknown bench: ${unknown.join(', ')} (known: ${Object.keys(benches).join(', ')})\n`,
  );
  process.exit(1);
}

for (const [name, load] of Object.entries(benches)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  process.stdout.write(`\n## ${name}\n`);
  const started = performance.now();
  try {
    const figures = await (await load())();
    for (const [label, value] of Object.entries(figures)) {
      process.stdout.write(`  ${label}: ${typeof value === 'number' ? format(value) : value}\n`);
    }
  } catch (error) {
    process.exitCode = 1;
    process.stdout.write(`  FAILED: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  process.stdout.write(`  (bench took ${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
}

function format(value: number): string {
  return Number.isInteger(value) ? value.toLocaleString('en-US') : value.toFixed(2);
}
