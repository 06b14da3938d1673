/**
 * @module
 * Incident severity and status as pills: the word is always written, the colour only repeats it.
 */
import type { IncidentSeverity, IncidentStatus } from '../../../src/contract/index.ts';

const SEVERITY_CLASS: Record<IncidentSeverity, string> = {
  critical: 'sev sev-critical',
  high: 'sev sev-high',
  medium: 'sev sev-medium',
  low: 'sev sev-low',
};

const STATUS_CLASS: Record<IncidentStatus, string> = {
  active: 'pill pill-bad',
  acknowledged: 'pill pill-warn',
  resolved: 'pill pill-ok',
};

export function SeverityBadge(props: { readonly severity: IncidentSeverity }): React.JSX.Element {
  return (
    <span className={SEVERITY_CLASS[props.severity]} data-severity={props.severity}>
      {props.severity}
    </span>
  );
}

export function StatusPill(props: { readonly status: IncidentStatus }): React.JSX.Element {
  return (
    <span className={STATUS_CLASS[props.status]} data-status={props.status}>
      {props.status}
    </span>
  );
}
