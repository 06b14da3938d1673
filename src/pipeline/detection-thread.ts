/**
 * @module
 * Entry of the detection worker thread (node:worker_threads): the same DetectionWorker that
 * runs inline, fed by messages instead of the bus. It scores, and posts back per batch the
 * derived samples (which the main thread appends to the store), the anomalies and the latest
 * estimate of each series it scored. State snapshots are written from here.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Anomaly, Labels, SampleBatch } from '../contract/index.ts';
import type {
  AddedSeries,
  FromThread,
  KeyedSeriesRef,
  ThreadInit,
  ToThread,
} from './detection-protocol.ts';
import { type DetectionLogger, DetectionWorker, type KeyedSeries } from './detection-worker.ts';

const port = parentPort;
if (port === null) throw new Error('detection-thread.ts must run in a worker thread');
const init = workerData as ThreadInit;

let nowMs = init.nowMs;
const post = (m: FromThread, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);
const log =
  (level: 'info' | 'warn' | 'error') =>
  (obj: object, msg?: string): void => {
    // Errors do not survive a structured clone as themselves; send their message.
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) o[k] = v instanceof Error ? v.message : v;
    post({ type: 'log', level, obj: o, msg: msg ?? '' });
  };
const logger: DetectionLogger = { info: log('info'), warn: log('warn'), error: log('error') };

let derived: SampleBatch[] = [];
const worker = new DetectionWorker(
  {
    store: {
      append(batch) {
        derived.push(batch);
        return Promise.resolve({ samples: 0, newSeries: 0 });
      },
    },
    clock: { nowMs: () => nowMs },
    logger,
  },
  {
    stateDir: init.stateDir,
    bandStepMs: init.bandStepMs,
    seriesPerFile: init.seriesPerFile,
    maxDerivedSeriesPerMetric: init.maxDerivedSeriesPerMetric,
    // The main thread owns the series table and evicts; it tells us with `dropped`.
    maxSeries: Number.MAX_SAFE_INTEGER,
    checkIntervalMs: 0,
    snapshotIntervalMs: 0,
  },
);
let anomalies: Anomaly[] = [];
worker.onAnomaly((a) => anomalies.push(a));

/** Series known to this thread, by the main thread's id. */
const series: (KeyedSeriesRef | undefined)[] = [];

function flush(batch: boolean, samples: number, scoredIds: readonly number[]): void {
  const estIds: number[] = [];
  const est: number[] = [];
  const estDetectors: string[] = [];
  for (const id of scoredIds) {
    const ref = series[id];
    const e = ref === undefined ? undefined : worker.estimateOf(ref.key);
    if (e === undefined) continue;
    estIds.push(id);
    est.push(e.timestampMs, e.value, e.score, e.isAnomaly ? 1 : 0, e.expected, e.lower, e.upper);
    estDetectors.push(e.detector);
  }
  const estArr = new Float64Array(est);
  const idArr = new Uint32Array(estIds);
  const d = derived.length === 0 ? undefined : derived.length === 1 ? derived[0] : derived.flat();
  const s = worker.stats();
  post(
    {
      type: 'scored',
      batch,
      samples,
      derived: d,
      anomalies,
      estIds: idArr,
      est: estArr,
      estDetectors,
      stats: {
        samplesScored: s.samplesScored,
        samplesSkipped: s.samplesSkipped,
        anomalies: s.anomalies,
      },
    },
    [idArr.buffer, estArr.buffer],
  );
  derived = [];
  anomalies = [];
}

function register(added: readonly AddedSeries[], dropped: readonly number[]): void {
  for (const id of dropped) {
    const ref = series[id];
    if (ref !== undefined) worker.drop(ref.key);
    series[id] = undefined;
  }
  for (const [id, key, metric, labels] of added) series[id] = { key, metric, labels };
}

async function onBatch(m: Extract<ToThread, { type: 'batch' }>): Promise<void> {
  register(m.added, m.dropped);
  if (Atomics.load(init.stop, 0) === 1) {
    flush(true, m.samples, []);
    return;
  }
  const items: KeyedSeries[] = [];
  const ids: number[] = [];
  let off = 0;
  for (let i = 0; i < m.index.length; i += 2) {
    const id = m.index[i] as number;
    const n = m.index[i + 1] as number;
    const ref = series[id];
    if (ref !== undefined) {
      items.push({
        key: ref.key,
        metric: ref.metric,
        labels: ref.labels,
        timestampsMs: m.data.subarray(off, off + n),
        values: m.data.subarray(off + n, off + 2 * n),
      });
      ids.push(id);
    }
    off += 2 * n;
  }
  nowMs = Math.max(nowMs, m.arrivalMs);
  await worker.scoreKeyed(items, m.arrivalMs);
  flush(true, m.samples, ids);
}

async function handle(m: ToThread): Promise<void> {
  switch (m.type) {
    case 'batch':
      return onBatch(m);
    case 'check':
      nowMs = m.nowMs;
      await worker.checkSilence();
      if (derived.length > 0 || anomalies.length > 0) flush(false, 0, []);
      post({ type: 'done', req: m.req });
      return;
    case 'snapshot':
      nowMs = m.nowMs;
      await worker.snapshot();
      post({ type: 'done', req: m.req });
      return;
    case 'sync':
      post({ type: 'done', req: m.req });
      return;
    case 'close':
      nowMs = m.nowMs;
      await worker.close();
      post({ type: 'done', req: m.req });
      return;
  }
}

const restoring = worker.restoreState().then(() => {
  const restored: (readonly [string, string, Labels])[] = [];
  for (const t of worker.trackedSeries()) {
    series.push({ key: t.key, metric: t.metric, labels: t.labels });
    restored.push([t.key, t.metric, t.labels]);
  }
  post({ type: 'ready', restored });
});

// Messages are handled strictly one after another, so per-series order is the arrival order.
let chain: Promise<void> = restoring;
port.on('message', (m: ToThread) => {
  chain = chain.then(
    () => handle(m),
    () => handle(m),
  );
  chain.catch((err: unknown) => {
    logger.error({ err }, 'detection thread: message failed');
    if ('req' in m) post({ type: 'done', req: m.req, error: String(err) });
  });
});
