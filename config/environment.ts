import 'reflect-metadata';
import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  validateSync,
} from 'class-validator';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Where the project lives, so scripts find `.data/` and `.cache/` whatever the cwd. */
export const PROJECT_ROOT = path.resolve(
  __dirname,
  '..',
  ...(__dirname.includes(`${path.sep}dist${path.sep}`) ? ['..'] : []),
);

const toInt = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : Number(value);
const toBool = ({ value }: { value: unknown }) =>
  value === undefined || value === ''
    ? undefined
    : value === true || value === 'true' || value === '1';

/**
 * Every environment variable the engine reads. Validated once at start-up; nothing else in the
 * code base reads `process.env`.
 */
export class EnvironmentVariables {
  @IsOptional()
  @IsIn(['development', 'test', 'production'])
  NODE_ENV: 'development' | 'test' | 'production' = 'development';

  /** PostgreSQL connection string; when absent `npm start` runs an embedded PostgreSQL. */
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL?: string;

  /**
   * TLS to PostgreSQL, libpq's names: `disable`, `require` (encrypted, certificate not checked),
   * `verify-ca` (certificate signed by DATABASE_CA_FILE), `verify-full` (and the host name matches).
   * Alternatively put `sslmode`/`sslrootcert` in DATABASE_URL itself, not both.
   */
  @IsOptional()
  @IsIn(['disable', 'require', 'verify-ca', 'verify-full'])
  DATABASE_SSL_MODE?: 'disable' | 'require' | 'verify-ca' | 'verify-full';

  /** CA certificate (PEM file) that signed PostgreSQL's server certificate. */
  @IsOptional()
  @IsString()
  DATABASE_CA_FILE?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(65535)
  EMBEDDED_POSTGRES_PORT = 5433;

  @IsOptional()
  @IsString()
  TEMPORAL_ADDRESS = '127.0.0.1:7233';

  @IsOptional()
  @IsString()
  TEMPORAL_NAMESPACE = 'default';

  /**
   * Connect to Temporal over TLS with the system's root CAs. Implied by any TEMPORAL_TLS_* file
   * or by TEMPORAL_API_KEY; set it alone for a server with a publicly trusted certificate.
   */
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  TEMPORAL_TLS = false;

  /** mTLS client certificate (PEM file); needs TEMPORAL_TLS_KEY_FILE. */
  @IsOptional()
  @IsString()
  TEMPORAL_TLS_CERT_FILE?: string;

  /** mTLS client private key (PEM file); needs TEMPORAL_TLS_CERT_FILE. */
  @IsOptional()
  @IsString()
  TEMPORAL_TLS_KEY_FILE?: string;

  /** CA that signed the Temporal server's certificate (PEM file), when not a public CA. */
  @IsOptional()
  @IsString()
  TEMPORAL_TLS_CA_FILE?: string;

  /** Name to verify the server certificate against, when it differs from the address's host. */
  @IsOptional()
  @IsString()
  TEMPORAL_TLS_SERVER_NAME?: string;

  /** Temporal Cloud API key (sent as a bearer token over TLS); instead of an mTLS client pair. */
  @IsOptional()
  @IsString()
  TEMPORAL_API_KEY?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(65535)
  TEMPORAL_UI_PORT = 8233;

  /** Path to a Temporal CLI binary; otherwise PATH, then the project cache, then `go install`. */
  @IsOptional()
  @IsString()
  TEMPORAL_CLI_PATH?: string;

  @IsOptional()
  @IsString()
  TEMPORAL_TASK_QUEUE = 'review-engine';

  /**
   * A prebuilt workflow bundle (from `bundleWorkflowCode`) for the core worker; unset, the worker
   * bundles `workflows/` itself at start-up, which takes seconds and much memory on every restart.
   */
  @IsOptional()
  @IsString()
  WORKFLOW_BUNDLE_PATH?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  API_PORT = 3000;

  @IsOptional()
  @IsString()
  API_HOST = '127.0.0.1';

  /** Folder for the Temporal SQLite file and the embedded PostgreSQL cluster. */
  @IsOptional()
  @IsString()
  DATA_DIR = path.join(PROJECT_ROOT, '.data');

  @IsOptional()
  @IsString()
  CACHE_DIR = path.join(PROJECT_ROOT, '.cache');

  /** Interface a worker's health and metrics endpoints listen on (0.0.0.0 in a container). */
  @IsOptional()
  @IsString()
  WORKER_HOST = '127.0.0.1';

  /**
   * Port of a worker's own health endpoint (`/health/live`, `/health/ready`); 0 picks a free one.
   * Each worker process needs its own (`npm start` gives the agency worker the next port).
   */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  WORKER_HEALTH_PORT = 8081;

  /** Port where a worker serves the Temporal SDK's Prometheus metrics at `/metrics`; 0 = off. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  WORKER_METRICS_PORT = 9464;

  /**
   * OpenTelemetry collector (OTLP over HTTP, e.g. http://otel-collector:4318); spans go to
   * `<url>/v1/traces`. Unset = tracing off.
   */
  @IsOptional()
  @Matches(/^https?:\/\/\S+$/, {
    message: 'OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s):// URL such as http://collector:4318',
  })
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;

  /**
   * SMTP server for email notifications (`smtp://user:pass@host:587`, `smtps://...` for implicit
   * TLS). Unset = no email; webhooks still go out.
   */
  @IsOptional()
  @Matches(/^smtps?:\/\/\S+$/, {
    message: 'SMTP_URL must be an smtp:// or smtps:// URL such as smtp://mail.example.gov:587',
  })
  SMTP_URL?: string;

  /** Sender of email notifications. */
  @IsOptional()
  @IsString()
  SMTP_FROM = 'Interagency Review Engine <no-reply@review-engine.localhost>';

  /**
   * Whether webhooks may go to loopback, private and link-local addresses (unset: yes outside
   * production, no in production). See activities/notifications/webhook-target.ts.
   */
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  WEBHOOK_PRIVATE_NETWORKS?: boolean;

  /** Where people open a review; notifications link to `<url>/reviews/<id>`. */
  @IsOptional()
  @Matches(/^https?:\/\/\S+$/, {
    message: 'PUBLIC_BASE_URL must be an http(s):// URL such as https://reviews.example.gov',
  })
  PUBLIC_BASE_URL = 'http://127.0.0.1:3000';

  @IsOptional()
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' = 'info';

  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  LOG_SQL = false;

  /**
   * AES-256-GCM keys for workflow payloads: `kid:base64,kid:base64`, the first encrypts and all
   * decrypt (rotation). `npm start` generates one under .data/ when unset; production requires it.
   */
  @IsOptional()
  @Matches(
    /^[A-Za-z0-9._-]{1,64}:[A-Za-z0-9+/=]{43,44}(,[A-Za-z0-9._-]{1,64}:[A-Za-z0-9+/=]{43,44})*$/,
    {
      message: 'PAYLOAD_CODEC_KEYS must be <key-id>:<base64 of 32 bytes>[,<key-id>:<base64>...]',
    },
  )
  PAYLOAD_CODEC_KEYS?: string;

  /** Expected `iss` of bearer tokens. */
  @IsOptional()
  @IsString()
  AUTH_ISSUER = 'interagency-review-engine-dev';

  /** Expected `aud` of bearer tokens. */
  @IsOptional()
  @IsString()
  AUTH_AUDIENCE = 'interagency-review-engine';

  /** JWKS URL of the identity provider (RS256 or EdDSA keys). */
  @IsOptional()
  @Matches(/^https?:\/\//, { message: 'AUTH_JWKS_URL must be an http(s) URL' })
  AUTH_JWKS_URL?: string;

  /**
   * Public keys as a JWKS document (`{"keys":[...]}`), instead of or besides AUTH_JWKS_URL.
   * `npm start` sets it to the development key it generates under .data/auth/.
   */
  @IsOptional()
  @Matches(/^\s*\{[\s\S]*"keys"[\s\S]*\}\s*$/, {
    message: 'AUTH_PUBLIC_KEYS must be a JWKS JSON document {"keys":[...]}',
  })
  AUTH_PUBLIC_KEYS?: string;

  /** Chain audit entries by hash (each holds the previous entry's hash). Off only to measure. */
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  AUDIT_HASH_CHAIN = true;

  /**
   * Ed25519 private key (base64 of PKCS#8 DER) that signs checkpoints of the audit chain head.
   * `npm start` generates one under .data/ when unset; production requires it.
   */
  @IsOptional()
  @Matches(/^[A-Za-z0-9+/=]{40,200}$/, {
    message: 'AUDIT_SIGNING_KEY must be base64 of an Ed25519 PKCS#8 DER private key',
  })
  AUDIT_SIGNING_KEY?: string;

  /**
   * Milliseconds each statement of a projection's write may take, and its transaction may sit idle
   * between round trips (PostgreSQL's statement_timeout and idle_in_transaction_session_timeout,
   * set for that transaction only; a batch is a handful of statements, so a whole write may take
   * several times this). A write stuck on a lock fails, lets go of its locks and is retried,
   * rather than holding them past its activity's attempt while the retry queues behind it.
   */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(30_000)
  PROJECTION_WRITE_TIMEOUT_MS = 5_000;

  /** Seconds between signed checkpoints of the audit chain head (the worker's schedule). */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(10)
  AUDIT_CHECKPOINT_INTERVAL_SECONDS = 300;

  /** Origins allowed by CORS, comma-separated; empty = no cross-origin access. */
  @IsOptional()
  @IsString()
  CORS_ORIGINS = '';

  /** Requests per principal (per client address when anonymous) per RATE_LIMIT_WINDOW_SECONDS. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  RATE_LIMIT_MAX = 1000;

  /**
   * Requests per client address per RATE_LIMIT_WINDOW_SECONDS, counted before authentication
   * (every principal behind one gateway shares it, so it sits well above RATE_LIMIT_MAX).
   */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  RATE_LIMIT_MAX_PER_CLIENT = 10000;

  /**
   * Which proxies' `X-Forwarded-For` to believe for the client address (rate limits, logs):
   * `false` (none, the default), `true` (any), a hop count, or comma-separated addresses/CIDRs.
   */
  @IsOptional()
  @Matches(/^(true|false|\d+|[0-9a-fA-F.:/]+(,[0-9a-fA-F.:/]+)*)$/, {
    message: 'TRUST_PROXY must be true, false, a hop count, or comma-separated addresses/CIDRs',
  })
  TRUST_PROXY = 'false';

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  RATE_LIMIT_WINDOW_SECONDS = 60;

  /** Largest accepted request body, in bytes. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  API_BODY_LIMIT_BYTES = 1024 * 1024;

  /** GET /ops/stuck: an open review whose read model has not changed for this long is reported. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  OPS_NO_PROGRESS_MINUTES = 7 * 24 * 60;

  /** GET /ops/stuck: an escalation left unacknowledged this long (or past its level's clock) is ignored. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  OPS_ESCALATION_GRACE_MINUTES = 3 * 24 * 60;

  /** Batch repairs by visibility query: reviews acted on per second, and at most this many per batch. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100)
  OPS_BATCH_RATE_PER_SECOND = 5;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10000)
  OPS_BATCH_LIMIT = 500;

  /** The operator CLI (`reviewctl`): the API it talks to and the operator's token. */
  @IsOptional()
  @Matches(/^https?:\/\//, { message: 'REVIEWCTL_API_URL must be an http(s):// URL' })
  REVIEWCTL_API_URL = 'http://127.0.0.1:3000';

  @IsOptional()
  @IsString()
  REVIEWCTL_TOKEN?: string;
}

export class InvalidEnvironmentError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid environment variables:\n  - ${problems.join('\n  - ')}`);
    this.name = 'InvalidEnvironmentError';
  }
}

/** Validate an environment (defaults to this process's) and list every problem at once. */
export function loadEnvironment(
  source: Record<string, string | undefined> = process.env,
): EnvironmentVariables {
  const picked: Record<string, string> = {};
  for (const key of ENVIRONMENT_KEYS) {
    const value = source[key];
    if (value !== undefined && value !== '') picked[key] = value;
  }
  const env = plainToInstance(EnvironmentVariables, picked, { exposeDefaultValues: true });
  const errors = validateSync(env, { skipMissingProperties: false });
  // One line per variable, however many of its rules it breaks.
  const problems = errors.map(
    (e) => `${e.property}: ${Object.values(e.constraints ?? {}).join('; ')}`,
  );
  problems.push(...crossFieldProblems(env));
  if (problems.length > 0) throw new InvalidEnvironmentError(problems);
  return env;
}

/** Optional variables have no default, so the class's keys alone would miss them. */
const ENVIRONMENT_KEYS = [
  ...Object.keys(new EnvironmentVariables()),
  'DATABASE_URL',
  'DATABASE_SSL_MODE',
  'DATABASE_CA_FILE',
  'TEMPORAL_CLI_PATH',
  'TEMPORAL_TLS_CERT_FILE',
  'TEMPORAL_TLS_KEY_FILE',
  'TEMPORAL_TLS_CA_FILE',
  'TEMPORAL_TLS_SERVER_NAME',
  'TEMPORAL_API_KEY',
  'PAYLOAD_CODEC_KEYS',
  'AUTH_JWKS_URL',
  'AUTH_PUBLIC_KEYS',
  'AUDIT_SIGNING_KEY',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'REVIEWCTL_TOKEN',
  'WORKFLOW_BUNDLE_PATH',
  'SMTP_URL',
  'WEBHOOK_PRIVATE_NETWORKS',
];

/** Rules that span variables or touch the file system; each broken one is one line. */
function crossFieldProblems(env: EnvironmentVariables): string[] {
  const problems: string[] = [];
  const production = env.NODE_ENV === 'production';
  if (production && !env.PAYLOAD_CODEC_KEYS) {
    problems.push(
      'PAYLOAD_CODEC_KEYS: required in production (workflow payloads must be encrypted)',
    );
  }
  if (env.NODE_ENV === 'production' && !env.AUTH_JWKS_URL && !env.AUTH_PUBLIC_KEYS) {
    problems.push('AUTH_JWKS_URL or AUTH_PUBLIC_KEYS: one is required in production');
  }
  if (env.NODE_ENV === 'production' && !env.AUDIT_SIGNING_KEY) {
    problems.push('AUDIT_SIGNING_KEY: required in production (audit checkpoints are signed)');
  }
  if (production && !env.DATABASE_URL) {
    problems.push('DATABASE_URL: required in production (there is no embedded PostgreSQL)');
  }
  for (const key of [
    'TEMPORAL_TLS_CERT_FILE',
    'TEMPORAL_TLS_KEY_FILE',
    'TEMPORAL_TLS_CA_FILE',
    'DATABASE_CA_FILE',
  ] as const) {
    const file = env[key];
    if (file && !readable(file)) problems.push(`${key}: cannot read the file ${file}`);
  }
  if (Boolean(env.TEMPORAL_TLS_CERT_FILE) !== Boolean(env.TEMPORAL_TLS_KEY_FILE)) {
    problems.push(
      'TEMPORAL_TLS_CERT_FILE, TEMPORAL_TLS_KEY_FILE: an mTLS client certificate needs both the certificate and its key',
    );
  }
  if (env.TEMPORAL_API_KEY && env.TEMPORAL_TLS_CERT_FILE) {
    problems.push(
      'TEMPORAL_API_KEY: set either an API key or an mTLS client certificate, not both',
    );
  }
  const urlSslMode = env.DATABASE_URL ? databaseUrlSslMode(env.DATABASE_URL) : undefined;
  if (env.DATABASE_URL && urlSslMode === null) {
    problems.push('DATABASE_URL: must be a valid URL (postgres://user:password@host:port/db)');
  }
  if (urlSslMode && (env.DATABASE_SSL_MODE || env.DATABASE_CA_FILE)) {
    problems.push(
      'DATABASE_SSL_MODE: DATABASE_URL already sets sslmode/sslrootcert; configure TLS in one place',
    );
  }
  if (
    (env.DATABASE_SSL_MODE === 'verify-ca' || env.DATABASE_SSL_MODE === 'verify-full') &&
    !env.DATABASE_CA_FILE
  ) {
    problems.push(`DATABASE_CA_FILE: required with DATABASE_SSL_MODE=${env.DATABASE_SSL_MODE}`);
  }
  if (env.DATABASE_CA_FILE && (!env.DATABASE_SSL_MODE || env.DATABASE_SSL_MODE === 'disable')) {
    problems.push('DATABASE_CA_FILE: only used with DATABASE_SSL_MODE=verify-ca or verify-full');
  }
  return problems;
}

function readable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.R_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The TLS parameters in a connection string (undefined when none; null when not a URL). */
function databaseUrlSslMode(url: string): string | undefined | null {
  try {
    const params = new URL(url).searchParams;
    return params.get('sslmode') ?? params.get('sslrootcert') ?? params.get('ssl') ?? undefined;
  } catch {
    return null;
  }
}

let cached: EnvironmentVariables | undefined;

/** The validated environment of this process, read once. */
export function environment(): EnvironmentVariables {
  cached ??= loadEnvironment();
  return cached;
}

/** Fastify's `trustProxy` from TRUST_PROXY. */
export function trustProxy(env: EnvironmentVariables): boolean | number | string {
  if (env.TRUST_PROXY === 'true') return true;
  if (env.TRUST_PROXY === 'false') return false;
  return /^\d+$/.test(env.TRUST_PROXY) ? Number(env.TRUST_PROXY) : env.TRUST_PROXY;
}

/** Whether webhooks may go to non-public addresses: as configured, else outside production. */
export function webhookPrivateNetworks(env: EnvironmentVariables): boolean {
  return env.WEBHOOK_PRIVATE_NETWORKS ?? env.NODE_ENV !== 'production';
}

/** The raw process environment for spawning children (kept here so no one else reads it). */
export function processEnvironment(): NodeJS.ProcessEnv {
  return process.env;
}
