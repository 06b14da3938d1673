/**
 * @module
 * The default detector every series gets with zero configuration. It runs six parts on each
 * sample, all on the same calibrated scale (0.5 = that part's own threshold), and combines
 * them with an agreement rule:
 *
 * - the value detectors (seasonal once its buckets are warm, ewma, mad, cusum, traffic) vote:
 *   the ensemble's score is the *second-highest* of their scores, i.e. it fires when at least
 *   two of them call the sample anomalous, and reports the stronger one's explanation
 *   ("…; confirmed by mad"). One model's blind spot (heavy tails for the EWMA, drift for
 *   CUSUM, slow learning for a seasonal bucket) then does not raise alarms on its own;
 *   Once the seasonal baseline is warm it must be one of the two (score = min(seasonal, best
 *   other)): it knows this hour's normal, and a daily ramp that fools the non-seasonal models
 *   is no anomaly;
 * - silence counts alone (it is the only part that sees gaps).
 *
 * Each part keeps its own warm-up; a cold part votes 0. The expected value and band are the
 * seasonal baseline's once warm, else the EWMA's; for an anomaly they are those of the part
 * named in `detector`, which flagged the sample itself (ewma or mad before the seasonal model
 * is warm, when either did; cusum or traffic only when neither did), so an anomaly's value is
 * always outside the band it reports (cusum and traffic flag a lasting change instead).
 */
import { BaseDetector } from './base.ts';
import { CusumDetector } from './cusum.ts';
import { EwmaDetector } from './ewma.ts';
import { MadDetector } from './mad.ts';
import { SeasonalDetector } from './seasonal.ts';
import { SilenceDetector } from './silence.ts';
import { TrafficDetector } from './traffic.ts';
import {
  ANOMALY_THRESHOLD,
  type DetectorOutput,
  type DetectorState,
  STATE_VERSION,
} from './types.ts';

/** Sub-options of the parts, by part name (e.g. `{ seasonal: { threshold: 5 } }`). */
export interface EnsembleOptions {
  readonly seasonal?: Readonly<Record<string, number>>;
  readonly ewma?: Readonly<Record<string, number>>;
  readonly mad?: Readonly<Record<string, number>>;
  readonly cusum?: Readonly<Record<string, number>>;
  readonly traffic?: Readonly<Record<string, number>>;
  readonly silence?: Readonly<Record<string, number>>;
}

const PART_NAMES: readonly string[] = ['seasonal', 'ewma', 'mad', 'cusum', 'traffic', 'silence'];

export class EnsembleDetector extends BaseDetector {
  readonly name: string = 'ensemble';
  readonly seasonal: SeasonalDetector;
  readonly ewma: EwmaDetector;
  readonly mad: MadDetector;
  readonly cusum: CusumDetector;
  readonly traffic: TrafficDetector;
  readonly silence: SilenceDetector;
  #winner: BaseDetector;
  #second: BaseDetector;

  constructor(options: EnsembleOptions = {}) {
    super();
    for (const key of Object.keys(options)) {
      if (!PART_NAMES.includes(key)) {
        throw new RangeError(`ensemble: unknown part "${key}"; parts: ${PART_NAMES.join(', ')}`);
      }
    }
    this.seasonal = new SeasonalDetector(options.seasonal);
    this.ewma = new EwmaDetector(options.ewma);
    this.mad = new MadDetector(options.mad);
    this.cusum = new CusumDetector(options.cusum);
    this.traffic = new TrafficDetector(options.traffic);
    this.silence = new SilenceDetector(options.silence);
    this.#winner = this.seasonal;
    this.#second = this.seasonal;
    // One resolution for the series, learned here once per sample instead of by every part.
    for (const p of this.parts) {
      p.resolution = this.resolution;
      p.ownsResolution = false;
    }
  }

  /** The parts in serialization order. */
  get parts(): readonly BaseDetector[] {
    return [this.seasonal, this.ewma, this.mad, this.cusum, this.traffic, this.silence];
  }

  step(timestampMs: number, value: number, learn: boolean): number {
    // Parts share the ensemble's learn decision (same input stream), so they are stepped and
    // committed here directly; each call site below sees one class.
    const seasonal = this.seasonal;
    const ewma = this.ewma;
    const mad = this.mad;
    const cusum = this.cusum;
    const traffic = this.traffic;
    const silence = this.silence;
    let sSeasonal = seasonal.step(timestampMs, value, learn);
    let sEwma = ewma.step(timestampMs, value, learn);
    let sMad = mad.step(timestampMs, value, learn);
    let sCusum = cusum.step(timestampMs, value, learn);
    let sTraffic = traffic.step(timestampMs, value, learn);
    let sSilence = silence.step(timestampMs, value, learn);
    if (learn) {
      seasonal.commit(timestampMs);
      ewma.commit(timestampMs);
      mad.commit(timestampMs);
      cusum.commit(timestampMs);
      traffic.commit(timestampMs);
      silence.commit(timestampMs);
      // After the parts scored: a sample never sets its own floor.
      this.resolution.observe(value);
    }
    if (!seasonal.seasonalWarm) sSeasonal = 0;
    if (!ewma.warm) sEwma = 0;
    if (!mad.warm) sMad = 0;
    if (!cusum.warm) sCusum = 0;
    if (!traffic.warm) sTraffic = 0;
    if (!silence.warm) sSilence = 0;
    const base: BaseDetector = seasonal.seasonalWarm ? seasonal : ewma;
    this.expected = base.expected;
    this.lower = base.lower;
    this.upper = base.upper;
    this.warm = seasonal.warm || ewma.warm || silence.warm;
    // Top two of the value detectors: the second-highest score is the level at which two agree.
    let best = sSeasonal;
    let winner: BaseDetector = seasonal;
    let second = 0;
    let runnerUp: BaseDetector = seasonal;
    if (sEwma > best) {
      second = best;
      runnerUp = winner;
      best = sEwma;
      winner = ewma;
    } else {
      second = sEwma;
      runnerUp = ewma;
    }
    if (sMad > best) {
      second = best;
      runnerUp = winner;
      best = sMad;
      winner = mad;
    } else if (sMad > second) {
      second = sMad;
      runnerUp = mad;
    }
    if (sCusum > best) {
      second = best;
      runnerUp = winner;
      best = sCusum;
      winner = cusum;
    } else if (sCusum > second) {
      second = sCusum;
      runnerUp = cusum;
    }
    if (sTraffic > best) {
      second = best;
      runnerUp = winner;
      best = sTraffic;
      winner = traffic;
    } else if (sTraffic > second) {
      second = sTraffic;
      runnerUp = traffic;
    }
    let score = second;
    // Once warm, the seasonal model knows this hour's normal best: it must agree.
    if (seasonal.seasonalWarm) {
      score = Math.min(sSeasonal, winner === seasonal ? second : best);
      runnerUp = winner === seasonal ? runnerUp : winner;
      winner = seasonal;
    }
    if (sSilence > score) {
      score = sSilence;
      winner = silence;
      runnerUp = silence;
    } else if (score >= ANOMALY_THRESHOLD && !seasonal.seasonalWarm) {
      // Explain with a part that flagged the sample itself and report *its* band, so the value
      // is outside the band the anomaly names: ewma or mad when one of them flagged it (their
      // band is about this sample), else cusum/traffic in their own terms (a lasting change).
      const band: BaseDetector | undefined =
        sEwma >= ANOMALY_THRESHOLD && sEwma >= sMad
          ? ewma
          : sMad >= ANOMALY_THRESHOLD
            ? mad
            : undefined;
      if (band !== undefined && band !== winner) {
        runnerUp = winner;
        winner = band;
      }
      this.expected = winner.expected;
      this.lower = winner.lower;
      this.upper = winner.upper;
    }
    this.#winner = winner;
    this.#second = runnerUp;
    return score;
  }

  override overdue(timestampMs: number): number {
    const s = this.silence.overdue(timestampMs);
    this.#winner = this.silence;
    this.#second = this.silence;
    return s;
  }

  explain(value: number, timestampMs: number): string {
    const main = this.#winner.explain(value, timestampMs);
    return this.#second === this.#winner ? main : `${main}; confirmed by ${this.#second.name}`;
  }

  protected override output(score: number, value: number, timestampMs: number): DetectorOutput {
    const isAnomaly = score >= ANOMALY_THRESHOLD;
    return {
      score,
      isAnomaly,
      expected: this.expected,
      lower: this.lower,
      upper: this.upper,
      detector: isAnomaly ? this.#winner.name : this.name,
      reason: isAnomaly
        ? this.explain(value, timestampMs)
        : this.warm
          ? 'within band'
          : 'warming up',
    };
  }

  protected saveData(): number[] {
    return [this.parts.indexOf(this.#winner), this.parts.indexOf(this.#second)];
  }

  protected loadData(d: readonly number[]): void {
    this.#winner = this.parts[d[0] ?? 0] ?? this.seasonal;
    this.#second = this.parts[d[1] ?? 0] ?? this.seasonal;
  }

  override serialize(): DetectorState {
    return { ...super.serialize(), parts: this.parts.map((p) => p.serialize()) };
  }

  override load(state: DetectorState): void {
    const parts = state.parts;
    if (state.version !== STATE_VERSION || parts === undefined || parts.length !== 6) {
      throw new RangeError('ensemble state: want 6 parts');
    }
    this.parts.forEach((p, i) => {
      const s = parts[i];
      if (s === undefined || s.detector !== p.name) {
        throw new RangeError(`ensemble state: part ${i} should be ${p.name}`);
      }
      p.load(s);
    });
    super.load(state);
  }

  protected optionsRecord(): Readonly<Record<string, number>> {
    return {};
  }
}
