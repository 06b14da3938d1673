/**
 * @module
 * The series model shared by every ingest format and every store engine: a metric name plus a
 * set of labels (with `source_id` as an ordinary label). Two samples belong to the same series
 * exactly when their metric names and label sets are equal; `seriesKey` is that identity.
 */

/** Label name -> value. Order does not matter; `seriesKey` sorts. `__name__` is never stored here. */
export type Labels = Readonly<Record<string, string>>;

/** Metric names: Prometheus's rule plus '.', which OpenTelemetry and many agents use. */
export const METRIC_NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:.]*$/;
/** Label names: Prometheus's rule plus '.', for OpenTelemetry attribute names. */
export const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_.]*$/;
/** The label carrying the metric name in Prometheus-style label sets. */
export const METRIC_NAME_LABEL = '__name__';

/**
 * Canonical identity of a series: `metric{a="1",b="2"}` with labels sorted by name and values
 * escaped as in the Prometheus text format (backslash, double quote, newline).
 *
 * @example seriesKey('cpu', { service: 'api', az: 'b' }) === 'cpu{az="b",service="api"}'
 */
export function seriesKey(metric: string, labels: Labels): string {
  const names = Object.keys(labels);
  if (names.length === 0) return metric;
  names.sort();
  let out = `${metric}{`;
  for (let i = 0; i < names.length; i++) {
    const n = names[i] as string;
    if (i > 0) out += ',';
    out += `${n}="${escapeLabelValue(labels[n] as string)}"`;
  }
  return `${out}}`;
}

function escapeLabelValue(v: string): string {
  // Fast path: most values need no escaping.
  if (!/[\\"\n]/.test(v)) return v;
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Returns the labels with names sorted (a new object; insertion order is what JSON shows). */
export function sortLabels(labels: Labels): Labels {
  const out: Record<string, string> = {};
  for (const n of Object.keys(labels).sort()) out[n] = labels[n] as string;
  return out;
}

/** A label matcher, as in PromQL selectors. */
export interface Matcher {
  readonly name: string;
  readonly op: '=' | '!=' | '=~' | '!~';
  readonly value: string;
}

/**
 * Compiles matchers into a predicate over (metric, labels). `__name__` matches the metric name.
 * Regexes are fully anchored, as in PromQL. A missing label equals the empty string.
 */
export function compileMatchers(
  matchers: readonly Matcher[],
): (metric: string, labels: Labels) => boolean {
  const tests = matchers.map((m) => {
    const get = (metric: string, labels: Labels): string =>
      m.name === METRIC_NAME_LABEL ? metric : (labels[m.name] ?? '');
    switch (m.op) {
      case '=':
        return (metric: string, labels: Labels) => get(metric, labels) === m.value;
      case '!=':
        return (metric: string, labels: Labels) => get(metric, labels) !== m.value;
      case '=~': {
        const re = new RegExp(`^(?:${m.value})$`);
        return (metric: string, labels: Labels) => re.test(get(metric, labels));
      }
      case '!~': {
        const re = new RegExp(`^(?:${m.value})$`);
        return (metric: string, labels: Labels) => !re.test(get(metric, labels));
      }
      default:
        throw new RangeError(`unknown matcher op ${String(m.op)}`);
    }
  });
  return (metric, labels) => {
    for (const t of tests) if (!t(metric, labels)) return false;
    return true;
  };
}
