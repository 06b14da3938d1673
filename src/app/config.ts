/**
 * @module
 * Configuration is parsed once, here, with a schema: flags > environment > file > defaults.
 * A bad key or value stops startup and names the key. No other module reads the environment.
 */
import { readFileSync } from 'node:fs';
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { ALERTING_SECTIONS } from '../alerting/index.ts';
import { OpsError } from '../contract/index.ts';
import { INCIDENTS_SECTION } from '../incidents/index.ts';

export const ConfigSchema = Type.Object(
  {
    host: Type.String({
      minLength: 1,
      description: 'Address to bind; loopback unless API keys are set.',
    }),
    port: Type.Integer({ minimum: 0, maximum: 65535 }),
    dataDir: Type.String({ minLength: 1 }),
    retention: Type.String({
      pattern: '^[0-9]+(ms|s|m|h|d|w)$',
      description: 'Raw sample retention, e.g. 30d.',
    }),
    demo: Type.Boolean({ description: 'Stream the cloud-service simulator into the store.' }),
    demoSeed: Type.Integer(),
    demoServices: Type.Integer({ minimum: 1, maximum: 50 }),
    demoInterval: Type.String({ pattern: '^[0-9]+(ms|s|m|h)$' }),
    demoBackfill: Type.String({ pattern: '^[0-9]+(ms|s|m|h|d)$' }),
    demoShop: Type.Boolean({
      description:
        'With the demo on, also run the demo shop: instrumented HTTP services exporting OTLP traces to this server, with chaos routes.',
    }),
    demoShopRate: Type.Number({
      minimum: 0,
      maximum: 200,
      description: 'Mean requests per second of the demo shop traffic (0: none).',
    }),
    demoPipeline: Type.Boolean({
      description:
        'With the demo on, also run the data-pipeline simulator (ingest → validate → enrich → store), one cycle a second.',
    }),
    reviewRate: Type.Number({
      minimum: 0.005,
      maximum: 0.02,
      description:
        'Share of events (pipeline events, fleet readings, anomalies) sampled for human review: 0.005..0.02.',
    }),
    reviewSeed: Type.Integer({ description: 'Seed of the review sampling hash.' }),
    demoFleetVehicles: Type.Integer({
      minimum: 0,
      maximum: 10_000,
      description:
        'With the demo on, vehicles of the fleet emulator streaming into POST /telemetry once a second (0: none).',
    }),
    mqtt: Type.Optional(
      Type.String({
        pattern: '^(mqtt|mqtts|tcp|ssl|tls|ws|wss)://',
        description:
          'MQTT broker to take fleet readings from (topic fleet/+/telemetry), e.g. mqtt://127.0.0.1:1883.',
      }),
    ),
    logLevel: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    ),
    apiKeys: Type.Array(Type.String({ minLength: 16 }), {
      description: 'Admin API keys (>= 16 characters).',
    }),
    maxBodyBytes: Type.Integer({ minimum: 1024 }),
    maxSeriesPerMetric: Type.Integer({ minimum: 1 }),
    webRoot: Type.Optional(Type.String()),
    alertingInterval: Type.String({
      pattern: '^[0-9]+(ms|s|m|h)$',
      description: 'Period of SLO and alert rule evaluation, e.g. 15s.',
    }),
    detect: Type.Boolean({
      description: 'Score every ingested series with the default detectors (in a worker thread).',
    }),
    detectMaxSeries: Type.Integer({
      minimum: 1,
      description: 'Most series detection tracks; the least recently updated are evicted.',
    }),
    detectBandStep: Type.String({
      pattern: '^[0-9]+(ms|s|m|h)$',
      description: 'At most one stored baseline-band point per series per this much event time.',
    }),
    detectMaxQueuedSamples: Type.Integer({
      minimum: 1,
      description:
        'Samples waiting for the detection thread, at most; beyond, they are not scored.',
    }),
  },
  { additionalProperties: false },
);
export type Config = Static<typeof ConfigSchema>;

export function defaultConfig(): Config {
  return {
    host: '127.0.0.1',
    port: 8080,
    dataDir: './data',
    retention: '30d',
    demo: true,
    demoSeed: 42,
    demoServices: 5,
    demoInterval: '5s',
    demoBackfill: '6h',
    demoShop: true,
    demoShopRate: 8,
    demoPipeline: true,
    reviewRate: 0.01,
    reviewSeed: 1,
    demoFleetVehicles: 12,
    logLevel: 'info',
    apiKeys: [],
    maxBodyBytes: 16 * 1024 * 1024,
    maxSeriesPerMetric: 10_000,
    alertingInterval: '15s',
    detect: true,
    detectMaxSeries: 20_000,
    detectBandStep: '5m',
    detectMaxQueuedSamples: 1_000_000,
  };
}

/** Environment variables, each mapped to one key. OPSIGHT_API_KEY_FILE reads keys from a file. */
const ENV_KEYS: Record<string, keyof Config> = {
  OPSIGHT_HOST: 'host',
  OPSIGHT_PORT: 'port',
  OPSIGHT_DATA_DIR: 'dataDir',
  OPSIGHT_RETENTION: 'retention',
  OPSIGHT_DEMO: 'demo',
  OPSIGHT_DEMO_SHOP: 'demoShop',
  OPSIGHT_DEMO_PIPELINE: 'demoPipeline',
  OPSIGHT_REVIEW_RATE: 'reviewRate',
  OPSIGHT_DEMO_FLEET_VEHICLES: 'demoFleetVehicles',
  OPSIGHT_MQTT: 'mqtt',
  OPSIGHT_DETECT: 'detect',
  OPSIGHT_LOG_LEVEL: 'logLevel',
  OPSIGHT_MAX_BODY_BYTES: 'maxBodyBytes',
};

export interface ConfigSources {
  /** Parsed command-line flags (only the ones the user gave). */
  readonly flags: Partial<Record<keyof Config, unknown>> & {
    readonly apiKeyFile?: string;
    readonly config?: string;
  };
  readonly env: Readonly<Record<string, string | undefined>>;
}

export function loadConfig({ flags, env }: ConfigSources): Config {
  const merged: Record<string, unknown> = { ...defaultConfig() };
  const filePath = flags.config ?? env.OPSIGHT_CONFIG;
  if (filePath !== undefined) Object.assign(merged, readConfigFile(filePath));
  for (const [name, key] of Object.entries(ENV_KEYS)) {
    const raw = env[name];
    if (raw !== undefined && raw !== '') merged[key] = coerce(key, raw, name);
  }
  const keys: string[] = [];
  if (env.OPSIGHT_API_KEY) keys.push(env.OPSIGHT_API_KEY.trim());
  const keyFile = flags.apiKeyFile ?? env.OPSIGHT_API_KEY_FILE;
  if (keyFile !== undefined) keys.push(...readKeyFile(keyFile));
  for (const [k, v] of Object.entries(flags)) {
    if (k === 'apiKeyFile' || k === 'config' || v === undefined) continue;
    merged[k] = v;
  }
  if (keys.length > 0) merged.apiKeys = [...(merged.apiKeys as string[]), ...keys];
  return validate(merged);
}

function validate(candidate: Record<string, unknown>): Config {
  for (const key of Object.keys(candidate)) {
    if (!(key in ConfigSchema.properties)) {
      throw new OpsError('CONFIG_INVALID', `unknown configuration key "${key}"`, {
        items: [{ field: key, reason: 'not a configuration key' }],
      });
    }
  }
  const errors = [...Value.Errors(ConfigSchema, candidate)];
  if (errors.length > 0) {
    const items = errors.map((e) => ({
      field: e.path.replace(/^\//, '').replace(/\//g, '.') || '(root)',
      reason: `${e.message}, got ${JSON.stringify(e.value)}`,
    }));
    const first = items[0];
    throw new OpsError(
      'CONFIG_INVALID',
      `invalid configuration: ${first?.field}: ${first?.reason}`,
      { items },
    );
  }
  return candidate as Config;
}

function coerce(key: keyof Config, raw: string, source: string): unknown {
  const kind = ConfigSchema.properties[key];
  if ('type' in kind && (kind.type === 'integer' || kind.type === 'number')) {
    const n = Number(raw);
    if (!Number.isFinite(n)) {
      throw new OpsError('CONFIG_INVALID', `${source} must be a number, got "${raw}"`, {
        items: [{ field: source, reason: 'not a number' }],
      });
    }
    return n;
  }
  if ('type' in kind && kind.type === 'boolean') {
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    throw new OpsError('CONFIG_INVALID', `${source} must be true or false, got "${raw}"`, {
      items: [{ field: source, reason: 'not a boolean' }],
    });
  }
  return raw;
}

/** Top-level sections of opsight.yaml: this module's `server`, alerting's and notify's. */
const FILE_SECTIONS: readonly string[] = [
  'server',
  ...ALERTING_SECTIONS,
  'notifications',
  INCIDENTS_SECTION,
];

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new OpsError('CONFIG_INVALID', `cannot read configuration file ${path}`, { cause: err });
  }
  const doc: unknown = parseYaml(text);
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new OpsError('CONFIG_INVALID', `configuration file ${path} must hold a mapping`);
  }
  // `server` is read here; the other sections belong to alerting and notify, which parse them
  // (readFileSections). A top-level key that is none of them is a typo: stop and name it.
  const unknown = Object.keys(doc).filter((k) => !FILE_SECTIONS.includes(k));
  if (unknown.length > 0) {
    throw new OpsError(
      'CONFIG_INVALID',
      `unknown section "${unknown[0]}" in ${path}; the sections are ${FILE_SECTIONS.join(', ')}`,
      { items: unknown.map((k) => ({ field: k, reason: 'not a configuration section' })) },
    );
  }
  const server = (doc as Record<string, unknown>).server;
  if (server === undefined) return {};
  if (typeof server !== 'object' || server === null || Array.isArray(server)) {
    throw new OpsError('CONFIG_INVALID', `"server" in ${path} must be a mapping`);
  }
  return server as Record<string, unknown>;
}

/**
 * The named top-level sections of the configuration file (e.g. `rules`, `slos`,
 * `notifications`), unparsed: their owners parse them. Empty without a file.
 */
export function readFileSections(
  { flags, env }: ConfigSources,
  names: readonly string[],
): Record<string, unknown> {
  const path = flags.config ?? env.OPSIGHT_CONFIG;
  if (path === undefined) return {};
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new OpsError('CONFIG_INVALID', `cannot read configuration file ${path}`, { cause: err });
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return {};
  const out: Record<string, unknown> = {};
  for (const n of names) {
    const v = (doc as Record<string, unknown>)[n];
    if (v !== undefined) out[n] = v;
  }
  return out;
}

function readKeyFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new OpsError('CONFIG_INVALID', `cannot read API key file ${path}`, { cause: err });
  }
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** `30d` → 2 592 000 000. The schema has already checked the shape. */
export function durationMs(text: string): number {
  const m = /^([0-9]+)(ms|s|m|h|d|w)$/.exec(text);
  if (m === null) throw new OpsError('CONFIG_INVALID', `not a duration: "${text}"`);
  return Number(m[1]) * (UNIT_MS[m[2] as string] as number);
}

/** Loopback addresses need no API key; anything else does. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
