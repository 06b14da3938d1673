/**
 * @module
 * Scoring detections against point labels.
 *
 * 1. **Window score in the style of NAB** (Lavin & Ahmad, "Evaluating Real-time Anomaly
 *    Detection Algorithms – the Numenta Anomaly Benchmark", 2015), implemented from the paper's
 *    description:
 *    - consecutive labelled points form an episode; each episode gets a window of
 *      `max(episodeLength, floor(windowFraction × rows / episodes))` rows centred on the
 *      episode (clipped to the file; overlapping windows merge), so windows total ≈ 10 % of
 *      the file;
 *    - the first detection in a window is a true positive worth `A_TP · σ(y)`, with
 *      y = (i − windowEnd) / windowLength ∈ (−1, 0] and the scaled sigmoid
 *      σ(y) = 2 / (1 + e^{5y}) − 1 (≈ 0.987 at the window's start, 0 at its end): earlier is
 *      better; later detections in the same window count nothing;
 *    - a window without a detection costs `A_FN`;
 *    - every detection outside all windows is a false positive costing `A_FP · |σ(y)|`,
 *      y measured from the end of the preceding window (so an alarm just after a window costs
 *      little), and the full `A_FP` when no window precedes it;
 *    - normalized = 100 · (raw − null) / (perfect − null), where null is the raw score of a
 *      detector that never fires (−A_FN per window) and perfect detects every window at its
 *      first row; raw, null and perfect are summed over all files before normalizing.
 *    Profiles (the paper's): standard A_TP = 1, A_FP = 0.11, A_FN = 1; reward_low_FP doubles
 *    A_FP (0.22); reward_low_FN doubles A_FN (2).
 * 2. **Point-adjusted precision/recall/F1**: if any point of an episode is detected, every
 *    point of the episode counts as detected (Xu et al., 2018); detections on unlabelled points
 *    are false positives.
 * 3. **Time to detect**: for each episode detected within [its window's start, its end], the
 *    time from the episode's first point to the first detection (negative = early).
 */

export interface Span {
  /** First row, inclusive. */
  readonly start: number;
  /** Last row, inclusive. */
  readonly end: number;
}

export interface NabProfile {
  readonly name: string;
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
}

export const NAB_PROFILES: readonly NabProfile[] = [
  { name: 'standard', tp: 1, fp: 0.11, fn: 1 },
  { name: 'reward_low_FP', tp: 1, fp: 0.22, fn: 1 },
  { name: 'reward_low_FN', tp: 1, fp: 0.11, fn: 2 },
];

/** NAB's scaled sigmoid. */
export function scaledSigmoid(y: number): number {
  return 2 / (1 + Math.exp(5 * y)) - 1;
}

/** Runs of consecutive non-zero labels. */
export function episodes(labels: ArrayLike<number>): Span[] {
  const out: Span[] = [];
  let start = -1;
  for (let i = 0; i < labels.length; i++) {
    const on = (labels[i] ?? 0) !== 0;
    if (on && start < 0) start = i;
    if (!on && start >= 0) {
      out.push({ start, end: i - 1 });
      start = -1;
    }
  }
  if (start >= 0) out.push({ start, end: labels.length - 1 });
  return out;
}

/** NAB-style windows around `eps` in a file of `rows` rows (see the module comment). */
export function nabWindows(eps: readonly Span[], rows: number, windowFraction = 0.1): Span[] {
  if (eps.length === 0) return [];
  const base = Math.floor((windowFraction * rows) / eps.length);
  const raw: Span[] = eps.map((e) => {
    const len = Math.max(e.end - e.start + 1, base);
    const extra = len - (e.end - e.start + 1);
    const start = Math.max(0, e.start - Math.floor(extra / 2));
    const end = Math.min(rows - 1, e.end + Math.ceil(extra / 2));
    return { start, end };
  });
  const merged: Span[] = [];
  for (const w of raw) {
    const last = merged[merged.length - 1];
    if (last !== undefined && w.start <= last.end + 1) {
      merged[merged.length - 1] = { start: last.start, end: Math.max(last.end, w.end) };
    } else merged.push(w);
  }
  return merged;
}

export interface NabResult {
  readonly raw: number;
  readonly null: number;
  readonly perfect: number;
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
}

/** Raw NAB score of `detections` (non-zero = detection) against `windows` under `profile`. */
export function nabScore(
  detections: ArrayLike<number>,
  windows: readonly Span[],
  profile: NabProfile,
): NabResult {
  let raw = 0;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let perfect = 0;
  let w = 0; // index of the first window not yet ended before i
  const found = new Uint8Array(windows.length);
  for (let i = 0; i < detections.length; i++) {
    if ((detections[i] ?? 0) === 0) continue;
    while (w < windows.length && (windows[w]?.end ?? 0) < i) w++;
    const win = windows[w];
    if (win !== undefined && i >= win.start) {
      if (found[w] === 0) {
        found[w] = 1;
        tp++;
        raw += profile.tp * scaledSigmoid((i - win.end) / (win.end - win.start + 1));
      }
      continue;
    }
    fp++;
    const prev = windows[w - 1];
    raw +=
      prev === undefined
        ? -profile.fp
        : profile.fp * scaledSigmoid((i - prev.end) / (prev.end - prev.start + 1));
  }
  windows.forEach((win, k) => {
    perfect += profile.tp * scaledSigmoid((win.start - win.end) / (win.end - win.start + 1));
    if (found[k] === 0) {
      fn++;
      raw -= profile.fn;
    }
  });
  return { raw, null: -profile.fn * windows.length, perfect, tp, fp, fn };
}

/** 100 · (raw − null) / (perfect − null); NaN when there is nothing to find. */
export function normalizeNab(r: Pick<NabResult, 'raw' | 'null' | 'perfect'>): number {
  const span = r.perfect - r.null;
  return span > 0 ? (100 * (r.raw - r.null)) / span : Number.NaN;
}

export interface PointAdjusted {
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
}

export function pointAdjusted(
  labels: ArrayLike<number>,
  detections: ArrayLike<number>,
): PointAdjusted {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const e of episodes(labels)) {
    let hit = false;
    for (let i = e.start; i <= e.end && !hit; i++) hit = (detections[i] ?? 0) !== 0;
    if (hit) tp += e.end - e.start + 1;
    else fn += e.end - e.start + 1;
  }
  for (let i = 0; i < detections.length; i++) {
    if ((detections[i] ?? 0) !== 0 && (labels[i] ?? 0) === 0) fp++;
  }
  return { tp, fp, fn };
}

export function precisionRecallF1(c: PointAdjusted): {
  precision: number;
  recall: number;
  f1: number;
} {
  const precision = c.tp + c.fp === 0 ? 0 : c.tp / (c.tp + c.fp);
  const recall = c.tp + c.fn === 0 ? 0 : c.tp / (c.tp + c.fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1 };
}

/**
 * Time to detect per detected episode (ms; negative = before the episode began): the first
 * detection in [window start, episode end], where the window is the one holding the episode.
 */
export function timesToDetectMs(
  timestampsMs: ArrayLike<number>,
  eps: readonly Span[],
  windows: readonly Span[],
  detections: ArrayLike<number>,
): number[] {
  const out: number[] = [];
  for (const e of eps) {
    const win = windows.find((w) => w.start <= e.start && e.end <= w.end);
    const from = Math.max(win?.start ?? e.start, 0);
    for (let i = from; i <= e.end; i++) {
      if ((detections[i] ?? 0) !== 0) {
        out.push((timestampsMs[i] ?? 0) - (timestampsMs[e.start] ?? 0));
        break;
      }
    }
  }
  return out;
}

/** Everything measured on one labelled file for one detector. */
export interface FileScore {
  readonly rows: number;
  readonly episodes: number;
  readonly detected: number;
  readonly nab: readonly NabResult[];
  readonly pa: PointAdjusted;
  readonly ttdMs: readonly number[];
  readonly alarms: number;
}

/** Scores one file (labels and detections row-aligned). */
export function scoreFile(
  timestampsMs: ArrayLike<number>,
  labels: ArrayLike<number>,
  detections: ArrayLike<number>,
  windowFraction = 0.1,
): FileScore {
  const eps = episodes(labels);
  const windows = nabWindows(eps, labels.length, windowFraction);
  const ttd = timesToDetectMs(timestampsMs, eps, windows, detections);
  let alarms = 0;
  for (let i = 0; i < detections.length; i++) if ((detections[i] ?? 0) !== 0) alarms++;
  return {
    rows: labels.length,
    episodes: eps.length,
    detected: ttd.length,
    nab: NAB_PROFILES.map((p) => nabScore(detections, windows, p)),
    pa: pointAdjusted(labels, detections),
    ttdMs: ttd,
    alarms,
  };
}
