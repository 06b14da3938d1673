/**
 * @module
 * Concurrent ingest clients. Each client owns its pre-encoded bodies and one keep-alive socket
 * (nothing shared between clients) and sends its requests one after another, in time order.
 * The clock runs from the moment all clients start until the last response arrives.
 */
import { Agent, request } from 'node:http';

export interface ClientRequests {
  readonly bodies: readonly Uint8Array[];
  /** Samples carried by each body (same index). */
  readonly samples: readonly number[];
}

export interface LoadResult {
  readonly elapsedMs: number;
  readonly requests: number;
  /** Samples in requests the server answered with 2xx. */
  readonly acceptedSamples: number;
  readonly failedRequests: number;
  readonly rejectedSamples: number;
  /** The first failure, for the report (status and the start of the body). */
  readonly firstError: string | null;
}

interface Reply {
  readonly status: number;
  readonly body: string;
}

function post(
  agent: Agent,
  url: URL,
  headers: Record<string, string>,
  body: Uint8Array,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { ...headers, 'content-length': String(body.byteLength) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export async function runClients(
  url: URL,
  headers: Record<string, string>,
  clients: readonly ClientRequests[],
): Promise<LoadResult> {
  let acceptedSamples = 0;
  let rejectedSamples = 0;
  let failedRequests = 0;
  let requests = 0;
  let firstError: string | null = null;
  const agents = clients.map(() => new Agent({ keepAlive: true, maxSockets: 1 }));
  const started = performance.now();
  await Promise.all(
    clients.map(async (client, c) => {
      const agent = agents[c] as Agent;
      for (let k = 0; k < client.bodies.length; k++) {
        const samples = client.samples[k] ?? 0;
        requests++;
        let reply: Reply;
        try {
          reply = await post(agent, url, headers, client.bodies[k] as Uint8Array);
        } catch (err) {
          reply = { status: 0, body: err instanceof Error ? err.message : String(err) };
        }
        if (reply.status >= 200 && reply.status < 300) {
          acceptedSamples += samples;
        } else {
          failedRequests++;
          rejectedSamples += samples;
          firstError ??= `HTTP ${reply.status}: ${reply.body.slice(0, 300)}`;
        }
      }
    }),
  );
  const elapsedMs = performance.now() - started;
  for (const a of agents) a.destroy();
  return { elapsedMs, requests, acceptedSamples, failedRequests, rejectedSamples, firstError };
}
