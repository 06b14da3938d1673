/**
 * @module
 * The alerting runtime: every `intervalMs` (default 15 s) it
 * 1. lists the services seen (the `service` label of the well-known metrics);
 * 2. refreshes SLI buckets (slo-buckets.ts) and evaluates every SLO of every service — the
 *    defaults (availability 99.9 %, p95 latency ≤ 300 ms) plus `opsight.yaml` and API ones —
 *    with the multi-window multi-burn-rate policy;
 * 3. builds each rule's input (threshold and absence from store queries, anomaly from the
 *    detection runtime, slo_burn from step 2) and runs `alertingTick` (state machines,
 *    silences, inhibition, grouping);
 * 4. appends the transitions to the `alert-history` log, saves the alerting state, hands
 *    notification groups to the notify dispatcher, and tells `onAlerts` listeners;
 * 5. computes the health score of every service.
 * Rules, SLOs and silences created through the API are kept in the state store, so they (and
 * the alert state and history) survive a restart. docs/decisions/0007-alerting-runtime.md.
 */
import {
  type AlertingConfig,
  type AlertingRuntimeState,
  type AlertRule,
  type AlertWithMute,
  alertingTick,
  applyMutes,
  type CompiledRule,
  compileRule,
  emptyAlertingRuntimeState,
  expireSilence,
  listAlerts,
  parseAlertingConfig,
  parseRuleBody,
  parseSilenceBody,
  parseSloBody,
  pruneSilences,
  type RuleInput,
  SERVICE_DOWN_RULE,
  silenceStatus,
  slosFor,
} from '../alerting/index.ts';
import {
  DEFAULT_AVAILABILITY_SLO,
  DEFAULT_LATENCY_SLO,
  defaultHealthScoreOptions,
  defaultSlos,
  evaluateSlo,
  type HealthScore,
  type HealthScoreOptions,
  healthScore,
  policyFor,
  policyPairsFor,
  sloWindowMs,
  sumBuckets,
} from '../analytics/index.ts';
import {
  type Alert,
  type AlertTransition,
  type Clock,
  createRng,
  OpsError,
  SERVICE_LABEL,
  type Silence,
  type SilenceStatus,
  type SloDefinition,
  type SloEvaluation,
  WELL_KNOWN_METRICS,
} from '../contract/index.ts';
import {
  createChannels,
  type DeliveryAttempt,
  Dispatcher,
  type FetchFn,
  type Notification,
  type NotificationsConfig,
  notificationFromGroup,
  type Sleep,
} from '../notify/index.ts';
import type { StateStore, Store } from '../store/index.ts';
import { DELIVERY_LOG_NAME, StateDeliveryLog } from './alerting-delivery-log.ts';
import {
  type AnomalySignal,
  type AnomalySource,
  AnomalyTracker,
  lastSeenTimes,
  thresholdValues,
} from './alerting-inputs.ts';
import { bucketMsOf, burnSeries, HOUR_MS, queryBuckets, SliCache, sliKey } from './slo-buckets.ts';

/** The subset of a pino logger the runtime uses. */
export interface AlertingLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug?(obj: object, msg?: string): void;
}

export interface AlertingRuntimeDeps {
  readonly store: Store;
  readonly state: StateStore;
  readonly clock: Clock;
  readonly logger?: AlertingLogger;
  /** The detection runtime (anomaly rules, latency baselines of the health score). */
  readonly anomalies?: AnomalySource;
  /** Tests: the HTTP client of the notifiers, and the dispatcher's backoff sleep. */
  readonly fetch?: FetchFn;
  readonly sleep?: Sleep;
}

export interface AlertingRuntimeOptions {
  /** Evaluation period. Default 15 s. 0: no timer (tests call `evaluate`). */
  readonly intervalMs: number;
  /** An absence rule knows the series/groups seen within this long. Default 24 h. */
  readonly absenceKnownForMs: number;
  /** An anomaly score counts this long after its sample (event time). Default 60 s. */
  readonly anomalyHoldMs: number;
  /** Window of the health score's error rate, latency and CPU. Default 5 min. */
  readonly healthWindowMs: number;
  /** Expired silences are forgotten after this long (history keeps them). Default 7 d. */
  readonly keepExpiredSilencesMs: number;
  /** Most services evaluated (sorted by name). Default 1,000. */
  readonly maxServices: number;
  readonly health: HealthScoreOptions;
  /** Seed of the retry jitter. */
  readonly seed: number;
}

export function defaultAlertingRuntimeOptions(): AlertingRuntimeOptions {
  return {
    intervalMs: 15_000,
    absenceKnownForMs: 24 * HOUR_MS,
    anomalyHoldMs: 60_000,
    healthWindowMs: 5 * 60_000,
    keepExpiredSilencesMs: 7 * 24 * HOUR_MS,
    maxServices: 1_000,
    health: defaultHealthScoreOptions(),
    seed: 1,
  };
}

/** The sections of opsight.yaml the runtime reads (after YAML parsing). */
export interface AlertingSections {
  readonly slos?: unknown;
  readonly rules?: unknown;
  readonly silences?: unknown;
  readonly inhibit_rules?: unknown;
  readonly route?: unknown;
}

export type DefinitionSource = 'default' | 'config' | 'api';

export interface RuleView {
  readonly name: string;
  readonly kind: AlertRule['kind'];
  readonly source: DefinitionSource;
  readonly rule: AlertRule;
  /** The body it was created with (API rules only). */
  readonly body?: unknown;
}

export type BurnState = 'firing' | 'guarded' | 'ok';

export interface SloStatus {
  readonly name: string;
  readonly service: string;
  readonly source: DefinitionSource;
  readonly definition: SloDefinition;
  readonly evaluation: SloEvaluation;
  /** Burn rate over every distinct window of the policy, shortest first. */
  readonly burnRates: readonly { readonly windowMs: number; readonly burnRate: number }[];
  readonly page: BurnState;
  readonly ticket: BurnState;
  /** SLI meets the objective over the window. */
  readonly passing: boolean;
}

export interface AlertView extends Alert {
  readonly silenced: boolean;
  readonly inhibited: boolean;
  readonly silencedBy: readonly string[];
  readonly inhibitedBy: readonly string[];
}

export interface SilenceView extends Silence {
  readonly status: SilenceStatus;
  readonly source: 'config' | 'api';
}

export interface ServiceHealth extends HealthScore {
  readonly service: string;
  readonly atMs: number;
}

export interface BurnSeriesResult {
  readonly name: string;
  readonly service: string;
  readonly objective: number;
  readonly windows: readonly { readonly windowMs: number; readonly points: [number, number][] }[];
}

export interface EvaluationStats {
  readonly atMs: number;
  readonly durationMs: number;
  readonly services: number;
  readonly slos: number;
  readonly rules: number;
  readonly alerts: number;
  readonly transitions: number;
  readonly notifications: number;
}

const RULES = 'alert-rules';
const SLOS = 'slos';
const SILENCES = 'silences';
const RUNTIME = 'alerting-runtime';
const HISTORY = 'alert-history';

interface StoredBody {
  readonly body: unknown;
}

function sloId(name: string, service: string | undefined): string {
  return `${name}@${service ?? '*'}`;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function invalid(field: string, reason: string): OpsError {
  return new OpsError('ALERTING_INVALID_DEFINITION', `${field}: ${reason}`, {
    items: [{ field, reason }],
  });
}

function viewOf(a: AlertWithMute): AlertView {
  return {
    ...a.alert,
    silenced: a.mute.silencedBy.length > 0,
    inhibited: a.mute.inhibitedBy.length > 0,
    silencedBy: a.mute.silencedBy,
    inhibitedBy: a.mute.inhibitedBy,
  };
}

export class AlertingRuntime {
  readonly #deps: AlertingRuntimeDeps;
  readonly #options: AlertingRuntimeOptions;
  readonly #config: AlertingConfig;
  readonly #configRuleNames: ReadonlySet<string>;
  readonly #configSloIds: ReadonlySet<string>;
  readonly #apiRules = new Map<
    string,
    { body: unknown; rule: AlertRule; compiled: CompiledRule }
  >();
  readonly #apiSlos = new Map<string, { body: unknown; slo: SloDefinition }>();
  readonly #apiSilences = new Map<string, Silence>();
  readonly #cache = new SliCache();
  readonly #anomalies: AnomalyTracker;
  readonly #lastSeen = new Map<string, number>();
  readonly #dispatcher: Dispatcher | undefined;
  readonly #deliveries: StateDeliveryLog;
  readonly #listeners = new Set<(alerts: readonly AlertView[]) => void>();
  #state: AlertingRuntimeState;
  #alerts: readonly AlertWithMute[] = [];
  #slos: SloStatus[] = [];
  #health = new Map<string, ServiceHealth>();
  #stats: EvaluationStats | undefined;
  #running: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  private constructor(
    deps: AlertingRuntimeDeps,
    options: AlertingRuntimeOptions,
    config: AlertingConfig,
    sections: AlertingSections,
    notifications: NotificationsConfig | undefined,
    state: AlertingRuntimeState,
  ) {
    this.#deps = deps;
    this.#options = options;
    this.#config = config;
    const names = (Array.isArray(sections.rules) ? sections.rules : [])
      .filter(isObj)
      .map((r) => r.name)
      .filter((n): n is string => typeof n === 'string');
    this.#configRuleNames = new Set(names);
    this.#configSloIds = new Set(config.slos.map((s) => sloId(s.name, s.service)));
    this.#state = state;
    this.#anomalies = new AnomalyTracker(deps.anomalies);
    this.#deliveries = new StateDeliveryLog(deps.state.log<DeliveryAttempt>(DELIVERY_LOG_NAME));
    if (notifications !== undefined && notifications.channels.length > 0) {
      const channels = createChannels(notifications, {
        clock: deps.clock,
        ...(deps.fetch === undefined ? {} : { fetch: deps.fetch }),
      });
      this.#dispatcher = new Dispatcher(
        channels,
        {
          log: this.#deliveries,
          clock: deps.clock,
          rng: createRng(options.seed),
          ...(deps.sleep === undefined ? {} : { sleep: deps.sleep }),
          ...(deps.logger === undefined ? {} : { logger: deps.logger }),
        },
        notifications.dispatcher,
      );
    }
  }

  /**
   * Parses the alerting sections (CONFIG_INVALID naming the path on a bad key), loads what the
   * API created and the saved alert state, and returns the runtime (not yet ticking: `start`).
   */
  static async open(
    deps: AlertingRuntimeDeps,
    sections: AlertingSections = {},
    notifications?: NotificationsConfig,
    options: Partial<AlertingRuntimeOptions> = {},
  ): Promise<AlertingRuntime> {
    const opts = { ...defaultAlertingRuntimeOptions(), ...options };
    const nowMs = deps.clock.nowMs();
    const config = parseAlertingConfig(sections, nowMs);
    const saved = await deps.state.collection<AlertingRuntimeState>(RUNTIME).get('state');
    const rt = new AlertingRuntime(
      deps,
      opts,
      config,
      sections,
      notifications,
      saved ?? emptyAlertingRuntimeState(),
    );
    await rt.#loadApiDefinitions();
    return rt;
  }

  async #loadApiDefinitions(): Promise<void> {
    const log = this.#deps.logger;
    const { state } = this.#deps;
    for (const { id, doc } of await state.collection<StoredBody>(RULES).list()) {
      try {
        this.#apiRules.set(id, this.#parseRule(doc.body));
      } catch (err) {
        log?.warn({ err, rule: id }, 'stored alert rule no longer parses; skipped');
      }
    }
    for (const { id, doc } of await state.collection<StoredBody>(SLOS).list()) {
      try {
        this.#apiSlos.set(id, { body: doc.body, slo: parseSloBody(doc.body) });
      } catch (err) {
        log?.warn({ err, slo: id }, 'stored SLO no longer parses; skipped');
      }
    }
    for (const { id, doc } of await state.collection<Silence>(SILENCES).list()) {
      this.#apiSilences.set(id, doc);
    }
  }

  #parseRule(body: unknown): { body: unknown; rule: AlertRule; compiled: CompiledRule } {
    const rule = parseRuleBody(body);
    const c = compileRule(rule);
    if (!c.ok) {
      throw new OpsError('ALERTING_INVALID_DEFINITION', 'the rule is invalid', {
        items: c.issues.map((i) => ({ field: i.field, reason: i.reason })),
      });
    }
    return { body, rule, compiled: c.compiled };
  }

  // -------------------------------------------------------------------------------------------
  // Effective configuration

  #rules(): CompiledRule[] {
    const out = this.#config.rules.filter((r) => !this.#apiRules.has(r.rule.name));
    for (const r of this.#apiRules.values()) out.push(r.compiled);
    return out;
  }

  #slosConfig(): Pick<AlertingConfig, 'slos' | 'disabledSlos'> {
    const api = [...this.#apiSlos.values()].map((s) => s.slo);
    const ids = new Set(api.map((s) => sloId(s.name, s.service)));
    return {
      slos: [...this.#config.slos.filter((s) => !ids.has(sloId(s.name, s.service))), ...api],
      disabledSlos: this.#config.disabledSlos,
    };
  }

  #silences(nowMs: number): Silence[] {
    const fromConfig = this.#config.silences.filter((s) => !this.#apiSilences.has(s.id));
    return pruneSilences(
      [...fromConfig, ...this.#apiSilences.values()],
      nowMs,
      this.#options.keepExpiredSilencesMs,
    );
  }

  #effective(nowMs: number): Pick<AlertingConfig, 'rules' | 'silences' | 'inhibitRules' | 'route'> {
    return {
      rules: this.#rules(),
      silences: this.#silences(nowMs),
      inhibitRules: this.#config.inhibitRules,
      route: this.#config.route,
    };
  }

  // -------------------------------------------------------------------------------------------
  // Evaluation

  /** Starts the timer (one evaluation now, then every intervalMs). */
  start(): void {
    if (this.#timer !== undefined || this.#options.intervalMs <= 0 || this.#closed) return;
    void this.evaluate().catch(() => undefined);
    this.#timer = setInterval(() => {
      void this.evaluate().catch(() => undefined);
    }, this.#options.intervalMs);
  }

  /** One evaluation (concurrent calls share the running one). */
  evaluate(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#running ??= this.#evaluate()
      .catch((err: unknown) => {
        this.#deps.logger?.error({ err }, 'alerting evaluation failed');
        throw err;
      })
      .finally(() => {
        this.#running = undefined;
      });
    return this.#running;
  }

  async #services(): Promise<string[]> {
    const { store } = this.#deps;
    const ids = new Set<string>();
    for (const metric of Object.values(WELL_KNOWN_METRICS)) {
      for (const v of await store.labelValues(SERVICE_LABEL, metric)) if (v !== '') ids.add(v);
    }
    return [...ids].sort().slice(0, this.#options.maxServices);
  }

  async #evaluate(): Promise<void> {
    const started = performance.now();
    const { store, clock, state } = this.#deps;
    const nowMs = clock.nowMs();
    const services = await this.#services();

    // SLOs
    const sloConfig = this.#slosConfig();
    const perService = services.map((service) => ({ service, slos: slosFor(service, sloConfig) }));
    const slis = new Map<string, { slo: SloDefinition; horizonMs: number }>();
    for (const { slos } of perService) {
      for (const slo of slos) {
        const key = sliKey(slo.sli, bucketMsOf(slo));
        const longest = Math.max(
          ...policyPairsFor(policyFor(slo.window), sloWindowMs(slo.window)).map((p) => p.longMs),
        );
        const horizonMs = Math.max(sloWindowMs(slo.window), longest) + bucketMsOf(slo);
        const prev = slis.get(key);
        if (prev === undefined || prev.horizonMs < horizonMs) slis.set(key, { slo, horizonMs });
      }
    }
    for (const { slo, horizonMs } of slis.values()) {
      await this.#cache.refresh(store, slo.sli, bucketMsOf(slo), nowMs, horizonMs);
    }
    this.#cache.retain(new Set(slis.keys()));
    const statuses: SloStatus[] = [];
    for (const { service, slos } of perService) {
      for (const slo of slos) {
        const buckets = this.#cache.buckets(slo.sli, bucketMsOf(slo), service);
        statuses.push(this.#status(slo, service, evaluateSlo(slo, service, buckets, nowMs)));
      }
    }
    this.#slos = statuses;

    // Rules
    const config = this.#effective(nowMs);
    const inputs: Record<string, RuleInput> = {};
    const anomalyRules = config.rules.filter((r) => r.rule.kind === 'anomaly');
    const minScore = Math.min(
      1,
      ...anomalyRules.map((r) => (r.rule.kind === 'anomaly' ? r.rule.minScore : 1)),
    );
    const anomalies: AnomalySignal[] =
      anomalyRules.length > 0
        ? this.#anomalies.current(nowMs, this.#options.anomalyHoldMs, minScore)
        : [];
    const evaluations = statuses.map((s) => s.evaluation);
    for (const { rule } of config.rules) {
      try {
        inputs[rule.name] = await this.#input(rule, nowMs, evaluations, anomalies);
      } catch (err) {
        // Left out: the rule's alerts stay as they were until its query works again.
        this.#deps.logger?.warn({ err, rule: rule.name }, 'alert rule input failed');
      }
    }
    const tick = alertingTick(this.#state, config, inputs, nowMs);
    this.#state = tick.state;
    this.#alerts = tick.alerts;
    if (tick.transitions.length > 0) {
      await state
        .log<AlertTransition>(HISTORY)
        .append(tick.transitions.map((t) => ({ atMs: t.atMs, record: t })));
    }
    await state.collection<AlertingRuntimeState>(RUNTIME).put('state', tick.state);
    for (const group of tick.notifications) {
      const n = notificationFromGroup(group);
      if (this.#dispatcher === undefined) continue;
      void this.#dispatcher.dispatch(n).catch((err: unknown) => {
        this.#deps.logger?.error({ err, notification: n.id }, 'notification dispatch failed');
      });
    }

    // Silences expired long ago leave the state store (history keeps their effect).
    for (const [id, silence] of this.#apiSilences) {
      if (nowMs - silence.endsAtMs >= this.#options.keepExpiredSilencesMs) {
        await state.collection<Silence>(SILENCES).delete(id);
        this.#apiSilences.delete(id);
      }
    }

    // Health
    this.#health = await this.#healthScores(services, statuses, nowMs);

    this.#stats = {
      atMs: nowMs,
      durationMs: performance.now() - started,
      services: services.length,
      slos: statuses.length,
      rules: config.rules.length,
      alerts: tick.alerts.length,
      transitions: tick.transitions.length,
      notifications: tick.notifications.length,
    };
    this.#deps.logger?.debug?.(this.#stats, 'alerting evaluation');
    const views = this.activeAlerts();
    for (const l of this.#listeners) {
      try {
        l(views);
      } catch (err) {
        this.#deps.logger?.warn({ err }, 'alerts listener failed');
      }
    }
  }

  async #input(
    rule: AlertRule,
    nowMs: number,
    evaluations: readonly SloEvaluation[],
    anomalies: readonly AnomalySignal[],
  ): Promise<RuleInput> {
    const { store } = this.#deps;
    switch (rule.kind) {
      case 'threshold':
        return { kind: 'threshold', series: await thresholdValues(store, rule.query, nowMs) };
      case 'absence': {
        const lookbackMs = Math.max(2 * rule.absentForMs, 5 * 60_000);
        const series = await lastSeenTimes(
          store,
          rule.query,
          nowMs,
          lookbackMs,
          this.#options.absenceKnownForMs,
          this.#lastSeen,
        );
        return { kind: 'absence', series };
      }
      case 'anomaly':
        return {
          kind: 'anomaly',
          series: anomalies.map((a) => ({
            metric: a.metric,
            labels: a.labels,
            score: a.score,
            ...(a.detector === undefined ? {} : { detector: a.detector }),
            ...(a.expected === undefined ? {} : { expected: a.expected }),
            ...(a.value === undefined ? {} : { observed: a.value }),
          })),
        };
      case 'slo_burn':
        return { kind: 'slo_burn', slos: evaluations };
    }
  }

  #sloSource(slo: SloDefinition, service: string): DefinitionSource {
    if (
      this.#apiSlos.has(sloId(slo.name, service)) ||
      this.#apiSlos.has(sloId(slo.name, undefined))
    )
      return 'api';
    if (
      this.#configSloIds.has(sloId(slo.name, service)) ||
      this.#configSloIds.has(sloId(slo.name, undefined))
    )
      return 'config';
    return 'default';
  }

  #status(slo: SloDefinition, service: string, e: SloEvaluation): SloStatus {
    const windows = new Map<number, number>();
    for (const a of e.burnAlerts) {
      windows.set(a.long.windowMs, a.long.burnRate);
      windows.set(a.short.windowMs, a.short.burnRate);
    }
    const state = (sev: 'page' | 'ticket'): BurnState => {
      const mine = e.burnAlerts.filter((a) => a.severity === sev);
      if (mine.some((a) => a.firing)) return 'firing';
      return mine.some((a) => a.guarded) ? 'guarded' : 'ok';
    };
    return {
      name: slo.name,
      service,
      source: this.#sloSource(slo, service),
      definition: slo,
      evaluation: e,
      burnRates: [...windows]
        .sort((a, b) => a[0] - b[0])
        .map(([windowMs, burnRate]) => ({ windowMs, burnRate })),
      page: state('page'),
      ticket: state('ticket'),
      passing: e.met,
    };
  }

  async #healthScores(
    services: readonly string[],
    statuses: readonly SloStatus[],
    nowMs: number,
  ): Promise<Map<string, ServiceHealth>> {
    const { store } = this.#deps;
    const w = this.#options.healthWindowMs;
    const byService = (rows: { labels: Record<string, string>; value: number }[]) =>
      new Map(rows.map((r) => [r.labels[SERVICE_LABEL] ?? '', r.value]));
    const q = (metric: string, aggregation: 'p95' | 'avg') =>
      thresholdValues(
        store,
        { metric, matchers: [], aggregation, windowMs: w, groupBy: [SERVICE_LABEL] },
        nowMs,
      ).then(byService);
    const [p95, cpu] = await Promise.all([
      q(WELL_KNOWN_METRICS.latency, 'p95'),
      q(WELL_KNOWN_METRICS.cpu, 'avg'),
    ]);
    const expected = new Map<string, { sum: number; n: number }>();
    for (const e of this.#deps.anomalies?.estimates?.() ?? []) {
      const s = e.labels[SERVICE_LABEL];
      if (e.metric !== WELL_KNOWN_METRICS.latency || s === undefined || e.expected === undefined)
        continue;
      if (!(e.expected > 0) || e.timestampMs < nowMs - w) continue;
      const x = expected.get(s) ?? { sum: 0, n: 0 };
      x.sum += e.expected;
      x.n += 1;
      expected.set(s, x);
    }
    const latencyTarget = defaultSlos().find((s) => s.name === DEFAULT_LATENCY_SLO)?.sli;
    const fallbackMs =
      latencyTarget !== undefined && latencyTarget.kind === 'threshold' ? latencyTarget.value : 300;
    const open = this.#alerts.filter((a) => a.alert.state === 'firing');
    const out = new Map<string, ServiceHealth>();
    for (const service of services) {
      const mine = statuses.filter((s) => s.service === service);
      const avail = mine.find((s) => s.name === DEFAULT_AVAILABILITY_SLO);
      let errorRatio: number | null = null;
      if (avail !== undefined && avail.definition.sli.kind === 'ratio') {
        const b = this.#cache.buckets(avail.definition.sli, bucketMsOf(avail.definition), service);
        const { good, total } = sumBuckets(b, nowMs - w, nowMs + 1);
        errorRatio = total > 0 ? (total - good) / total : null;
      }
      const budgets = mine
        .filter((s) => s.evaluation.total > 0)
        .map((s) => s.evaluation.budget.remainingFraction);
      const observed = p95.get(service);
      const exp = expected.get(service);
      const alerts = open.filter((a) => a.alert.labels[SERVICE_LABEL] === service);
      const unmuted = alerts.filter((a) => !a.muted);
      out.set(service, {
        service,
        atMs: nowMs,
        ...healthScore(
          {
            everSeen: true,
            silent: alerts.some((a) => a.alert.ruleName === SERVICE_DOWN_RULE),
            errorRatio,
            latency:
              observed === undefined
                ? null
                : {
                    observedMs: observed,
                    expectedMs: exp === undefined ? fallbackMs : exp.sum / exp.n,
                  },
            cpuPercent: cpu.get(service) ?? null,
            budgetRemaining: budgets.length > 0 ? Math.min(...budgets) : null,
            openAlerts: {
              critical: unmuted.filter((a) => a.alert.severity === 'critical').length,
              warning: unmuted.filter((a) => a.alert.severity === 'warning').length,
            },
          },
          this.#options.health,
        ),
      });
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // Reading

  /** Pending and firing alerts with their mute flags, as of now (silences applied live). */
  activeAlerts(): AlertView[] {
    const nowMs = this.#deps.clock.nowMs();
    const alerts = listAlerts(this.#state.alerting).filter((a) => a.state !== 'resolved');
    return applyMutes(alerts, this.#silences(nowMs), this.#config.inhibitRules, nowMs).map(viewOf);
  }

  /** Alert transitions with atMs in [fromMs, toMs], oldest first, the newest `limit`. */
  async history(fromMs: number, toMs: number, limit: number): Promise<AlertTransition[]> {
    const entries = await this.#deps.state
      .log<AlertTransition>(HISTORY)
      .read({ fromMs, toMs, limit });
    return entries.map((e) => e.record);
  }

  async deliveries(q: {
    fromMs?: number;
    toMs?: number;
    channel?: string;
    notificationId?: string;
    limit?: number;
  }): Promise<DeliveryAttempt[]> {
    return this.#deliveries.list(q);
  }

  /** Statuses of the last evaluation, optionally only SLOs named `name` / of `service`. */
  slos(filter: { name?: string; service?: string } = {}): SloStatus[] {
    return this.#slos.filter(
      (s) =>
        (filter.name === undefined || s.name === filter.name) &&
        (filter.service === undefined || s.service === filter.service),
    );
  }

  /** Health of every service at the last evaluation. */
  health(): ServiceHealth[] {
    return [...this.#health.values()];
  }

  healthOf(service: string): ServiceHealth | undefined {
    return this.#health.get(service);
  }

  lastEvaluation(): EvaluationStats | undefined {
    return this.#stats;
  }

  /** Called with the active alerts after every evaluation; returns the unsubscribe function. */
  onAlerts(listener: (alerts: readonly AlertView[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Burn-rate series of an SLO for charts: one series per policy window. */
  async burnSeries(
    name: string,
    service: string,
    fromMs: number,
    toMs: number,
    stepMs: number,
  ): Promise<BurnSeriesResult> {
    const slo = slosFor(service, this.#slosConfig()).find((s) => s.name === name);
    if (slo === undefined) {
      throw new OpsError(
        'NOT_FOUND',
        `no SLO ${JSON.stringify(name)} for service ${JSON.stringify(service)}`,
      );
    }
    const pairs = policyPairsFor(
      policyFor(slo.window),
      sloWindowMs(slo.window),
      slo.window.kind === 'cycles' ? slo.window.cycleMs : undefined,
    );
    const windows = [...new Set(pairs.flatMap((p) => [p.shortMs, p.longMs]))].sort((a, b) => a - b);
    const longest = Math.max(...windows);
    const bucketMs = bucketMsOf(slo);
    const buckets =
      (await queryBuckets(this.#deps.store, slo.sli, bucketMs, fromMs - longest, toMs + 1)).get(
        service,
      ) ?? [];
    buckets.sort((a, b) => a.startMs - b.startMs);
    return {
      name,
      service,
      objective: slo.objective,
      windows: windows.map((windowMs) => ({
        windowMs,
        points: burnSeries(buckets, slo.objective, fromMs, toMs, stepMs, windowMs),
      })),
    };
  }

  // -------------------------------------------------------------------------------------------
  // Rules

  rules(): RuleView[] {
    return this.#rules().map(({ rule }) => {
      const api = this.#apiRules.get(rule.name);
      const source: DefinitionSource =
        api !== undefined ? 'api' : this.#configRuleNames.has(rule.name) ? 'config' : 'default';
      return { name: rule.name, kind: rule.kind, source, rule, ...(api ? { body: api.body } : {}) };
    });
  }

  rule(name: string): RuleView {
    const r = this.rules().find((x) => x.name === name);
    if (r === undefined)
      throw new OpsError('NOT_FOUND', `no alert rule named ${JSON.stringify(name)}`);
    return r;
  }

  /** Creates a rule; ALERTING_CONFLICT when a rule of that name exists. */
  async createRule(body: unknown): Promise<RuleView> {
    const parsed = this.#parseRule(body);
    if (this.#rules().some((r) => r.rule.name === parsed.rule.name)) {
      throw new OpsError(
        'ALERTING_CONFLICT',
        `an alert rule named ${JSON.stringify(parsed.rule.name)} exists; PUT /api/v1/rules/${parsed.rule.name} replaces it`,
      );
    }
    await this.#deps.state.collection<StoredBody>(RULES).put(parsed.rule.name, { body });
    this.#apiRules.set(parsed.rule.name, parsed);
    return this.rule(parsed.rule.name);
  }

  /** Creates or replaces the API rule `name` (overriding a default or config rule of that name). */
  async putRule(name: string, body: unknown): Promise<RuleView> {
    const withName = isObj(body) && body.name === undefined ? { ...body, name } : body;
    if (isObj(withName) && withName.name !== name) {
      throw invalid('name', `must equal the name in the URL, ${JSON.stringify(name)}`);
    }
    const parsed = this.#parseRule(withName);
    await this.#deps.state.collection<StoredBody>(RULES).put(name, { body: withName });
    this.#apiRules.set(name, parsed);
    return this.rule(name);
  }

  async deleteRule(name: string): Promise<void> {
    if (!this.#apiRules.has(name)) {
      this.rule(name); // NOT_FOUND when it does not exist at all
      throw new OpsError(
        'ALERTING_CONFLICT',
        `alert rule ${JSON.stringify(name)} is a default or from opsight.yaml; switch it off there with enabled: false`,
      );
    }
    await this.#deps.state.collection<StoredBody>(RULES).delete(name);
    this.#apiRules.delete(name);
  }

  // -------------------------------------------------------------------------------------------
  // SLOs

  /** Definitions in effect, each once (templates have no service). */
  sloDefinitions(): { definition: SloDefinition; source: DefinitionSource }[] {
    const cfg = this.#slosConfig();
    const out = new Map<string, { definition: SloDefinition; source: DefinitionSource }>();
    for (const d of defaultSlos())
      out.set(sloId(d.name, undefined), { definition: d, source: 'default' });
    for (const d of cfg.slos) {
      const id = sloId(d.name, d.service);
      out.set(id, { definition: d, source: this.#apiSlos.has(id) ? 'api' : 'config' });
    }
    for (const d of cfg.disabledSlos)
      if (d.service === undefined) out.delete(sloId(d.name, undefined));
    return [...out.values()];
  }

  async createSlo(body: unknown): Promise<SloDefinition> {
    const slo = parseSloBody(body);
    const id = sloId(slo.name, slo.service);
    const exists =
      this.#apiSlos.has(id) ||
      this.#configSloIds.has(id) ||
      (slo.service === undefined && defaultSlos().some((d) => d.name === slo.name));
    if (exists) {
      throw new OpsError(
        'ALERTING_CONFLICT',
        `an SLO named ${JSON.stringify(slo.name)}${slo.service ? ` for service ${slo.service}` : ''} exists; PUT /api/v1/slos/${slo.name} replaces it`,
      );
    }
    await this.#deps.state.collection<StoredBody>(SLOS).put(id, { body });
    this.#apiSlos.set(id, { body, slo });
    return slo;
  }

  async putSlo(name: string, body: unknown): Promise<SloDefinition> {
    const withName = isObj(body) && body.name === undefined ? { ...body, name } : body;
    if (isObj(withName) && withName.name !== name) {
      throw invalid('name', `must equal the name in the URL, ${JSON.stringify(name)}`);
    }
    const slo = parseSloBody(withName);
    const id = sloId(slo.name, slo.service);
    await this.#deps.state.collection<StoredBody>(SLOS).put(id, { body: withName });
    this.#apiSlos.set(id, { body: withName, slo });
    return slo;
  }

  async deleteSlo(name: string, service: string | undefined): Promise<void> {
    const id = sloId(name, service);
    if (!this.#apiSlos.has(id)) {
      const known = this.sloDefinitions().some(
        (d) => d.definition.name === name && d.definition.service === service,
      );
      if (!known) {
        throw new OpsError(
          'NOT_FOUND',
          `no SLO ${JSON.stringify(name)}${service ? ` for service ${service}` : ''}`,
        );
      }
      throw new OpsError(
        'ALERTING_CONFLICT',
        `SLO ${JSON.stringify(name)} is a default or from opsight.yaml; switch it off there with enabled: false`,
      );
    }
    await this.#deps.state.collection<StoredBody>(SLOS).delete(id);
    this.#apiSlos.delete(id);
    // Its statuses go now, not at the next evaluation.
    this.#slos = this.#slos.filter(
      (s) =>
        !(
          s.name === name &&
          s.source === 'api' &&
          (service === undefined || s.service === service)
        ),
    );
  }

  // -------------------------------------------------------------------------------------------
  // Silences

  silences(): SilenceView[] {
    const nowMs = this.#deps.clock.nowMs();
    return this.#silences(nowMs).map((s) => ({
      ...s,
      status: silenceStatus(s, nowMs),
      source: this.#apiSilences.has(s.id) ? 'api' : 'config',
    }));
  }

  /** Creates (or, with an existing `id`, replaces) a silence. */
  async createSilence(body: unknown): Promise<SilenceView> {
    const nowMs = this.#deps.clock.nowMs();
    const s = parseSilenceBody(body, nowMs);
    await this.#deps.state.collection<Silence>(SILENCES).put(s.id, s);
    this.#apiSilences.set(s.id, s);
    return { ...s, status: silenceStatus(s, nowMs), source: 'api' };
  }

  /** Ends a silence now; it stays listed as expired. */
  async expireSilence(id: string): Promise<SilenceView> {
    const nowMs = this.#deps.clock.nowMs();
    const current = this.#silences(nowMs).find((s) => s.id === id);
    if (current === undefined)
      throw new OpsError('NOT_FOUND', `no silence with id ${JSON.stringify(id)}`);
    const ended = expireSilence(current, nowMs);
    await this.#deps.state.collection<Silence>(SILENCES).put(id, ended);
    this.#apiSilences.set(id, ended);
    return { ...ended, status: silenceStatus(ended, nowMs), source: 'api' };
  }

  // -------------------------------------------------------------------------------------------

  /**
   * Sends another component's notification (incident events) through the same channels,
   * dispatcher and delivery log as alert notifications; resolves when every channel settled.
   * Without channels it does nothing.
   */
  async notify(notification: Notification): Promise<void> {
    if (this.#dispatcher === undefined || this.#closed) return;
    await this.#dispatcher.dispatch(notification);
  }

  /** Resolves when every notification handed to the dispatcher so far has settled. */
  async idle(): Promise<void> {
    await this.#running?.catch(() => undefined);
    await this.#dispatcher?.idle();
  }

  /** Stops the timer, waits for the running evaluation, closes the dispatcher. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    await this.#running?.catch(() => undefined);
    this.#anomalies.close();
    this.#listeners.clear();
    await this.#dispatcher?.close();
  }
}
