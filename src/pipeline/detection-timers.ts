/**
 * @module
 * The two periodic jobs of a detection runtime, inline (DetectionWorker) or threaded
 * (DetectionThread): the silence check and the state snapshot. One place starts them, so both
 * runtimes skip a check that is still running and log a failed one the same way.
 */

export interface DetectionJobs {
  checkSilence(): unknown;
  snapshot(): Promise<unknown>;
}

/** Starts the timers (unref'd, so they never keep the process alive); returns them for clearInterval. */
export function startDetectionTimers(
  options: {
    readonly checkIntervalMs: number;
    readonly snapshotIntervalMs: number;
    readonly stateDir: string | undefined;
  },
  jobs: DetectionJobs,
  logger: { error(obj: object, msg?: string): void } | undefined,
): NodeJS.Timeout[] {
  const timers: NodeJS.Timeout[] = [];
  if (options.checkIntervalMs > 0) {
    let checking = false;
    const t = setInterval(() => {
      if (checking) return;
      checking = true;
      Promise.resolve()
        .then(() => jobs.checkSilence())
        .catch((err: unknown) => logger?.error({ err }, 'detection: silence check failed'))
        .finally(() => {
          checking = false;
        });
    }, options.checkIntervalMs);
    t.unref();
    timers.push(t);
  }
  if (options.snapshotIntervalMs > 0 && options.stateDir !== undefined) {
    const t = setInterval(() => {
      jobs
        .snapshot()
        .catch((err: unknown) => logger?.error({ err }, 'detection: state snapshot failed'));
    }, options.snapshotIntervalMs);
    t.unref();
    timers.push(t);
  }
  return timers;
}
