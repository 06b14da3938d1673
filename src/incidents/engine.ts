/**
 * @module
 * The incident engine: signals in (anomalies and alerts via `addSignals`, its own endpoint
 * checks on every `advance`), incidents out, with every change returned so the runtime can
 * persist it and tell people. Pure and in event time: `advance` is given the watermark, the
 * latest endpoint statistics, the service map and a span reader; nothing reads a clock.
 *
 * Correlation, per signal, in event order:
 * 1. A signal id already in an open incident folds into it (lastAtMs, observed) — never a copy.
 * 2. Else it joins every open incident it is near: it started within `correlationWindowMs`
 *    of the incident's last signal, and its service is in the incident or connected to one of
 *    its services in the service map (either direction), directly or through services that
 *    are themselves affected (hold a signal). Services not in the map correlate by name only.
 *    Near two or more: they merge into the oldest (its id stays; the others resolve with a
 *    `merged into` note).
 * 3. Else a resolved incident of the same service (or root cause) resolved less than
 *    `reopenWithinMs` before reopens; else a new incident opens.
 * A signal of a resolved incident that began before the resolve (an alert still firing after
 * someone resolved by hand) is the same occurrence: it does not reopen. One that began after
 * does.
 *
 * Lifecycle: active → acknowledged → resolved (by a person, or automatically when no signal
 * held for `recoveryMs`) → reopened (active, reopenCount + 1). Severity only goes up while
 * open ('escalated'; a reopened incident is judged afresh); RCA runs when an incident opens, gains signals, merges or reopens, and every
 * `rcaIntervalMs` while open and its signals still hold. Incidents are plain JSON; `restore` rebuilds every index.
 */
import type {
  EndpointStats,
  Incident,
  IncidentQuery,
  IncidentSeverity,
  ServiceMap,
  Signal,
  Span,
  TimelineEntry,
} from '../contract/index.ts';
import { OpsError } from '../contract/index.ts';
import {
  defaultEndpointDetectorOptions,
  EndpointDetector,
  type EndpointDetectorOptions,
  type EndpointDetectorState,
} from './endpoint-detector.ts';
import type { RcaResult, RootCauseAnalyzer } from './rca-types.ts';
import {
  defaultSeverityRules,
  type SeverityRule,
  severityFacts,
  severityOf,
  severityRank,
} from './severity.ts';
import { incidentTitle } from './title.ts';

export interface IncidentOptions {
  /** A signal joins an incident whose last signal is at most this far from its start. */
  readonly correlationWindowMs: number;
  /** First match wins; none matching is `medium`. */
  readonly severityRules: readonly SeverityRule[];
  /** Auto-resolve when no signal held for this long (event time). */
  readonly recoveryMs: number;
  /** A recurrence this soon after a resolve reopens the incident instead of opening anew. */
  readonly reopenWithinMs: number;
  /** Distinct signals kept per incident (the rest are counted in signalCount only). */
  readonly maxSignalsKept: number;
  /** Timeline entries kept per incident (lifecycle entries outlive signal and note entries). */
  readonly maxTimelineEntries: number;
  /** RCA reruns this often while an incident is open, even without new signals. */
  readonly rcaIntervalMs: number;
  /**
   * A root cause counts as live while a signal of its service held this recently; after that
   * only a more confident analysis replaces it.
   */
  readonly rootCauseLiveMs: number;
  /** RCA looks this far before the first signal (the onset often precedes detection). */
  readonly rcaLookbackMs: number;
  /** Resolved incidents kept in memory (oldest dropped first; the runtime's store keeps all). */
  readonly maxIncidentsKept: number;
  readonly detector: EndpointDetectorOptions;
}

export function defaultIncidentOptions(): IncidentOptions {
  return {
    correlationWindowMs: 5 * 60_000,
    severityRules: defaultSeverityRules(),
    recoveryMs: 2 * 60_000,
    reopenWithinMs: 30 * 60_000,
    maxSignalsKept: 200,
    maxTimelineEntries: 500,
    rcaIntervalMs: 60_000,
    rcaLookbackMs: 60_000,
    rootCauseLiveMs: 20_000,
    maxIncidentsKept: 1000,
    detector: defaultEndpointDetectorOptions(),
  };
}

export interface IncidentInputs {
  /** Event time up to which telemetry is complete. */
  readonly watermarkMs: number;
  /** The latest closed window of every (service, endpoint), with baselines. */
  readonly stats: readonly EndpointStats[];
  readonly map: ServiceMap;
  /** Spans that started in [fromMs, toMs] (inclusive) at any of `services`. */
  readonly spans: (fromMs: number, toMs: number, services: readonly string[]) => readonly Span[];
}

export type IncidentChangeKind =
  | 'opened'
  | 'updated'
  | 'escalated'
  | 'acknowledged'
  | 'resolved'
  | 'reopened';

export interface IncidentChange {
  readonly kind: IncidentChangeKind;
  readonly incident: Incident;
  readonly previousSeverity?: IncidentSeverity;
}

type Draft = {
  -readonly [K in keyof Incident]: Incident[K];
} & { signals: Signal[]; timeline: TimelineEntry[] };

interface Rec {
  inc: Draft;
  /** Ids of every signal folded in (also those beyond maxSignalsKept). */
  seen: Set<string>;
  /** Set when merged into another incident: it never reopens. */
  mergedInto?: string;
}

/** What happened to one incident during one advance. */
interface Touch {
  opened: boolean;
  reopened: boolean;
  changed: boolean;
  analyze: boolean;
}

const MERGED_PREFIX = 'merged into ';
const BY = 'opsight';

function isOpen(inc: Pick<Incident, 'status'>): boolean {
  return inc.status !== 'resolved';
}

function byId(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function signalServices(inc: Pick<Incident, 'signals'>): Set<string> {
  return new Set(inc.signals.map((s) => s.service));
}

/** Services of an incident for correlation: its signals' and those RCA found affected. */
function servicesOf(inc: Pick<Incident, 'signals' | 'affectedServices'>): Set<string> {
  const out = signalServices(inc);
  for (const s of inc.affectedServices) out.add(s);
  return out;
}

function snapshot(d: Draft): Incident {
  return {
    ...d,
    signals: [...d.signals],
    timeline: [...d.timeline],
  };
}

function trailingNumber(id: string): number {
  const m = /(\d+)$/.exec(id);
  return m === null ? 0 : Number(m[1]);
}

export class IncidentEngine {
  readonly #o: IncidentOptions;
  readonly #analyze: RootCauseAnalyzer;
  readonly #newId: (n: number) => string;
  #detector: EndpointDetector;
  #recs = new Map<string, Rec>();
  /** Signal id → the incident it belongs to (open ones win over resolved ones). */
  #bySignal = new Map<string, string>();
  #pending: Signal[] = [];
  #n = 0;

  constructor(
    options: IncidentOptions,
    analyze: RootCauseAnalyzer,
    newId: (n: number) => string = (n) => `inc-${String(n).padStart(6, '0')}`,
  ) {
    this.#o = options;
    this.#analyze = analyze;
    this.#newId = newId;
    this.#detector = new EndpointDetector(options.detector);
  }

  /**
   * Replaces all state with persisted incidents (and, when given, the endpoint detector's
   * state from `detectorState()`), rebuilding every index so correlation continues.
   */
  restore(incidents: readonly Incident[], detectorState?: EndpointDetectorState): void {
    this.#recs = new Map();
    this.#bySignal = new Map();
    this.#pending = [];
    this.#n = 0;
    this.#detector = new EndpointDetector(this.#o.detector);
    if (detectorState !== undefined) this.#detector.restore(detectorState);
    // Resolved first (oldest resolve first), then open ones: later entries win the index.
    const order = [...incidents].sort(
      (a, b) =>
        Number(isOpen(a)) - Number(isOpen(b)) ||
        (a.resolvedAtMs ?? 0) - (b.resolvedAtMs ?? 0) ||
        byId(a.id, b.id),
    );
    for (const i of order) {
      const inc: Draft = {
        ...i,
        signals: [...i.signals],
        timeline: [...i.timeline],
      };
      const rec: Rec = { inc, seen: new Set(i.signals.map((s) => s.id)) };
      const last = [...i.timeline].reverse().find((t) => t.action === 'resolved');
      if (i.status === 'resolved' && last?.note?.startsWith(MERGED_PREFIX) === true) {
        rec.mergedInto = last.note.slice(MERGED_PREFIX.length);
      }
      this.#recs.set(i.id, rec);
      if (rec.mergedInto === undefined) for (const id of rec.seen) this.#bySignal.set(id, i.id);
      this.#n = Math.max(this.#n, trailingNumber(i.id));
    }
    this.#evict();
  }

  /** The endpoint detector's learned state (plain JSON), to persist beside the incidents. */
  detectorState(): EndpointDetectorState {
    return this.#detector.snapshot();
  }

  /** Queues signals for the next `advance`. Feed every firing alert on every tick. */
  addSignals(signals: readonly Signal[]): void {
    for (const s of signals) this.#pending.push(s);
  }

  advance(inputs: IncidentInputs): IncidentChange[] {
    const wm = inputs.watermarkMs;
    const batch = dedupe([...this.#pending, ...this.#detector.observe(inputs.stats, wm)]);
    this.#pending = [];
    const touched = new Map<string, Touch>();
    const out: IncidentChange[] = [];
    const adjacency = adjacencyOf(inputs.map);
    const affected = this.#affected(batch, wm);

    for (const s of batch) this.#take(s, wm, touched, out, adjacency, affected);

    const changes = new Map<string, IncidentChange>();
    const prior = new Map<string, IncidentSeverity>();
    for (const rec of this.#open()) {
      const id = rec.inc.id;
      const t = touched.get(id) ?? {
        opened: false,
        reopened: false,
        changed: false,
        analyze: false,
      };
      prior.set(id, rec.inc.severity);
      // Interval reruns only while a signal held since the last analysis: once the fault is
      // over, the spans are healthy again and a rerun would replace the diagnosis made during
      // the fault with a weaker one (docs/aiops.md, findings).
      const analyzedAtMs = rec.inc.analyzedAtMs;
      const due =
        t.analyze ||
        analyzedAtMs === undefined ||
        (wm - analyzedAtMs >= this.#o.rcaIntervalMs && rec.inc.lastSignalAtMs > analyzedAtMs);
      if (due && this.#runRca(rec, inputs)) t.changed = true;
      const facts = severityFacts(rec.inc.signals, inputs.stats, this.#o.detector.minRequests);
      const computed = severityOf(this.#o.severityRules, facts);
      let escalated = false;
      if (t.opened) rec.inc.severity = computed;
      else if (t.reopened && computed !== rec.inc.severity) {
        // A recurrence is judged afresh: it may be milder than the first occurrence.
        this.#log(rec.inc, {
          atMs: wm,
          action: 'severity',
          by: BY,
          from: rec.inc.severity,
          to: computed,
        });
        rec.inc.severity = computed;
      } else if (severityRank(computed) > severityRank(rec.inc.severity)) {
        this.#log(rec.inc, {
          atMs: wm,
          action: 'severity',
          by: BY,
          from: rec.inc.severity,
          to: computed,
        });
        rec.inc.severity = computed;
        escalated = true;
      }
      // The title carries numbers: refreshed with the analysis, not on every fold.
      if (due || t.changed) {
        this.#absorb(rec);
        const title = incidentTitle(rec.inc.signals, rec.inc.rootCause, rec.inc.affectedServices);
        if (title !== rec.inc.title) {
          rec.inc.title = title;
          t.changed = true;
        }
      }
      const kind = t.opened
        ? 'opened'
        : t.reopened
          ? 'reopened'
          : escalated
            ? 'escalated'
            : t.changed
              ? 'updated'
              : undefined;
      if (kind === undefined) continue;
      rec.inc.updatedAtMs = wm;
      const before = prior.get(id);
      changes.set(id, {
        kind,
        incident: snapshot(rec.inc),
        ...(kind === 'escalated' && before !== undefined ? { previousSeverity: before } : {}),
      });
    }
    // Auto-resolve what stopped holding.
    for (const rec of this.#open()) {
      if (wm - rec.inc.lastSignalAtMs < this.#o.recoveryMs) continue;
      this.#setResolved(
        rec,
        wm,
        BY,
        'auto_resolved',
        `no signal for ${Math.round((wm - rec.inc.lastSignalAtMs) / 1000)} s`,
      );
      changes.set(rec.inc.id, { kind: 'resolved', incident: snapshot(rec.inc) });
    }
    for (const c of [...changes.values()].sort((a, b) => byId(a.incident.id, b.incident.id))) {
      out.push(c);
    }
    this.#evict();
    return out;
  }

  acknowledge(id: string, by: string, note: string | undefined, atMs: number): IncidentChange {
    const rec = this.#must(id);
    if (rec.inc.status === 'resolved') {
      throw new OpsError(
        'INCIDENT_CONFLICT',
        `incident ${id} is resolved; it cannot be acknowledged`,
        { items: [{ field: 'id', reason: `incident ${id} is resolved` }] },
      );
    }
    if (rec.inc.status === 'acknowledged') {
      if (note !== undefined) {
        this.#log(rec.inc, { atMs, action: 'note', by, note });
        rec.inc.updatedAtMs = atMs;
      }
      return { kind: 'acknowledged', incident: snapshot(rec.inc) };
    }
    this.#log(rec.inc, {
      atMs,
      action: 'acknowledged',
      by,
      ...(note === undefined ? {} : { note }),
      from: rec.inc.status,
      to: 'acknowledged',
    });
    rec.inc.status = 'acknowledged';
    rec.inc.acknowledgedAtMs = atMs;
    rec.inc.updatedAtMs = atMs;
    return { kind: 'acknowledged', incident: snapshot(rec.inc) };
  }

  /**
   * Resolves by hand, also while its signals still hold: signals that began before `atMs` do
   * not reopen it; a later recurrence does.
   */
  resolve(id: string, by: string, note: string | undefined, atMs: number): IncidentChange {
    const rec = this.#must(id);
    if (rec.inc.status === 'resolved') {
      throw new OpsError('INCIDENT_CONFLICT', `incident ${id} is resolved already`, {
        items: [{ field: 'id', reason: `incident ${id} is resolved` }],
      });
    }
    this.#setResolved(rec, atMs, by, 'resolved', note);
    return { kind: 'resolved', incident: snapshot(rec.inc) };
  }

  get(id: string): Incident | undefined {
    const rec = this.#recs.get(id);
    return rec === undefined ? undefined : snapshot(rec.inc);
  }

  /**
   * Incidents matching `q`, newest opened first. `fromMs`/`toMs` select incidents whose span
   * [firstDetectedMs, resolvedAtMs or now] overlaps the range (inclusive).
   */
  list(q: IncidentQuery = {}): Incident[] {
    const out: Incident[] = [];
    for (const { inc } of this.#recs.values()) {
      if (q.status !== undefined && !q.status.includes(inc.status)) continue;
      if (q.severity !== undefined && !q.severity.includes(inc.severity)) continue;
      if (q.toMs !== undefined && inc.firstDetectedMs > q.toMs) continue;
      if (q.fromMs !== undefined && inc.resolvedAtMs !== undefined && inc.resolvedAtMs < q.fromMs) {
        continue;
      }
      out.push(snapshot(inc));
    }
    out.sort((a, b) => b.openedAtMs - a.openedAtMs || byId(b.id, a.id));
    return q.limit === undefined ? out : out.slice(0, Math.max(0, q.limit));
  }

  // -------------------------------------------------------------------------------------------

  #must(id: string): Rec {
    const rec = this.#recs.get(id);
    if (rec === undefined) {
      throw new OpsError('NOT_FOUND', `no incident ${id}`, {
        items: [{ field: 'id', reason: `no incident ${id}` }],
      });
    }
    return rec;
  }

  /** Open incidents in id order. */
  #open(): Rec[] {
    return [...this.#recs.values()]
      .filter((r) => isOpen(r.inc))
      .sort((a, b) => byId(a.inc.id, b.inc.id));
  }

  /** Services holding a signal now: this batch's, and open incidents' recent ones. */
  #affected(batch: readonly Signal[], wm: number): Set<string> {
    const out = new Set(batch.map((s) => s.service));
    for (const rec of this.#recs.values()) {
      if (!isOpen(rec.inc)) continue;
      for (const s of rec.inc.signals) {
        if (wm - s.lastAtMs <= this.#o.correlationWindowMs) out.add(s.service);
      }
    }
    return out;
  }

  #touch(touched: Map<string, Touch>, id: string): Touch {
    let t = touched.get(id);
    if (t === undefined) {
      t = { opened: false, reopened: false, changed: false, analyze: false };
      touched.set(id, t);
    }
    return t;
  }

  #take(
    s: Signal,
    wm: number,
    touched: Map<string, Touch>,
    out: IncidentChange[],
    adjacency: ReadonlyMap<string, ReadonlySet<string>>,
    affected: Set<string>,
  ): void {
    const o = this.#o;
    const knownId = this.#bySignal.get(s.id);
    const known = knownId === undefined ? undefined : this.#recs.get(knownId);
    if (known !== undefined && isOpen(known.inc)) {
      this.#fold(known, s);
      return;
    }
    if (known !== undefined && known.mergedInto === undefined) {
      const resolvedAtMs = known.inc.resolvedAtMs ?? 0;
      // Still the occurrence that was resolved (e.g. by hand while it held): nothing new.
      if (s.atMs <= resolvedAtMs) return;
      if (s.atMs - resolvedAtMs <= o.reopenWithinMs) {
        this.#reopen(known, s, wm, touched);
        this.#fold(known, s);
        return;
      }
    }
    if (wm - s.lastAtMs >= o.recoveryMs) return; // stale: over before it arrived
    affected.add(s.service);

    const near = this.#open().filter(
      (r) =>
        s.atMs <= r.inc.lastSignalAtMs + o.correlationWindowMs &&
        s.lastAtMs >= r.inc.firstDetectedMs - o.correlationWindowMs &&
        connected(s.service, servicesOf(r.inc), adjacency, affected),
    );
    if (near.length > 0) {
      near.sort((a, b) => a.inc.openedAtMs - b.inc.openedAtMs || byId(a.inc.id, b.inc.id));
      const [target, ...others] = near as [Rec, ...Rec[]];
      for (const other of others) this.#merge(target, other, wm, touched, out);
      this.#join(target, s, wm, touched);
      return;
    }
    const again = [...this.#recs.values()]
      .filter(
        (r) =>
          r.inc.status === 'resolved' &&
          r.mergedInto === undefined &&
          r.inc.resolvedAtMs !== undefined &&
          s.atMs > r.inc.resolvedAtMs &&
          s.atMs - r.inc.resolvedAtMs <= o.reopenWithinMs &&
          (signalServices(r.inc).has(s.service) || r.inc.rootCause?.service === s.service),
      )
      .sort(
        (a, b) => (b.inc.resolvedAtMs ?? 0) - (a.inc.resolvedAtMs ?? 0) || byId(a.inc.id, b.inc.id),
      )[0];
    if (again !== undefined) {
      this.#reopen(again, s, wm, touched);
      this.#join(again, s, wm, touched);
      return;
    }
    this.#openNew(s, wm, touched);
  }

  #fold(rec: Rec, s: Signal): void {
    const i = rec.inc.signals.findIndex((k) => k.id === s.id);
    const kept = rec.inc.signals[i];
    if (kept !== undefined) {
      rec.inc.signals[i] = {
        ...s,
        atMs: Math.min(kept.atMs, s.atMs),
        lastAtMs: Math.max(kept.lastAtMs, s.lastAtMs),
      };
    }
    rec.inc.lastSignalAtMs = Math.max(rec.inc.lastSignalAtMs, s.lastAtMs);
  }

  #join(rec: Rec, s: Signal, wm: number, touched: Map<string, Touch>): void {
    if (rec.seen.has(s.id)) {
      this.#fold(rec, s);
      return;
    }
    rec.seen.add(s.id);
    this.#bySignal.set(s.id, rec.inc.id);
    rec.inc.signalCount += 1;
    if (rec.inc.signals.length < this.#o.maxSignalsKept) {
      rec.inc.signals.push(s);
      this.#log(rec.inc, { atMs: wm, action: 'signal', by: BY, note: s.description });
    }
    rec.inc.firstDetectedMs = Math.min(rec.inc.firstDetectedMs, s.atMs);
    rec.inc.lastSignalAtMs = Math.max(rec.inc.lastSignalAtMs, s.lastAtMs);
    const t = this.#touch(touched, rec.inc.id);
    t.changed = true;
    t.analyze = true;
  }

  #openNew(s: Signal, wm: number, touched: Map<string, Touch>): void {
    let id: string;
    do id = this.#newId(++this.#n);
    while (this.#recs.has(id));
    const inc: Draft = {
      id,
      title: '',
      status: 'active',
      severity: 'medium',
      firstDetectedMs: s.atMs,
      openedAtMs: wm,
      updatedAtMs: wm,
      lastSignalAtMs: s.lastAtMs,
      candidates: [],
      affectedServices: [s.service],
      affectedEndpoints: s.endpoint === undefined ? [] : [`${s.service} ${s.endpoint}`],
      impact: {
        services: [s.service],
        endpoints: s.endpoint === undefined ? [] : [`${s.service} ${s.endpoint}`],
        requests: 0,
        failedRequests: 0,
      },
      signals: [s],
      signalCount: 1,
      totalTraces: 0,
      sampleTraces: [],
      timeline: [{ atMs: wm, action: 'opened', by: BY, note: s.description, to: 'active' }],
      reopenCount: 0,
    };
    this.#recs.set(id, { inc, seen: new Set([s.id]) });
    this.#bySignal.set(s.id, id);
    const t = this.#touch(touched, id);
    t.opened = true;
    t.analyze = true;
  }

  #reopen(rec: Rec, s: Signal, wm: number, touched: Map<string, Touch>): void {
    this.#log(rec.inc, {
      atMs: wm,
      action: 'reopened',
      by: BY,
      note: s.description,
      from: 'resolved',
      to: 'active',
    });
    rec.inc.status = 'active';
    rec.inc.reopenCount += 1;
    delete rec.inc.resolvedAtMs;
    delete rec.inc.acknowledgedAtMs;
    const t = this.#touch(touched, rec.inc.id);
    t.reopened = true;
    t.analyze = true;
  }

  #merge(
    target: Rec,
    other: Rec,
    wm: number,
    touched: Map<string, Touch>,
    out: IncidentChange[],
  ): void {
    for (const s of other.inc.signals) {
      if (target.seen.has(s.id)) continue;
      if (target.inc.signals.length < this.#o.maxSignalsKept) target.inc.signals.push(s);
    }
    for (const id of other.seen) {
      target.seen.add(id);
      this.#bySignal.set(id, target.inc.id);
    }
    target.inc.signalCount += other.inc.signalCount;
    target.inc.firstDetectedMs = Math.min(target.inc.firstDetectedMs, other.inc.firstDetectedMs);
    target.inc.lastSignalAtMs = Math.max(target.inc.lastSignalAtMs, other.inc.lastSignalAtMs);
    this.#log(target.inc, {
      atMs: wm,
      action: 'note',
      by: BY,
      note: `merged ${other.inc.id} (${other.inc.title}) into this incident`,
    });
    const t = this.#touch(touched, target.inc.id);
    t.changed = true;
    t.analyze = true;
    this.#setResolved(other, wm, BY, 'resolved', `${MERGED_PREFIX}${target.inc.id}`);
    other.mergedInto = target.inc.id;
    touched.delete(other.inc.id);
    out.push({ kind: 'resolved', incident: snapshot(other.inc) });
  }

  #setResolved(
    rec: Rec,
    atMs: number,
    by: string,
    action: 'resolved' | 'auto_resolved',
    note: string | undefined,
  ): void {
    this.#log(rec.inc, {
      atMs,
      action,
      by,
      ...(note === undefined ? {} : { note }),
      from: rec.inc.status,
      to: 'resolved',
    });
    rec.inc.status = 'resolved';
    rec.inc.resolvedAtMs = atMs;
    rec.inc.updatedAtMs = atMs;
  }

  /** Runs RCA over the incident's window; true when what it says about the incident changed. */
  #runRca(rec: Rec, inputs: IncidentInputs): boolean {
    const inc = rec.inc;
    const own = signalServices(inc);
    const services = new Set(own);
    for (const e of inputs.map.edges) {
      if (own.has(e.from)) services.add(e.to);
      if (own.has(e.to)) services.add(e.from);
    }
    const fromMs = inc.firstDetectedMs - this.#o.rcaLookbackMs;
    const toMs = inputs.watermarkMs;
    const list = [...services].sort(byId);
    let r: RcaResult;
    try {
      r = this.#analyze({
        fromMs,
        toMs,
        signals: [...inc.signals],
        spans: inputs.spans(fromMs, toMs, list),
        map: inputs.map,
        stats: inputs.stats,
      });
    } catch (err) {
      // A failing analysis (or span read) must not stop correlation: the incident keeps its
      // previous analysis, the timeline says why, and it is retried after rcaIntervalMs.
      inc.analyzedAtMs = toMs;
      const note = `root-cause analysis failed: ${err instanceof Error ? err.message : String(err)}`;
      if (inc.timeline.findLast((t) => t.action === 'note' && t.by === BY)?.note !== note) {
        this.#log(inc, { atMs: toMs, action: 'note', by: BY, note });
      }
      return false;
    }
    const prevAnalyzedAtMs = inc.analyzedAtMs;
    inc.analyzedAtMs = toMs;
    const before = JSON.stringify([inc.rootCause, inc.affectedServices, inc.affectedEndpoints]);
    const rootBefore = inc.rootCause;
    if (!keepRootCause(inc, r, prevAnalyzedAtMs, toMs, this.#o.rootCauseLiveMs)) {
      if (r.rootCause === undefined) delete inc.rootCause;
      else inc.rootCause = r.rootCause;
      inc.candidates = r.candidates;
      inc.sampleTraces = r.sampleTraces;
    }
    inc.affectedServices = [...new Set([...own, ...r.affectedServices])].sort(byId);
    inc.affectedEndpoints = [
      ...new Set([
        ...inc.signals.flatMap((s) =>
          s.endpoint === undefined ? [] : [`${s.service} ${s.endpoint}`],
        ),
        ...r.affectedEndpoints,
      ]),
    ].sort(byId);
    inc.impact = r.impact;
    inc.totalTraces = r.totalTraces;
    const rootName = (c: typeof inc.rootCause) =>
      c === undefined
        ? undefined
        : `${c.service}${c.endpoint === undefined ? '' : ` ${c.endpoint}`} ${c.kind}`;
    const now = rootName(inc.rootCause);
    if (now !== rootName(rootBefore)) {
      this.#log(inc, {
        atMs: toMs,
        action: 'root_cause',
        by: BY,
        ...(inc.rootCause === undefined ? {} : { note: inc.rootCause.description }),
        ...(rootBefore === undefined ? {} : { from: rootName(rootBefore) as string }),
        ...(now === undefined ? {} : { to: now }),
      });
    }
    return before !== JSON.stringify([inc.rootCause, inc.affectedServices, inc.affectedEndpoints]);
  }

  /**
   * Appends to the timeline. Beyond maxTimelineEntries the oldest `signal`, `root_cause` or
   * `note` entry goes first (lifecycle entries are kept), so a long incident stays bounded.
   */
  #log(inc: Draft, entry: TimelineEntry): void {
    inc.timeline.push(entry);
    if (inc.timeline.length <= this.#o.maxTimelineEntries) return;
    const i = inc.timeline.findIndex(
      (t) => t.action === 'signal' || t.action === 'root_cause' || t.action === 'note',
    );
    inc.timeline.splice(i < 0 ? 0 : i, 1);
  }

  /** Every signalled service and endpoint is affected, whatever RCA says (or if it failed). */
  #absorb(rec: Rec): void {
    const inc = rec.inc;
    const services = new Set(inc.affectedServices);
    const endpoints = new Set(inc.affectedEndpoints);
    for (const s of inc.signals) {
      services.add(s.service);
      if (s.endpoint !== undefined) endpoints.add(`${s.service} ${s.endpoint}`);
    }
    if (services.size !== inc.affectedServices.length) {
      inc.affectedServices = [...services].sort(byId);
    }
    if (endpoints.size !== inc.affectedEndpoints.length) {
      inc.affectedEndpoints = [...endpoints].sort(byId);
    }
  }

  /** Drops the oldest resolved incidents beyond maxIncidentsKept (and their index entries). */
  #evict(): void {
    const resolved = [...this.#recs.values()].filter((r) => !isOpen(r.inc));
    const excess = this.#recs.size - this.#o.maxIncidentsKept;
    if (excess <= 0) return;
    resolved.sort(
      (a, b) => (a.inc.resolvedAtMs ?? 0) - (b.inc.resolvedAtMs ?? 0) || byId(a.inc.id, b.inc.id),
    );
    for (const r of resolved.slice(0, excess)) {
      this.#recs.delete(r.inc.id);
      for (const id of r.seen) if (this.#bySignal.get(id) === r.inc.id) this.#bySignal.delete(id);
    }
  }
}

/**
 * Whether a new analysis leaves the current root cause (and its candidates and sample traces)
 * in place. While the fault at the root cause is live — a signal of its service held since the
 * previous analysis and within `rootCauseLiveMs` of now (for a root cause without signals of
 * its own: any signal) — newer evidence wins. Once it is over, the spans are turning healthy and a rerun sees mostly noise,
 * so only a more confident root cause whose own service has a signal still holding replaces it (docs/aiops.md, findings: the root cause
 * used to flip to a healthy service after recovery).
 */
function keepRootCause(
  inc: Pick<Incident, 'rootCause' | 'signals'>,
  r: RcaResult,
  prevAnalyzedAtMs: number | undefined,
  toMs: number,
  liveWithinMs: number,
): boolean {
  const old = inc.rootCause;
  if (old === undefined || prevAnalyzedAtMs === undefined) return false;
  const holds = (s: Signal): boolean =>
    s.lastAtMs > prevAnalyzedAtMs && s.lastAtMs >= toMs - liveWithinMs;
  const own = inc.signals.filter((s) => s.service === old.service);
  const live = (own.length > 0 ? own : inc.signals).some(holds);
  if (live) return false;
  // A replacement must be a fault that is live itself: a service with a signal of its own still
  // holding. An analysis of the healthy spans after recovery can score a noise candidate (no
  // signal of its own) with a high confidence; `npm run eval:aiops` saw 4 of 44 root causes move
  // to such a service a minute or more after the fault (docs/aiops.md).
  const next = r.rootCause;
  if (next === undefined) return true;
  const nextLive = inc.signals.some((s) => s.service === next.service && holds(s));
  return !nextLive || next.confidence <= old.confidence;
}

/** One signal per id (latest lastAtMs wins, earliest atMs kept), sorted by (atMs, id). */
function dedupe(signals: readonly Signal[]): Signal[] {
  const byKey = new Map<string, Signal>();
  for (const s of signals) {
    const prev = byKey.get(s.id);
    if (prev === undefined) byKey.set(s.id, s);
    else {
      const newer = s.lastAtMs >= prev.lastAtMs ? s : prev;
      byKey.set(s.id, { ...newer, atMs: Math.min(prev.atMs, s.atMs) });
    }
  }
  return [...byKey.values()].sort((a, b) => a.atMs - b.atMs || byId(a.id, b.id));
}

function adjacencyOf(map: ServiceMap): Map<string, Set<string>> {
  const adj = new Map<string, Set<string>>();
  const link = (a: string, b: string) => {
    let s = adj.get(a);
    if (s === undefined) {
      s = new Set();
      adj.set(a, s);
    }
    s.add(b);
  };
  for (const e of map.edges) {
    if (e.from === e.to) continue;
    link(e.from, e.to);
    link(e.to, e.from);
  }
  return adj;
}

/**
 * `service` is one of `targets`, or reaches one through the map (edges either way), passing
 * only through services that are themselves affected.
 */
export function connected(
  service: string,
  targets: ReadonlySet<string>,
  adjacency: ReadonlyMap<string, ReadonlySet<string>>,
  affected: ReadonlySet<string>,
): boolean {
  if (targets.has(service)) return true;
  const seen = new Set([service]);
  const queue = [service];
  while (queue.length > 0) {
    const at = queue.shift() as string;
    for (const next of adjacency.get(at) ?? []) {
      if (targets.has(next)) return true;
      if (seen.has(next) || !affected.has(next)) continue;
      seen.add(next);
      queue.push(next);
    }
  }
  return false;
}
