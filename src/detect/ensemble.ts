/**
 * @module
 * The default detector every series gets with zero configuration. It runs six parts on each
 * sample and reports the strongest calibrated score, with these agreement rules:
 *
 * - point anomalies: once the seasonal baseline is warm (its hour bucket has seen ≥ 3 hours),
 *   its score alone; before that, `min(ewma, mad)`: both the mean/variance model and the
 *   robust median/MAD model must call the sample anomalous, which keeps heavy-tailed and
 *   count series quiet while the seasonal model learns;
 * - level shifts (`cusum`), traffic spikes/drops (`traffic`) and silence each count alone.
 *
 * score = max(point, cusum, traffic, silence); the expected value and band are the seasonal
 * baseline's once warm, else the EWMA's; `detector` names the part that won.
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
    this.seasonal = new SeasonalDetector(options.seasonal);
    this.ewma = new EwmaDetector(options.ewma);
    this.mad = new MadDetector(options.mad);
    this.cusum = new CusumDetector(options.cusum);
    this.traffic = new TrafficDetector(options.traffic);
    this.silence = new SilenceDetector(options.silence);
    this.#winner = this.seasonal;
    this.#second = this.seasonal;
  }

  /** The parts in serialization order. */
  get parts(): readonly BaseDetector[] {
    return [this.seasonal, this.ewma, this.mad, this.cusum, this.traffic, this.silence];
  }

  protected step(timestampMs: number, value: number): number {
    const sSeasonal = this.seasonal.advance(timestampMs, value);
    const sEwma = this.ewma.advance(timestampMs, value);
    const sMad = this.mad.advance(timestampMs, value);
    const sCusum = this.cusum.advance(timestampMs, value);
    const sTraffic = this.traffic.advance(timestampMs, value);
    const sSilence = this.silence.advance(timestampMs, value);
    const base: BaseDetector = this.seasonal.seasonalWarm ? this.seasonal : this.ewma;
    this.expected = base.expected;
    this.lower = base.lower;
    this.upper = base.upper;
    this.warm = this.seasonal.warm || this.ewma.warm || this.silence.warm;
    // Top two of the value detectors: the second-highest score is the level at which two agree.
    let best = 0;
    let second = 0;
    let winner: BaseDetector = base;
    let runnerUp: BaseDetector = base;
    const votes: readonly (readonly [number, BaseDetector])[] = [
      [this.seasonal.seasonalWarm ? sSeasonal : 0, this.seasonal],
      [sEwma, this.ewma],
      [sMad, this.mad],
      [sCusum, this.cusum],
      [sTraffic, this.traffic],
    ];
    for (const [s, d] of votes) {
      if (s > best) {
        second = best;
        runnerUp = winner;
        best = s;
        winner = d;
      } else if (s > second) {
        second = s;
        runnerUp = d;
      }
    }
    let score = second;
    this.#second = runnerUp;
    if (sSilence > score) {
      score = sSilence;
      winner = this.silence;
      this.#second = this.silence;
    }
    this.#winner = winner;
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
