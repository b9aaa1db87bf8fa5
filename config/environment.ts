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

  /** Requests per principal (or IP when anonymous) per RATE_LIMIT_WINDOW_SECONDS. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  RATE_LIMIT_MAX = 1000;

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
  const known = Object.keys(new EnvironmentVariables());
  const picked: Record<string, string> = {};
  const optional = [
    'DATABASE_URL',
    'TEMPORAL_CLI_PATH',
    'PAYLOAD_CODEC_KEYS',
    'AUTH_JWKS_URL',
    'AUTH_PUBLIC_KEYS',
    'AUDIT_SIGNING_KEY',
  ];
  for (const key of [...known, ...optional]) {
    const value = source[key];
    if (value !== undefined && value !== '') picked[key] = value;
  }
  const env = plainToInstance(EnvironmentVariables, picked, { exposeDefaultValues: true });
  const errors = validateSync(env, { skipMissingProperties: false });
  const problems = errors.flatMap((e) =>
    Object.values(e.constraints ?? {}).map((m) => `${e.property}: ${m}`),
  );
  if (env.NODE_ENV === 'production' && !env.PAYLOAD_CODEC_KEYS) {
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
  if (problems.length > 0) throw new InvalidEnvironmentError(problems);
  return env;
}

let cached: EnvironmentVariables | undefined;

/** The validated environment of this process, read once. */
export function environment(): EnvironmentVariables {
  cached ??= loadEnvironment();
  return cached;
}

/** The raw process environment for spawning children (kept here so no one else reads it). */
export function processEnvironment(): NodeJS.ProcessEnv {
  return process.env;
}
