/**
 * @module
 * A small strip on the overview: each pipeline's overall light and the fleet's vehicles per risk
 * band, linking to their pages. Fetched again whenever the overview's pushed time enters a new
 * slot (no stream of its own: the overview's charts hold the connections). Hidden when the server
 * has neither a pipeline nor a fleet.
 */
import { useRefetch } from '../api/alerting.ts';
import { ApiError, getJson } from '../api/client.ts';
import { type FleetImpact, RISK_BANDS } from '../api/fleet.ts';
import { getPipelines } from '../api/pipelines.ts';
import { TrafficLight } from '../components/traffic-light.tsx';
import { onLinkClick } from '../router.ts';
import { BandBadge } from './fleet.tsx';
import '../ops.css';

async function getImpact(signal: AbortSignal): Promise<FleetImpact | null> {
  try {
    return await getJson<FleetImpact>('/api/v1/fleet/impact', signal);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
}

export function OpsStrip(props: { readonly refreshKey: unknown }): React.JSX.Element | null {
  const pipelines = useRefetch(getPipelines, props.refreshKey).value;
  const impact = useRefetch(getImpact, props.refreshKey).value;
  const hasPipelines = pipelines !== undefined && pipelines !== null && pipelines.length > 0;
  const hasFleet = impact !== undefined && impact !== null && impact.vehicles > 0;
  if (!hasPipelines && !hasFleet) return null;
  return (
    <section className="summary ops-strip" aria-label="Pipeline and fleet">
      {hasPipelines
        ? pipelines.map((p) => (
            <a
              key={p.pipeline}
              className="summary-item ops-strip-item"
              href="/pipeline"
              onClick={onLinkClick}
              data-strip-pipeline={p.pipeline}
              title={p.reason}
            >
              Pipeline <strong>{p.pipeline}</strong>{' '}
              <TrafficLight light={p.light} reasons={[p.reason]} />
            </a>
          ))
        : null}
      {hasFleet ? (
        <a
          className="summary-item ops-strip-item"
          href="/fleet"
          onClick={onLinkClick}
          data-strip-fleet={impact.vehicles}
        >
          Fleet <strong>{impact.vehicles}</strong>
          {RISK_BANDS.filter((b) => impact.byBand[b] > 0).map((b) => (
            <span key={b} className="ops-strip-band">
              <BandBadge band={b} /> {impact.byBand[b]}
            </span>
          ))}
        </a>
      ) : null}
    </section>
  );
}
