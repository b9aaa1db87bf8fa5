import pino, { type DestinationStream, type Logger } from 'pino';
import { environment, type EnvironmentVariables } from '../../../config/environment';

/** Field names whose values never reach a log line, at any depth. */
const SECRET_KEYS = [
  'authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'apiKey',
  'api_key',
  'password',
  'secret',
  'token',
  'accessToken',
  'clientSecret',
  'signingSecret',
  'PAYLOAD_CODEC_KEYS',
  'TEMPORAL_API_KEY',
  'DATABASE_URL',
];

/** pino's own redaction for the usual places (fast, structural). */
const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  ...SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]).filter((p) => !p.includes('-')),
];

const CENSOR = '[Redacted]';

/**
 * A last pass over every serialized line: a secret key at any depth, a bearer token or a password
 * in a connection URL inside a message, and the configured secrets' values wherever they appear.
 */
export function secretScrubber(env: Partial<EnvironmentVariables>): (line: string) => string {
  const keyPattern = new RegExp(
    `("(?:${SECRET_KEYS.map(escape).join('|')})"\\s*:\\s*)"(?:[^"\\\\]|\\\\.)*"`,
    'gi',
  );
  const values = configuredSecrets(env);
  return (line) => {
    let out = line
      .replace(keyPattern, `$1"${CENSOR}"`)
      .replace(/(bearer\s+)[A-Za-z0-9._~+/=-]+/gi, `$1${CENSOR}`)
      .replace(/(\w+:\/\/[^:/@\s"]+:)[^@\s"]+@/g, `$1${CENSOR}@`);
    for (const value of values) out = out.split(value).join(CENSOR);
    return out;
  };
}

/** The secret values this process was configured with (long enough to match safely). */
function configuredSecrets(env: Partial<EnvironmentVariables>): string[] {
  const values: string[] = [];
  for (const entry of (env.PAYLOAD_CODEC_KEYS ?? '').split(',')) {
    const material = entry.slice(entry.indexOf(':') + 1);
    if (material) values.push(material);
  }
  if (env.TEMPORAL_API_KEY) values.push(env.TEMPORAL_API_KEY);
  if (env.DATABASE_URL) {
    try {
      const password = decodeURIComponent(new URL(env.DATABASE_URL).password);
      if (password) values.push(password);
    } catch {
      // not a URL: validation already said so
    }
  }
  return values.filter((v) => v.length >= 8);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
}

/**
 * The structured JSON logger of every process: one line per entry on stdout (or `destination`),
 * `service` on each line, secrets redacted.
 */
export function createLogger(
  service: string,
  opts: { destination?: DestinationStream; env?: EnvironmentVariables } = {},
): Logger {
  const env = opts.env ?? environment();
  const scrub = secretScrubber(env);
  return pino(
    {
      level: env.LOG_LEVEL,
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: CENSOR },
      hooks: { streamWrite: scrub },
    },
    opts.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}
