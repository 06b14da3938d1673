/** @module `opsight start`: parse flags, hand them to the composition root, wait for a signal. */
import { Command, Option } from 'commander';
import { startPlatform } from '../app/index.ts';

interface StartFlags {
  host?: string;
  port?: string;
  dataDir?: string;
  demo?: boolean;
  detect?: boolean;
  config?: string;
  apiKeyFile?: string;
  logLevel?: string;
  retention?: string;
  demoSeed?: string;
  demoServices?: string;
  shop?: boolean;
  shopRate?: string;
  mqtt?: string;
  demoFleetVehicles?: string;
}

export function startCommand(): Command {
  return new Command('start')
    .description('Run the server, the dashboard and (unless --no-demo) the live demo simulator')
    .option('--host <address>', 'address to bind (non-loopback requires an API key)')
    .option('--port <n>', 'port to listen on (0 picks a free one)')
    .option('--data-dir <dir>', 'where the embedded store keeps its files (default ./data)')
    .option('--no-demo', 'do not stream the demo cloud-service simulator')
    .option('--no-detect', 'do not run the anomaly detectors on ingested series')
    .option('--config <file>', 'YAML configuration file (its `server:` section)')
    .option('--api-key-file <file>', 'file with API keys, one per line')
    .option('--retention <duration>', 'raw sample retention, e.g. 30d')
    .option('--demo-seed <n>', 'seed of the demo simulator')
    .option('--demo-services <n>', 'number of simulated services')
    .option('--no-shop', 'with the demo, do not run the demo shop (instrumented services + chaos)')
    .option('--shop-rate <n>', 'requests per second of the demo shop traffic (default 8)')
    .option('--mqtt <url>', 'take fleet readings from an MQTT broker (fleet/+/telemetry)')
    .option('--demo-fleet-vehicles <n>', 'vehicles of the demo fleet emulator (0: none)')
    .addOption(
      new Option('--log-level <level>', 'log level').choices([
        'fatal',
        'error',
        'warn',
        'info',
        'debug',
        'trace',
        'silent',
      ]),
    )
    .action(async (flags: StartFlags) => {
      const platform = await startPlatform({
        flags: {
          ...(flags.host === undefined ? {} : { host: flags.host }),
          ...(flags.port === undefined ? {} : { port: intFlag('--port', flags.port) }),
          ...(flags.dataDir === undefined ? {} : { dataDir: flags.dataDir }),
          // commander sets demo=true by default because of --no-demo; only pass an explicit "no".
          ...(flags.demo === false ? { demo: false } : {}),
          ...(flags.detect === false ? { detect: false } : {}),
          ...(flags.config === undefined ? {} : { config: flags.config }),
          ...(flags.apiKeyFile === undefined ? {} : { apiKeyFile: flags.apiKeyFile }),
          ...(flags.logLevel === undefined ? {} : { logLevel: flags.logLevel }),
          ...(flags.retention === undefined ? {} : { retention: flags.retention }),
          ...(flags.demoSeed === undefined
            ? {}
            : { demoSeed: intFlag('--demo-seed', flags.demoSeed) }),
          ...(flags.demoServices === undefined
            ? {}
            : { demoServices: intFlag('--demo-services', flags.demoServices) }),
          // As with --no-demo, commander defaults shop to true; pass only an explicit "no".
          ...(flags.shop === false ? { demoShop: false } : {}),
          ...(flags.shopRate === undefined
            ? {}
            : { demoShopRate: numberFlag('--shop-rate', flags.shopRate) }),
          ...(flags.mqtt === undefined ? {} : { mqtt: flags.mqtt }),
          ...(flags.demoFleetVehicles === undefined
            ? {}
            : { demoFleetVehicles: intFlag('--demo-fleet-vehicles', flags.demoFleetVehicles) }),
        },
        env: process.env,
      });
      process.stderr.write(
        `\n  opsight is running: dashboard ${platform.url}/  ·  API docs ${platform.url}/api/docs\n  press Ctrl+C to stop\n\n`,
      );
      await new Promise<void>((resolve) => {
        const stop = (signal: string): void => {
          process.off('SIGINT', onInt);
          process.off('SIGTERM', onTerm);
          platform.logger.info({ signal }, 'shutting down');
          platform.close().then(resolve, (err: unknown) => {
            platform.logger.error({ err }, 'shutdown failed');
            process.exitCode = 1;
            resolve();
          });
        };
        const onInt = (): void => stop('SIGINT');
        const onTerm = (): void => stop('SIGTERM');
        process.on('SIGINT', onInt);
        process.on('SIGTERM', onTerm);
      });
    });
}

function numberFlag(name: string, raw: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n)) {
    throw new Error(`${name} must be a number, got "${raw}"`);
  }
  return n;
}

function intFlag(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n)) throw new Error(`${name} must be an integer, got "${raw}"`);
  return n;
}
