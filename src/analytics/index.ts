/** @module Pure analytics: KPI, traffic-light, percentile and rollup math. */
export {
  defaultHealthOptions,
  type HealthInput,
  type HealthOptions,
  type HealthVerdict,
  judgeHealth,
  RED_ON_BREACH,
  usualCadenceMs,
} from './health.ts';
export {
  computeKpis,
  defaultKpiOptions,
  judge,
  type KpiInput,
  type KpiOptions,
  type KpiThreshold,
  MINUTE_MS,
  minuteOf,
  quantileSorted,
} from './kpi.ts';
