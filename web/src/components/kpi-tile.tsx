/**
 * @module
 * A KPI tile: the value, its target and the judgment (docs/kpis.md: a KPI is a metric with a
 * target and a judgment). The judgment is written out, not only coloured.
 */
import type { Kpi, KpiStatus } from '../../../src/contract/index.ts';
import { formatValue } from '../format.ts';

export const STATUS_TEXT: Record<KpiStatus, string> = {
  ok: 'on target',
  warn: 'at risk',
  breach: 'breached',
  unknown: 'no data',
};

export function KpiTile(props: {
  readonly kpi: Kpi;
  readonly compact?: boolean;
}): React.JSX.Element {
  const { kpi } = props;
  return (
    <div
      className={`kpi kpi-${kpi.status}${props.compact ? ' kpi-compact' : ''}`}
      data-kpi={kpi.name}
      title={`${kpi.label}: ${formatValue(kpi.value, kpi.unit)} (target ${kpi.comparator} ${formatValue(kpi.target, kpi.unit)}, ${STATUS_TEXT[kpi.status]})`}
    >
      <div className="kpi-label">{kpi.label}</div>
      <div className="kpi-value">{formatValue(kpi.value, kpi.unit)}</div>
      <div className="kpi-foot">
        <span className="kpi-target">
          {props.compact ? '' : 'target '}
          {kpi.comparator === '>=' ? '≥' : '≤'} {formatValue(kpi.target, kpi.unit)}
        </span>
        <span className="kpi-status">{STATUS_TEXT[kpi.status]}</span>
      </div>
    </div>
  );
}

/** The four KPIs the overview shows per service, in this order, when present. */
export const HEADLINE_KPIS: readonly Kpi['name'][] = [
  'uptime',
  'error_rate',
  'latency_p95',
  'throughput',
];

export function headlineKpis(kpis: readonly Kpi[]): Kpi[] {
  const out: Kpi[] = [];
  for (const name of HEADLINE_KPIS) {
    const k = kpis.find((x) => x.name === name);
    if (k) out.push(k);
  }
  return out;
}
