/** @module Incidents: correlation of signals, lifecycle, severity and root-cause analysis (pure). */
export type { RcaInput, RcaResult, RootCauseAnalyzer } from './rca-types.ts';
