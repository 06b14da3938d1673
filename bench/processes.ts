/**
 * @module
 * Running the servers under test as separate processes: free ports, readiness with a deadline,
 * peak RSS from /proc, graceful stop, and bytes on disk.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface ServerProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly baseUrl: string;
  readonly logPath: string;
  /** Resolves with the exit code (or signal name) when the process ends. */
  readonly exited: Promise<number | string>;
}

export function startProcess(
  name: string,
  command: string,
  args: readonly string[],
  port: number,
  logPath: string,
  cwd?: string,
): ServerProcess {
  const log = createWriteStream(logPath);
  const child = spawn(command, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(cwd === undefined ? {} : { cwd }),
  });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      log.end();
      resolve(code ?? signal ?? 'unknown');
    });
  });
  return { name, child, baseUrl: `http://127.0.0.1:${port}`, logPath, exited };
}

/** Polls `path` until it answers 2xx, the process dies, or the deadline passes. */
export async function waitReady(
  server: ServerProcess,
  path: string,
  deadlineMs: number,
): Promise<void> {
  const until = Date.now() + deadlineMs;
  let dead = false;
  void server.exited.then(() => {
    dead = true;
  });
  let last = '';
  while (Date.now() < until) {
    if (dead) break;
    try {
      const res = await fetch(server.baseUrl + path);
      await res.arrayBuffer();
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      // Not listening yet: keep polling until the deadline.
      last = err instanceof Error ? err.message : String(err);
    }
    await delay(100);
  }
  const tail = await logTail(server.logPath);
  throw new Error(
    `${server.name} not ready at ${path} (${dead ? 'process exited' : `after ${deadlineMs} ms`}; last: ${last})\n${tail}`,
  );
}

export async function logTail(path: string, lines = 20): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).split('\n').slice(-lines).join('\n');
  } catch {
    // No log written yet: nothing to show.
    return '';
  }
}

/** Peak resident set size (VmHWM) of a live process, in bytes; null when /proc lacks it. */
export async function peakRssBytes(pid: number | undefined): Promise<number | null> {
  if (pid === undefined) return null;
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    // Not Linux, or the process is gone.
    return null;
  }
}

/** SIGTERM, then SIGKILL if it has not exited within `graceMs`. Returns how it ended. */
export async function stopProcess(server: ServerProcess, graceMs: number): Promise<string> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) {
    return `already exited (${server.child.exitCode ?? server.child.signalCode})`;
  }
  server.child.kill('SIGTERM');
  const timer = delay(graceMs).then(() => 'timeout' as const);
  const result = await Promise.race([server.exited, timer]);
  if (result === 'timeout') {
    server.child.kill('SIGKILL');
    await server.exited;
    return `killed after ${graceMs} ms without exiting on SIGTERM`;
  }
  return `exited ${result}`;
}

export interface DirUsage {
  /** Sum of file sizes (apparent bytes). */
  readonly bytes: number;
  /** Allocated blocks × 512 (what `du` reports). */
  readonly allocatedBytes: number;
  readonly files: number;
}

/** Recursive size of a directory; `filter` (a path relative to root) picks which files count. */
export async function dirUsage(
  root: string,
  filter?: (relPath: string) => boolean,
): Promise<DirUsage> {
  let bytes = 0;
  let allocatedBytes = 0;
  let files = 0;
  const walk = async (dir: string, rel: string): Promise<void> => {
    if (!existsSync(dir)) return;
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const relPath = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) await walk(path, relPath);
      else if (entry.isFile() && (filter === undefined || filter(relPath))) {
        const s = await stat(path);
        bytes += s.size;
        allocatedBytes += s.blocks * 512;
        files++;
      }
    }
  };
  await walk(root, '');
  return { bytes, allocatedBytes, files };
}

/** Bytes per top-level entry of a directory (to describe what an engine keeps where). */
export async function dirBreakdown(root: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  if (!existsSync(root)) return out;
  for (const entry of await readdir(root, { withFileTypes: true })) {
    const path = join(root, entry.name);
    out[entry.name] = entry.isDirectory() ? (await dirUsage(path)).bytes : (await stat(path)).size;
  }
  return out;
}
