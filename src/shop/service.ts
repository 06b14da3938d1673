/**
 * @module
 * One instrumented shop service: a real `node:http` server on 127.0.0.1 (ephemeral port) whose
 * requests become OpenTelemetry server spans, and an HTTP client whose calls become client spans.
 * The W3C `traceparent` header carries the trace between services (inject on the client, extract
 * on the server), with explicit contexts: no global context manager is involved.
 *
 * Status rules (OTel HTTP semantic conventions): a server span is an error on 5xx only; a client
 * span is an error on 5xx, on a timeout and on a connection error. The conventions say a client
 * SHOULD mark 4xx as errors too; the shop leaves its expected business answers (409 out of stock,
 * 402 card declined) unset, so they do not count as failed calls in the service map.
 */
import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type AttributeValue,
  type Context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_FULL,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
} from '@opentelemetry/semantic-conventions';
import type { Logger } from 'pino';
import { normal, type Rng } from '../contract/index.ts';
import type { ShopChaos } from './chaos.ts';

/** `peer.service` (the logical name of the called service); still incubating in semconv. */
const ATTR_PEER_SERVICE = 'peer.service';
/** Requests that may hang at once under timeout faults, over all services. */
export const MAX_HUNG_REQUESTS = 10_000;
/** Largest request body a shop service reads. */
const MAX_BODY_BYTES = 64 * 1024;

const propagator = new W3CTraceContextPropagator();

/** An answer other than 200, thrown by a handler. 5xx are failures; 4xx are expected answers. */
export class HttpError extends Error {
  readonly status: number;

  constructor(status: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = status >= 500 ? 'ServerError' : 'HttpError';
    this.status = status;
  }
}

/** A call that got no answer in time. The message contains `timeout` (RED counts it as one). */
export class CallTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TimeoutError';
  }
}

/** A fault injected by chaos (`POST /simulate/error`). */
export class InjectedFaultError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InjectedFaultError';
  }
}

export interface CallOptions {
  readonly query?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  /** Give up after this long, ms (default: the service's call timeout). */
  readonly timeoutMs?: number;
  /** Extra client-span attributes (e.g. db.* for database calls). */
  readonly attributes?: Readonly<Record<string, AttributeValue>>;
}

export interface CallResult {
  readonly status: number;
  readonly body: unknown;
}

/** What a handler sees of its request. */
export interface RequestContext {
  readonly service: string;
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly body: unknown;
  readonly rng: Rng;
  /** Adds an attribute to the server span. */
  setAttribute(key: string, value: AttributeValue): void;
  /** The service's own work: waits a log-normal time around `medianMs`. */
  work(medianMs: number, sigma: number): Promise<void>;
  /**
   * Calls another service, as a child client span. 2xx and 4xx answers are returned; a 5xx
   * answer throws HttpError(502, or 504 when the callee timed out); no answer in time or a
   * broken connection throws HttpError(504 / 502) after recording the exception on the span.
   */
  call(service: string, method: 'GET' | 'POST', path: string, o?: CallOptions): Promise<CallResult>;
}

/** Returns the 200 answer's body, or throws HttpError. */
export type Handler = (ctx: RequestContext) => Promise<unknown>;

export interface ServiceDefinition {
  readonly name: string;
  /** Keyed `METHOD /path`. */
  readonly handlers: Readonly<Record<string, Handler>>;
}

export interface ServiceDeps {
  readonly tracer: Tracer;
  readonly chaos: ShopChaos;
  readonly rng: Rng;
  readonly logger: Logger;
  /** Base URL of another service (`http://127.0.0.1:port`). */
  readonly urlOf: (service: string) => string;
  /** Default timeout of outgoing calls, ms. */
  readonly callTimeoutMs: number;
}

/** `median * e^(sigma z)`, z standard normal, capped at `median * e^(4 sigma)`. */
export function logNormalMs(rng: Rng, medianMs: number, sigma: number): number {
  const z = Math.min(4, normal(rng));
  return medianMs * Math.exp(sigma * z);
}

export class ShopService {
  readonly name: string;
  readonly #def: ServiceDefinition;
  readonly #deps: ServiceDeps;
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 64 });
  readonly #server = createServer({ keepAliveTimeout: 5_000 }, (req, res) => {
    this.#handle(req, res).catch((err: unknown) => {
      // #handle answers every failure itself; reaching here is a bug in it. Keep serving.
      this.#deps.logger.error({ err, service: this.name }, 'shop request handling failed');
      if (!res.headersSent && !res.destroyed) res.writeHead(500).end();
    });
  });
  #url = '';

  constructor(def: ServiceDefinition, deps: ServiceDeps) {
    this.name = def.name;
    this.#def = def;
    this.#deps = deps;
  }

  get url(): string {
    return this.#url;
  }

  /** Listens on 127.0.0.1 with an ephemeral port; resolves to the base URL. */
  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(0, '127.0.0.1', () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    const { port } = this.#server.address() as AddressInfo;
    this.#url = `http://127.0.0.1:${port}`;
    return this.#url;
  }

  /** Stops accepting, drops open connections (hung requests included) and outgoing sockets. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    this.#agent.destroy();
    await closed;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://shop.invalid');
    const path = url.pathname;
    if (path === '/health') {
      // Probes are not traced, as most instrumentations exclude them.
      send(res, 200, { status: 'ok', service: this.name });
      return;
    }
    const handler = this.#def.handlers[`${method} ${path}`];
    if (handler === undefined) {
      send(res, 404, { error: `no route ${method} ${path}` });
      return;
    }
    if (
      this.#deps.chaos.effect(this.name, path).hang &&
      this.#deps.chaos.hungCount() >= MAX_HUNG_REQUESTS
    ) {
      // Bounded memory under a long timeout fault: past the cap, refuse like an overloaded
      // server that stopped accepting (no span: nothing was served).
      req.socket.destroy();
      return;
    }
    const tracer = this.#deps.tracer;
    const parent = propagator.extract(ROOT_CONTEXT, req.headers, defaultTextMapGetter);
    const { port } = this.#server.address() as AddressInfo;
    const span = tracer.startSpan(
      `${method} ${path}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          [ATTR_HTTP_REQUEST_METHOD]: method,
          [ATTR_HTTP_ROUTE]: path,
          [ATTR_URL_PATH]: path,
          [ATTR_URL_SCHEME]: 'http',
          [ATTR_SERVER_ADDRESS]: '127.0.0.1',
          [ATTR_SERVER_PORT]: port,
        },
      },
      parent,
    );
    const spanContext = trace.setSpan(parent, span);
    let clientGone = false;
    res.on('close', () => {
      if (!res.writableFinished) clientGone = true;
    });

    let status = 200;
    let answer: unknown;
    try {
      const body = await readJsonBody(req);
      const chaos = this.#deps.chaos;
      const effect = chaos.effect(this.name, path);
      if (effect.hang) {
        await chaos.waitWhileHung(this.name, path);
        if (clientGone) {
          // The caller gave up while this request hung; nobody is left to answer.
          span.setAttribute(ATTR_ERROR_TYPE, 'client_closed');
          span.setStatus({
            code: SpanStatusCode.ERROR,
            message: 'the client closed the connection while the request hung',
          });
          span.end();
          return;
        }
      }
      if (effect.delayMs > 0) await sleep(effect.delayMs);
      if (effect.errorRate > 0 && this.#deps.rng.next() < effect.errorRate) {
        throw new InjectedFaultError(
          `${this.name} ${path} failed: injected fault (error rate ${effect.errorRate})`,
        );
      }
      answer = await handler(
        this.#context(method, path, url.searchParams, body, span, spanContext),
      );
    } catch (err) {
      status = err instanceof HttpError ? err.status : 500;
      const message = err instanceof Error ? err.message : String(err);
      answer = { error: message };
      if (status >= 500) {
        span.recordException(err instanceof Error ? err : new Error(message));
        span.setStatus({ code: SpanStatusCode.ERROR, message });
        span.setAttribute(ATTR_ERROR_TYPE, err instanceof Error ? err.name : String(status));
      }
    }
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
    span.end();
    if (!res.destroyed) send(res, status, answer);
  }

  #context(
    method: string,
    path: string,
    query: URLSearchParams,
    body: unknown,
    span: Span,
    spanContext: Context,
  ): RequestContext {
    const rng = this.#deps.rng;
    return {
      service: this.name,
      method,
      path,
      query,
      body,
      rng,
      setAttribute: (key, value) => {
        span.setAttribute(key, value);
      },
      work: async (medianMs, sigma) => {
        await sleep(logNormalMs(rng, medianMs, sigma));
      },
      call: (service, callMethod, callPath, o = {}) =>
        this.#call(spanContext, service, callMethod, callPath, o),
    };
  }

  async #call(
    parent: Context,
    service: string,
    method: 'GET' | 'POST',
    path: string,
    o: CallOptions,
  ): Promise<CallResult> {
    const url = new URL(path, this.#deps.urlOf(service));
    for (const [k, v] of Object.entries(o.query ?? {})) url.searchParams.set(k, v);
    const timeoutMs = o.timeoutMs ?? this.#deps.callTimeoutMs;
    const span = this.#deps.tracer.startSpan(
      `${method} ${path}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          [ATTR_HTTP_REQUEST_METHOD]: method,
          [ATTR_SERVER_ADDRESS]: url.hostname,
          [ATTR_SERVER_PORT]: Number(url.port),
          [ATTR_URL_FULL]: url.href,
          [ATTR_URL_PATH]: path,
          'url.template': path,
          [ATTR_PEER_SERVICE]: service,
          ...o.attributes,
        },
      },
      parent,
    );
    const headers: Record<string, string> = { accept: 'application/json' };
    propagator.inject(trace.setSpan(parent, span), headers, defaultTextMapSetter);
    const text = o.body === undefined ? undefined : JSON.stringify(o.body);
    if (text !== undefined) headers['content-type'] = 'application/json';
    try {
      const res = await httpCall(url, method, headers, text, timeoutMs, this.#agent, service);
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, res.status);
      if (res.status >= 500) {
        const upstream = errorText(res.body);
        const timedOut = res.status === 504;
        const message = `${timedOut ? 'timeout: ' : ''}${service} ${path} answered ${res.status}${upstream === '' ? '' : `: ${upstream}`}`;
        span.setAttribute(ATTR_ERROR_TYPE, String(res.status));
        span.setStatus({ code: SpanStatusCode.ERROR, message });
        throw new HttpError(timedOut ? 504 : 502, message);
      }
      return res;
    } catch (err) {
      if (err instanceof HttpError) throw err;
      const e = err instanceof Error ? err : new Error(String(err));
      span.recordException(e);
      span.setStatus({ code: SpanStatusCode.ERROR, message: e.message });
      const timedOut = e instanceof CallTimeoutError;
      span.setAttribute(ATTR_ERROR_TYPE, timedOut ? 'timeout' : e.name);
      throw new HttpError(timedOut ? 504 : 502, e.message, { cause: e });
    } finally {
      span.end();
    }
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body ?? null);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function errorText(body: unknown): string {
  if (typeof body === 'object' && body !== null && 'error' in body) {
    const e = (body as { error: unknown }).error;
    if (typeof e === 'string') return e;
  }
  return '';
}

async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `body exceeds ${MAX_BODY_BYTES} bytes`);
    chunks.push(buf);
  }
  if (size === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'body is not valid JSON');
  }
}

/** One HTTP exchange with a deadline on the whole of it (connect, answer and body). */
function httpCall(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  timeoutMs: number,
  agent: Agent,
  service: string,
): Promise<CallResult> {
  return new Promise<CallResult>((resolve, reject) => {
    const req = request(url, { method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      res.on('close', () => {
        // Closed before its end: the answer was cut off (reject is a no-op once settled).
        clearTimeout(timer);
        if (!res.complete)
          reject(new Error(`${service} ${url.pathname}: connection closed mid-answer`));
      });
      res.on('end', () => {
        clearTimeout(timer);
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = text === '' ? undefined : JSON.parse(text);
        } catch {
          // Not JSON: keep the text as the body.
        }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
    });
    const timer = setTimeout(() => {
      req.destroy(
        new CallTimeoutError(
          `timeout: ${service} ${method} ${url.pathname} did not answer within ${timeoutMs} ms`,
        ),
      );
    }, timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    if (body !== undefined) req.setHeader('content-length', Buffer.byteLength(body));
    req.end(body);
  });
}
