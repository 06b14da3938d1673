/**
 * @module
 * Running detectors over labelled series and summing their scores per detector and per
 * domain (`opsight eval`). Pure: the CLI reads the files and hands rows in.
 */
import { createDetector } from './registry.ts';
import {
  type FileScore,
  NAB_PROFILES,
  type NabResult,
  normalizeNab,
  precisionRecallF1,
  scoreFile,
} from './scoring.ts';

/** One labelled series, row-aligned columns. Values may be NaN (empty cells). */
export interface LabeledSeries {
  /** Path relative to the data directory, e.g. `data-ingress-rate/ingress-01.csv`. */
  readonly name: string;
  /** Group name for the per-domain table (the first folder of `name`). */
  readonly domain: string;
  readonly timestampsMs: Float64Array;
  readonly values: Float64Array;
  readonly labels: Uint8Array;
}

/** Runs a fresh `detector` over `series` and returns its per-row detections (1 = anomaly). */
export function detectSeries(detector: string, series: LabeledSeries): Uint8Array {
  const d = createDetector(detector);
  const out = new Uint8Array(series.values.length);
  for (let i = 0; i < out.length; i++) {
    out[i] = d.update(series.timestampsMs[i] ?? Number.NaN, series.values[i] ?? Number.NaN)
      .isAnomaly
      ? 1
      : 0;
  }
  return out;
}

export interface ScoreSummary {
  readonly files: number;
  readonly rows: number;
  readonly episodes: number;
  /** Episodes detected between their window's start and their end. */
  readonly detected: number;
  readonly alarms: number;
  /** Normalized NAB score per profile name (NaN when there were no windows). */
  readonly nab: Readonly<Record<string, number>>;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** Mean time to detect over detected episodes, minutes (NaN if none). */
  readonly meanTtdMinutes: number;
}

export function summarize(scores: readonly FileScore[]): ScoreSummary {
  const nab: Record<string, number> = {};
  NAB_PROFILES.forEach((p, k) => {
    const sum = { raw: 0, null: 0, perfect: 0 };
    for (const s of scores) {
      const r: NabResult | undefined = s.nab[k];
      if (r === undefined) continue;
      sum.raw += r.raw;
      sum.null += r.null;
      sum.perfect += r.perfect;
    }
    nab[p.name] = normalizeNab(sum);
  });
  const pa = { tp: 0, fp: 0, fn: 0 };
  let ttdSum = 0;
  let ttdCount = 0;
  let rows = 0;
  let episodes = 0;
  let detected = 0;
  let alarms = 0;
  for (const s of scores) {
    pa.tp += s.pa.tp;
    pa.fp += s.pa.fp;
    pa.fn += s.pa.fn;
    for (const t of s.ttdMs) {
      ttdSum += t;
      ttdCount++;
    }
    rows += s.rows;
    episodes += s.episodes;
    detected += s.detected;
    alarms += s.alarms;
  }
  return {
    files: scores.length,
    rows,
    episodes,
    detected,
    alarms,
    nab,
    ...precisionRecallF1(pa),
    meanTtdMinutes: ttdCount === 0 ? Number.NaN : ttdSum / ttdCount / 60_000,
  };
}

export interface EvalReport {
  readonly detectors: readonly string[];
  readonly windowFraction: number;
  /** Per detector, over all files. */
  readonly overall: Readonly<Record<string, ScoreSummary>>;
  /** Per detector, then per domain. */
  readonly byDomain: Readonly<Record<string, Readonly<Record<string, ScoreSummary>>>>;
}

/** Scores every detector on every series. */
export function evaluate(
  detectors: readonly string[],
  series: readonly LabeledSeries[],
  windowFraction = 0.1,
): EvalReport {
  const overall: Record<string, ScoreSummary> = {};
  const byDomain: Record<string, Record<string, ScoreSummary>> = {};
  for (const name of detectors) {
    const perDomain = new Map<string, FileScore[]>();
    const all: FileScore[] = [];
    for (const s of series) {
      const score = scoreFile(s.timestampsMs, s.labels, detectSeries(name, s), windowFraction);
      all.push(score);
      const list = perDomain.get(s.domain) ?? [];
      list.push(score);
      perDomain.set(s.domain, list);
    }
    overall[name] = summarize(all);
    const domains: Record<string, ScoreSummary> = {};
    for (const [domain, list] of [...perDomain].sort((a, b) => a[0].localeCompare(b[0]))) {
      domains[domain] = summarize(list);
    }
    byDomain[name] = domains;
  }
  return { detectors, windowFraction, overall, byDomain };
}

function f(x: number, digits: number): string {
  return Number.isFinite(x) ? x.toFixed(digits) : '–';
}

function row(label: string, s: ScoreSummary): string {
  return `| ${label} | ${f(s.nab.standard ?? Number.NaN, 1)} | ${f(s.nab.reward_low_FP ?? Number.NaN, 1)} | ${f(s.nab.reward_low_FN ?? Number.NaN, 1)} | ${f(s.precision, 3)} | ${f(s.recall, 3)} | ${f(s.f1, 3)} | ${s.detected}/${s.episodes} | ${f(s.meanTtdMinutes, 0)} | ${s.alarms} |`;
}

const HEAD =
  '| NAB standard | NAB low FP | NAB low FN | PA precision | PA recall | PA F1 | episodes found | mean TTD (min) | alarms |';
const RULE = '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|';

/** Markdown tables: one row per detector, then one table per detector by domain. */
export function renderEvalMarkdown(report: EvalReport): string {
  const lines: string[] = [];
  const first = report.overall[report.detectors[0] ?? ''];
  lines.push(
    `Files: ${first?.files ?? 0}, rows: ${first?.rows ?? 0}, labelled episodes: ${first?.episodes ?? 0}; window fraction ${report.windowFraction}; detection = score ≥ 0.5.`,
    '',
    `| detector ${HEAD}`,
    RULE,
  );
  for (const d of report.detectors) {
    const s = report.overall[d];
    if (s !== undefined) lines.push(row(d, s));
  }
  for (const d of report.detectors) {
    lines.push('', `**${d}** by domain`, '', `| domain ${HEAD}`, RULE);
    for (const [domain, s] of Object.entries(report.byDomain[d] ?? {})) lines.push(row(domain, s));
  }
  return `${lines.join('\n')}\n`;
}
