import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { environment, processEnvironment } from '../../../../config/environment';

export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const GO_PACKAGE = `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`;

export type CliSource = 'TEMPORAL_CLI_PATH' | 'PATH' | 'cache' | 'go-install';
export interface FoundCli {
  path: string;
  source: CliSource;
}

export class TemporalCliNotFoundError extends Error {
  constructor(tried: string[]) {
    super(
      `No Temporal CLI could be found or built. Tried:\n  - ${tried.join('\n  - ')}\n` +
        'Set TEMPORAL_CLI_PATH to a temporal binary, put `temporal` on PATH, or install Go ' +
        `so the project can run \`go install ${GO_PACKAGE}\`.`,
    );
    this.name = 'TemporalCliNotFoundError';
  }
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(binary: string, extraDirs: string[] = []): string | undefined {
  const dirs = [...(processEnvironment().PATH ?? '').split(path.delimiter), ...extraDirs];
  return dirs.map((d) => path.join(d, binary)).find(isExecutable);
}

/**
 * Find the Temporal CLI, or build it into the project cache with `go install` (the later tags
 * carry a `replace` directive that `go install` rejects, hence the pinned version). Idempotent:
 * the second call finds the cached binary. Returns undefined only when `allowMissing` is set, so
 * the caller can fall back to the SDK's download on machines with internet.
 */
export function ensureTemporalCli(
  opts: { allowMissing?: boolean; log?: (m: string) => void } = {},
): FoundCli | undefined {
  const log = opts.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const env = environment();
  const tried: string[] = [];

  if (env.TEMPORAL_CLI_PATH) {
    if (isExecutable(env.TEMPORAL_CLI_PATH))
      return { path: env.TEMPORAL_CLI_PATH, source: 'TEMPORAL_CLI_PATH' };
    tried.push(`TEMPORAL_CLI_PATH=${env.TEMPORAL_CLI_PATH} (not an executable file)`);
  } else {
    tried.push('TEMPORAL_CLI_PATH (unset)');
  }

  const fromPath = onPath('temporal');
  if (fromPath) return { path: fromPath, source: 'PATH' };
  tried.push('`temporal` on PATH (not found)');

  const cacheDir = path.join(env.CACHE_DIR, 'temporal');
  const cached = path.join(cacheDir, 'temporal');
  if (isExecutable(cached)) return { path: cached, source: 'cache' };
  tried.push(`project cache ${cached} (not built yet)`);

  const go = onPath('go', ['/usr/local/go/bin']);
  if (go) {
    log(
      `Building the Temporal CLI ${TEMPORAL_CLI_VERSION} with ${go} into ${cacheDir} (first time only; takes minutes)...`,
    );
    fs.mkdirSync(cacheDir, { recursive: true });
    const result = spawnSync(go, ['install', GO_PACKAGE], {
      env: { ...processEnvironment(), GOBIN: cacheDir },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (result.status === 0 && isExecutable(cached)) return { path: cached, source: 'go-install' };
    tried.push(`${go} install ${GO_PACKAGE} (exit ${result.status ?? result.signal})`);
  } else {
    tried.push('`go` on PATH or in /usr/local/go/bin (not found)');
  }

  if (opts.allowMissing) {
    log(`Temporal CLI not found locally; tried:\n  - ${tried.join('\n  - ')}`);
    return undefined;
  }
  throw new TemporalCliNotFoundError(tried);
}

export function temporalCliVersion(cli: string): string {
  return execFileSync(cli, ['--version'], { encoding: 'utf8' }).trim();
}

if (require.main === module) {
  try {
    const found = ensureTemporalCli();
    if (found)
      process.stdout.write(`${found.path} (${found.source}): ${temporalCliVersion(found.path)}\n`);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  }
}
