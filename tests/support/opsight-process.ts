/**
 * Starts the real `opsight` CLI (built into dist/ by the test command) as a child process and
 * waits, with a deadline, for its "opsight listening" log line. Used by integration and browser
 * tests; nothing here sleeps for a fixed time.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface OpsightProcess {
  readonly url: string;
  readonly dataDir: string;
  readonly child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM and wait for exit; resolves to the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
}

export function tempDataDir(prefix = 'opsight-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function startOpsight(
  options: {
    dataDir?: string;
    args?: readonly string[];
    env?: Record<string, string>;
    timeoutMs?: number;
  } = {},
): Promise<OpsightProcess> {
  const dataDir = options.dataDir ?? tempDataDir();
  const args = [
    'bin/opsight',
    'start',
    '--port',
    '0',
    '--data-dir',
    dataDir,
    ...(options.args ?? []),
  ];
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString('utf8');
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString('utf8');
  });
  const exited = once(child, 'exit');
  const url = await new Promise<string>((resolve, reject) => {
    const deadline = setTimeout(() => {
      reject(new Error(`opsight did not start within ${options.timeoutMs ?? 30_000} ms:\n${out}`));
    }, options.timeoutMs ?? 30_000);
    const check = (): void => {
      const m =
        /"msg":"opsight listening"[^\n]*"url":"([^"]+)"|"url":"([^"]+)"[^\n]*"msg":"opsight listening"/.exec(
          out,
        );
      if (m) {
        clearTimeout(deadline);
        resolve((m[1] ?? m[2]) as string);
      }
    };
    child.stdout?.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(deadline);
      reject(new Error(`opsight exited with ${code} before listening:\n${out}`));
    });
  });
  return {
    url,
    dataDir,
    child,
    output: () => out,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      return code;
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}
