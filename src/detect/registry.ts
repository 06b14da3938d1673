/**
 * @module
 * Detectors by name: `createDetector(name, options?)`, `defaultEnsemble()`, and
 * `restoreDetector(state)` for what `serialize()` wrote.
 */
import type { BaseDetector } from './base.ts';
import { CusumDetector } from './cusum.ts';
import { EnsembleDetector, type EnsembleOptions } from './ensemble.ts';
import { EwmaDetector } from './ewma.ts';
import { MadDetector } from './mad.ts';
import { SeasonalDetector } from './seasonal.ts';
import { SilenceDetector } from './silence.ts';
import { TrafficDetector } from './traffic.ts';
import { type Detector, type DetectorState, STATE_VERSION } from './types.ts';

export const DETECTOR_NAMES = [
  'ensemble',
  'ewma',
  'mad',
  'seasonal',
  'cusum',
  'traffic',
  'silence',
] as const;
export type DetectorName = (typeof DETECTOR_NAMES)[number];
/** The detector a series gets when nobody configured one. */
export const DEFAULT_DETECTOR: DetectorName = 'ensemble';

export function isDetectorName(name: string): name is DetectorName {
  return (DETECTOR_NAMES as readonly string[]).includes(name);
}

/**
 * A fresh detector. Options are the detector's numeric options (see `defaultEwmaOptions()` and
 * friends); for the ensemble, per-part options `{ seasonal: {...}, cusum: {...} }`. Throws
 * RangeError for an unknown name or option.
 *
 * @example
 * const d = createDetector('ewma', { threshold: 3 });
 * d.update(Date.UTC(2026, 0, 1), 42); // { score: 0, isAnomaly: false, ..., reason: 'warming up' }
 */
export function createDetector(
  name: string,
  options?: Readonly<Record<string, number>> | EnsembleOptions,
): Detector {
  return build(name, options);
}

/** The zero-configuration ensemble (see ensemble.ts for its rules). */
export function defaultEnsemble(): Detector {
  return new EnsembleDetector();
}

/** A detector continuing exactly from `state` (throws RangeError on a corrupt state). */
export function restoreDetector(state: DetectorState): Detector {
  if (state.version !== STATE_VERSION) {
    throw new RangeError(`detector state: version ${state.version}, want ${STATE_VERSION}`);
  }
  const d =
    state.detector === 'ensemble'
      ? new EnsembleDetector(partOptions(state))
      : build(state.detector, state.options);
  d.load(state);
  return d;
}

function build(
  name: string,
  options?: Readonly<Record<string, number>> | EnsembleOptions,
): BaseDetector {
  const o = options as Readonly<Record<string, number>> | undefined;
  switch (name) {
    case 'ensemble':
      return new EnsembleDetector((options ?? {}) as EnsembleOptions);
    case 'ewma':
      return new EwmaDetector(o);
    case 'mad':
      return new MadDetector(o);
    case 'seasonal':
      return new SeasonalDetector(o);
    case 'cusum':
      return new CusumDetector(o);
    case 'traffic':
      return new TrafficDetector(o);
    case 'silence':
      return new SilenceDetector(o);
    default:
      throw new RangeError(`unknown detector "${name}"; known: ${DETECTOR_NAMES.join(', ')}`);
  }
}

/** Per-part options recorded in an ensemble state (so a tuned ensemble restores as tuned). */
function partOptions(state: DetectorState): EnsembleOptions {
  const out: Record<string, Readonly<Record<string, number>>> = {};
  for (const p of state.parts ?? []) out[p.detector] = p.options;
  return out as EnsembleOptions;
}
