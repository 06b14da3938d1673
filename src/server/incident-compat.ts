/**
 * @module
 * The original AIOps design's incident shape (`/aiops/incidents`): snake_case keys, ISO 8601
 * times, `null` for what is not known, candidates best first. A pure mapping from the contract's
 * `Incident`, so the native and the compatibility API can never disagree.
 */
import type { Incident, RcaCandidate, Signal, TimelineEntry } from '../contract/index.ts';

function iso(ms: number): string {
  return new Date(Number.isFinite(ms) ? ms : 0).toISOString();
}

function isoOrNull(ms: number | undefined): string | null {
  return ms === undefined ? null : iso(ms);
}

function compatSignal(s: Signal) {
  return {
    kind: s.kind,
    service: s.service,
    endpoint: s.endpoint ?? null,
    observed: s.observed,
    baseline: s.baseline,
    unit: s.unit,
    description: s.description,
  };
}

function compatCandidate(c: RcaCandidate) {
  return {
    service: c.service,
    endpoint: c.endpoint ?? null,
    kind: c.kind,
    score: c.score,
    evidence: {
      trace_ids: [...c.evidence.traceIds],
      path: [...c.evidence.path],
      first_anomalous: isoOrNull(c.evidence.firstAnomalousMs),
      methods: { ...c.evidence.methods },
      notes: [...c.evidence.notes],
      signals: c.evidence.signals.map(compatSignal),
    },
  };
}

function compatTimeline(e: TimelineEntry) {
  return {
    at: iso(e.atMs),
    action: e.action,
    by: e.by,
    ...(e.note === undefined ? {} : { note: e.note }),
    ...(e.from === undefined ? {} : { from: e.from }),
    ...(e.to === undefined ? {} : { to: e.to }),
  };
}

export type CompatIncident = ReturnType<typeof compatIncident>;

export function compatIncident(i: Incident) {
  const rc = i.rootCause;
  return {
    id: i.id,
    title: i.title,
    status: i.status,
    severity: i.severity,
    first_detected: iso(i.firstDetectedMs),
    last_updated: iso(i.updatedAtMs),
    acknowledged_at: isoOrNull(i.acknowledgedAtMs),
    resolved_at: isoOrNull(i.resolvedAtMs),
    root_cause:
      rc === undefined
        ? null
        : {
            service: rc.service,
            endpoint: rc.endpoint ?? null,
            kind: rc.kind,
            confidence: rc.confidence,
            description: rc.description,
          },
    candidates: [...i.candidates].sort((a, b) => b.score - a.score).map(compatCandidate),
    affected_services: [...i.affectedServices],
    affected_endpoints: [...i.affectedEndpoints],
    total_traces: i.totalTraces,
    sample_traces: [...i.sampleTraces],
    timeline: i.timeline.map(compatTimeline),
  };
}
