import { randomBytes } from 'node:crypto';
import * as os from 'node:os';

/** Drawn once per process: a restarted process is another worker, even with its pid and host. */
const PROCESS_TAG = randomBytes(4).toString('hex');

/**
 * The identity this process's core worker gives the server (`pid@host/tag`): the server records
 * it on every workflow task the worker completes, which tells operators reading a history which
 * process ran what. The tag tells a restarted worker from the one before it: in a container the
 * pid and host often stay the same across restarts (node as pid 1).
 */
export function processWorkerIdentity(): string {
  return `${process.pid}@${os.hostname()}/${PROCESS_TAG}`;
}
