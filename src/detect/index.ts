/** @module Streaming anomaly detectors (per series, constant memory, serializable) and their scoring. */

export {
  type CsvColumns,
  findColumns,
  formatScore,
  formatValue,
  OUTPUT_COLUMNS,
  parseTimestampMs,
  parseValue,
  splitCsvLine,
} from './csv.ts';
export { CusumDetector, type CusumOptions, defaultCusumOptions } from './cusum.ts';
export { EnsembleDetector, type EnsembleOptions } from './ensemble.ts';
export {
  detectSeries,
  type EvalReport,
  evaluate,
  type LabeledSeries,
  renderEvalMarkdown,
  type ScoreSummary,
  summarize,
} from './evaluate.ts';
export { defaultEwmaOptions, EwmaDetector, type EwmaOptions } from './ewma.ts';
export { defaultMadOptions, MadDetector, type MadOptions } from './mad.ts';
export {
  createDetector,
  DEFAULT_DETECTOR,
  DETECTOR_NAMES,
  type DetectorName,
  defaultEnsemble,
  isDetectorName,
  restoreDetector,
} from './registry.ts';
export {
  episodes,
  type FileScore,
  NAB_PROFILES,
  type NabProfile,
  type NabResult,
  nabScore,
  nabWindows,
  normalizeNab,
  type PointAdjusted,
  pointAdjusted,
  precisionRecallF1,
  type Span,
  scaledSigmoid,
  scoreFile,
  timesToDetectMs,
} from './scoring.ts';
export { defaultSeasonalOptions, SeasonalDetector, type SeasonalOptions } from './seasonal.ts';
export { defaultSilenceOptions, SilenceDetector, type SilenceOptions } from './silence.ts';
export { defaultTrafficOptions, TrafficDetector, type TrafficOptions } from './traffic.ts';
export {
  ANOMALY_THRESHOLD,
  type Detector,
  type DetectorOutput,
  type DetectorState,
} from './types.ts';
