import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { connection, diagnoseStream, LiveStream } from './live.ts';

/** A stand-in for the browser's EventSource: the test drives open, events and errors. */
class FakeEventSource {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  static all: FakeEventSource[] = [];
  readyState = FakeEventSource.CONNECTING;
  readonly url: string;
  readonly #listeners = new Map<string, ((ev: unknown) => void)[]>();
  constructor(url: string) {
    this.url = url;
    FakeEventSource.all.push(this);
  }
  addEventListener(type: string, fn: (ev: unknown) => void): void {
    this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), fn]);
  }
  close(): void {
    this.readyState = FakeEventSource.CLOSED;
  }
  emit(type: string, data?: string): void {
    if (type === 'open') this.readyState = FakeEventSource.OPEN;
    for (const fn of this.#listeners.get(type) ?? []) fn({ data });
  }
}

describe('LiveStream', () => {
  let answer: () => Promise<Response> = () => Promise.reject(new TypeError('connection refused'));
  beforeEach(() => {
    FakeEventSource.all = [];
    answer = () => Promise.reject(new TypeError('connection refused'));
    vi.useFakeTimers();
    vi.stubGlobal('EventSource', FakeEventSource);
    vi.stubGlobal('fetch', () => answer());
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('delivers parsed events of its name and reports live', () => {
    const got: unknown[] = [];
    const s = new LiveStream<{ n: number }>({
      url: '/x',
      event: 'update',
      onData: (d) => got.push(d),
    });
    expect(connection.getSummary()).toBe('connecting');
    const es = FakeEventSource.all[0] as FakeEventSource;
    es.emit('open');
    es.emit('update', '{"n":1}');
    es.emit('other', '{"n":2}');
    es.emit('update', 'not json');
    expect(got).toEqual([{ n: 1 }]);
    expect(connection.getSummary()).toBe('live');
    s.close();
    expect(connection.getSummary()).toBe('idle');
    expect(es.readyState).toBe(FakeEventSource.CLOSED);
  });

  it('passes problem events on and keeps going', () => {
    const problems: string[] = [];
    const s = new LiveStream({
      url: '/x',
      event: 'update',
      onData: () => {},
      onProblem: (m) => problems.push(m),
    });
    (FakeEventSource.all[0] as FakeEventSource).emit('problem', '{"title":"Bad","detail":"worse"}');
    expect(problems).toEqual(['Bad: worse']);
    s.close();
  });

  it('says reconnecting while the browser retries, live again on the next event', () => {
    const s = new LiveStream({ url: '/x', event: 'update', onData: () => {} });
    const es = FakeEventSource.all[0] as FakeEventSource;
    es.emit('open');
    es.emit('update', '{}');
    es.readyState = FakeEventSource.CONNECTING; // the browser is retrying on its own
    es.emit('error');
    expect(connection.getSummary()).toBe('reconnecting');
    vi.advanceTimersByTime(60_000);
    expect(FakeEventSource.all).toHaveLength(1); // no second source while the browser retries
    es.emit('update', '{}');
    expect(connection.getSummary()).toBe('live');
    s.close();
  });

  it('reopens with doubling backoff when the browser gives up', async () => {
    const s = new LiveStream({
      url: '/x',
      event: 'update',
      onData: () => {},
      minBackoffMs: 1_000,
      maxBackoffMs: 4_000,
    });
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const es = FakeEventSource.all.at(-1) as FakeEventSource;
      es.readyState = FakeEventSource.CLOSED;
      es.emit('error');
      await vi.advanceTimersByTimeAsync(0); // let the diagnosis settle
      const before = FakeEventSource.all.length;
      let waited = 0;
      while (FakeEventSource.all.length === before && waited < 100_000) {
        await vi.advanceTimersByTimeAsync(100);
        waited += 100;
      }
      delays.push(waited);
    }
    expect(delays).toEqual([1_000, 2_000, 4_000, 4_000]);
    s.close();
  });

  it('stops reopening once closed', async () => {
    const s = new LiveStream({ url: '/x', event: 'update', onData: () => {} });
    const es = FakeEventSource.all[0] as FakeEventSource;
    es.readyState = FakeEventSource.CLOSED;
    es.emit('error');
    s.close();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeEventSource.all).toHaveLength(1);
  });

  it("gives up with the server's reason when it refuses the request", async () => {
    answer = () =>
      Promise.resolve(
        new Response('{"title":"Invalid parameter","detail":"step: too many points"}', {
          status: 400,
        }),
      );
    const problems: string[] = [];
    new LiveStream({
      url: '/x',
      event: 'update',
      onData: () => {},
      onProblem: (m) => problems.push(m),
    });
    const es = FakeEventSource.all[0] as FakeEventSource;
    es.readyState = FakeEventSource.CLOSED;
    es.emit('error');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(problems).toEqual(['Invalid parameter: step: too many points']);
    expect(FakeEventSource.all).toHaveLength(1);
    // A refused stream is not a connection problem: the badge does not count it.
    expect(connection.getSummary()).toBe('idle');
  });

  it.each([
    { status: 500, kind: 'retry' },
    { status: 503, kind: 'retry' },
    { status: 429, kind: 'retry' },
    { status: 200, kind: 'retry' },
    { status: 404, kind: 'refused' },
  ])('diagnoses HTTP $status as $kind', async ({ status, kind }) => {
    answer = () => Promise.resolve(new Response(status === 200 ? '' : '{}', { status }));
    expect((await diagnoseStream('/x')).kind).toBe(kind);
  });
});

describe('LiveStream in a hidden tab', () => {
  class FakeDocument extends EventTarget {
    hidden = false;
  }
  let doc: FakeDocument;
  beforeEach(() => {
    FakeEventSource.all = [];
    doc = new FakeDocument();
    vi.stubGlobal('EventSource', FakeEventSource);
    vi.stubGlobal('document', doc);
  });
  afterEach(() => vi.unstubAllGlobals());

  it('lets go of its connection while hidden and reopens when shown', () => {
    const s = new LiveStream({ url: '/x', event: 'update', onData: () => {} });
    const first = FakeEventSource.all[0] as FakeEventSource;
    doc.hidden = true;
    doc.dispatchEvent(new Event('visibilitychange'));
    expect(first.readyState).toBe(FakeEventSource.CLOSED);
    expect(FakeEventSource.all).toHaveLength(1);
    doc.hidden = false;
    doc.dispatchEvent(new Event('visibilitychange'));
    expect(FakeEventSource.all).toHaveLength(2);
    s.close();
    doc.dispatchEvent(new Event('visibilitychange'));
    expect(FakeEventSource.all).toHaveLength(2);
  });

  it('does not open at all when created in a hidden tab', () => {
    doc.hidden = true;
    const s = new LiveStream({ url: '/x', event: 'update', onData: () => {} });
    expect(FakeEventSource.all).toHaveLength(0);
    s.close();
  });
});
