import * as os from 'node:os';

/**
 * The identity this process's worker gives the server (`pid@host`, the SDK's own default): the
 * server records it on every workflow task the worker completes. The core worker sets it, and its
 * following projections compare it with the history's (`lastTaskWorker`).
 */
export function processWorkerIdentity(): string {
  return `${process.pid}@${os.hostname()}`;
}
