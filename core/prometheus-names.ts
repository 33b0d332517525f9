/**
 * How an OTLP metric is named once stored in a Prometheus-compatible database: Grafana Cloud
 * (Mimir) and Prometheus both apply the "UnderscoreEscapingWithSuffixes" translation of
 * `github.com/prometheus/otlptranslator`, which follows the OpenTelemetry specification
 * "Prometheus and OpenMetrics compatibility — OTLP metric points to Prometheus".
 * The rules, their sources and examples are written down in docs/otlp-prometheus-names.md.
 *
 * Pure and dependency-free: the catalog derives every stored name with it, and the OTLP
 * stand-in exposes what it receives under the same names.
 */

export type OtlpMetricType = 'gauge' | 'monotonic-counter' | 'non-monotonic-counter' | 'histogram';

/** OTLP unit → Prometheus unit word (UCUM case-sensitive codes; `1` is dimensionless). */
const UNIT_WORDS: Record<string, string> = {
  d: 'days',
  h: 'hours',
  min: 'minutes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  GiBy: 'gibibytes',
  TiBy: 'tibibytes',
  KBy: 'kilobytes',
  MBy: 'megabytes',
  GBy: 'gigabytes',
  TBy: 'terabytes',
  m: 'meters',
  V: 'volts',
  A: 'amperes',
  J: 'joules',
  W: 'watts',
  g: 'grams',
  Cel: 'celsius',
  Hz: 'hertz',
  '1': '',
  '%': 'percent',
};

/** The unit after `/` is singular: `By/s` → `bytes_per_second`. */
const PER_UNIT_WORDS: Record<string, string> = {
  s: 'second',
  m: 'minute',
  h: 'hour',
  d: 'day',
  w: 'week',
  mo: 'month',
  y: 'year',
};

const isNameChar = (c: string): boolean => /^[a-zA-Z0-9:]$/.test(c);

/** Splits on every character outside `[a-zA-Z0-9:]`, dropping empty tokens. */
function tokens(text: string): string[] {
  const out: string[] = [];
  let current = '';
  for (const c of text) {
    if (isNameChar(c)) current += c;
    else if (current !== '') {
      out.push(current);
      current = '';
    }
  }
  if (current !== '') out.push(current);
  return out;
}

/** Invalid characters to `_`, runs of `_` to one, no leading `_`. */
function cleanUnit(word: string): string {
  return [...word]
    .map((c) => (isNameChar(c) ? c : '_'))
    .join('')
    .replace(/_+/g, '_')
    .replace(/^_/, '');
}

function unitSuffixes(unit: string): { main: string; per: string } {
  const [mainRaw = '', perRaw] = unit.split(/\/(.*)/s, 2);
  const mainOtel = mainRaw.trim();
  let main = '';
  if (mainOtel !== '' && !/[{}]/.test(mainOtel)) main = UNIT_WORDS[mainOtel] ?? mainOtel;
  let per = '';
  if (perRaw !== undefined && perRaw !== '') {
    const perOtel = perRaw.trim();
    if (perOtel !== '' && !/[{}]/.test(perOtel)) per = PER_UNIT_WORDS[perOtel] ?? perOtel;
    if (per !== '') per = `per_${per}`;
  }
  return { main: cleanUnit(main), per: cleanUnit(per) };
}

/**
 * The stored Prometheus metric name (without `_bucket`/`_sum`/`_count` for histograms).
 * Throws when nothing valid is left, as the translator rejects such a metric.
 */
export function storedMetricName(metric: {
  name: string;
  unit: string;
  type: OtlpMetricType;
}): string {
  let nameTokens = tokens(metric.name);
  const { main, per: perRaw } = unitSuffixes(metric.unit);
  let mainSuffix = nameTokens.includes(main) ? '' : main;
  let per = perRaw === 'per_' ? '' : perRaw.replace(/_$/, '');
  if (nameTokens.includes(per)) per = '';
  if (per !== '') mainSuffix = mainSuffix.replace(/_$/, '');
  if (mainSuffix !== '') nameTokens.push(mainSuffix);
  if (per !== '') nameTokens.push(per);
  if (metric.type === 'monotonic-counter') {
    nameTokens = [...nameTokens.filter((t) => t !== 'total'), 'total'];
  }
  // Only gauges: some receivers wrongly give counters of objects the unit "1".
  if (metric.unit === '1' && metric.type === 'gauge') {
    nameTokens = [...nameTokens.filter((t) => t !== 'ratio'), 'ratio'];
  }
  let name = nameTokens.join('_');
  if (/^[0-9]/.test(name)) name = `_${name}`;
  if (name === '' || /^_+$/.test(name)) {
    throw new Error(`metric ${JSON.stringify(metric.name)} has no valid Prometheus name`);
  }
  return name;
}

/** The series names a metric is stored under: histograms get `_bucket`, `_sum` and `_count`. */
export function storedSeriesNames(metric: {
  name: string;
  unit: string;
  type: OtlpMetricType;
}): string[] {
  const base = storedMetricName(metric);
  return metric.type === 'histogram' ? [`${base}_bucket`, `${base}_sum`, `${base}_count`] : [base];
}

/**
 * An attribute key as a label name: every character outside `[a-zA-Z0-9]` to `_`, runs of them
 * to one `_`, `key_` before a leading digit; a reserved `__name__`-style key keeps its `__`.
 */
export function storedLabelName(attribute: string): string {
  if (attribute === '') throw new Error('label name is empty');
  const reserved = attribute.length >= 4 && attribute.startsWith('__') && attribute.endsWith('__');
  let name = reserved ? `__${sanitize(attribute.slice(2, -2))}__` : sanitize(attribute);
  if (/^[0-9]/.test(name)) name = `key_${name}`;
  if (/^_+$/.test(name)) {
    throw new Error(`label ${JSON.stringify(attribute)} has no valid Prometheus name`);
  }
  return name;
}

function sanitize(text: string): string {
  return text.replace(/[^a-zA-Z0-9]+/g, '_');
}

/**
 * Resource attributes that become `job` and `instance` (every series carries them); all the
 * others are labels of the `target_info` series only.
 */
export function jobAndInstance(resource: Record<string, unknown>): {
  job?: string;
  instance?: string;
} {
  const name = resource['service.name'];
  const namespace = resource['service.namespace'];
  const instance = resource['service.instance.id'];
  const out: { job?: string; instance?: string } = {};
  if (typeof name === 'string' && name !== '') {
    out.job = typeof namespace === 'string' && namespace !== '' ? `${namespace}/${name}` : name;
  }
  if (typeof instance === 'string' && instance !== '') out.instance = instance;
  return out;
}

export const TARGET_INFO = 'target_info';
export const TARGET_INFO_EXCLUDED = ['service.name', 'service.namespace', 'service.instance.id'];
