/**
 * @module
 * Pipeline health (docs/pipeline.md, docs/api.md "Pipelines"): `GET /api/v1/pipelines`, the
 * `pipelines` live stream and the demo control `POST /api/v1/pipelines/:name/simulate`. The answer
 * shapes are the contract's (src/contract/pipeline.ts).
 */
import { useEffect, useState } from 'react';
import type { PipelineHealth } from '../../../src/contract/index.ts';
import { ApiError, getJson, sendJson } from './client.ts';
import { errorText } from './hooks.ts';
import { LiveStream } from './live.ts';

export type {
  PipelineHealth,
  PipelineIncident,
  PipelineLight,
  PipelineSloStatus,
  StageHealth,
} from '../../../src/contract/index.ts';

/** The signal types of the simulated pipeline, in the order the page lists them. */
export const PIPELINE_SIGNALS = ['sales_activity', 'field_interaction', 'market_signal'] as const;

/** Metric names of pipeline telemetry (src/simulate/pipeline-simulator.ts PIPELINE_METRICS). */
export const PIPELINE_METRIC_NAMES = {
  queueDepth: 'pipeline_queue_depth',
  throughput: 'pipeline_throughput',
  latencyP95: 'pipeline_latency_p95_cycles',
  latencyP99: 'pipeline_latency_p99_cycles',
  drops: 'pipeline_stage_drops',
  signalEvents: 'pipeline_signal_events',
} as const;

/** Every watched pipeline, or `null` when the server has no pipeline health (404). */
export async function getPipelines(signal?: AbortSignal): Promise<PipelineHealth[] | null> {
  try {
    const body = await getJson<{ pipelines?: PipelineHealth[] }>('/api/v1/pipelines', signal);
    return body.pipelines ?? [];
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
}

export type PipelineDisturbanceKind = 'spike' | 'degradation';

export function simulateUrl(name: string): string {
  return `/api/v1/pipelines/${encodeURIComponent(name)}/simulate`;
}

/** Starts a spike or an enrichment slowdown in the demo pipeline (503 when the demo is off). */
export async function simulatePipeline(
  name: string,
  kind: PipelineDisturbanceKind,
  durationS: number,
): Promise<void> {
  await sendJson<unknown>('POST', simulateUrl(name), { kind, durationS });
}

export interface LivePipelines {
  /** undefined until the first answer; null when the server has no pipeline health. */
  readonly pipelines: readonly PipelineHealth[] | null | undefined;
  readonly error: string | undefined;
}

/** The pipelines, fetched once for a fast first paint and then replaced by every push. */
export function useLivePipelines(): LivePipelines {
  const [pipelines, setPipelines] = useState<readonly PipelineHealth[] | null | undefined>(
    undefined,
  );
  const [error, setError] = useState<string | undefined>(undefined);
  useEffect(() => {
    const ac = new AbortController();
    let pushed = false;
    const stream = new LiveStream<{ pipelines: PipelineHealth[] }>({
      url: '/api/v1/live/pipelines',
      event: 'pipelines',
      onData: (d) => {
        pushed = true;
        setPipelines(d.pipelines);
        setError(undefined);
      },
      onProblem: setError,
    });
    getPipelines(ac.signal).then(
      (p) => {
        if (p === null) stream.close();
        if (!pushed || p === null) setPipelines(p);
      },
      (err: unknown) => {
        if (!ac.signal.aborted) setError(errorText(err));
      },
    );
    return () => {
      ac.abort();
      stream.close();
    };
  }, []);
  return { pipelines, error };
}
