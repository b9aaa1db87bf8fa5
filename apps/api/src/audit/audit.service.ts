import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { environment } from '@engine/config/environment';
import {
  appendAudit,
  AuditSigner,
  verifyAuditChain,
  writeAuditCheckpoint,
  type AuditCheckpoint,
  type AuditRecord,
  type AuditVerification,
} from '@engine/persistence';

/**
 * The API's side of the audit log: appends (chained per AUDIT_HASH_CHAIN), verification, and
 * a signed checkpoint of the chain head every AUDIT_CHECKPOINT_INTERVAL_SECONDS (several API
 * copies may all try: a head already checkpointed is skipped).
 */
@Injectable()
export class AuditService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AuditService.name);
  readonly signer: AuditSigner | undefined;
  private timer?: NodeJS.Timeout;

  constructor(@InjectDataSource() private readonly db: DataSource) {
    const key = environment().AUDIT_SIGNING_KEY;
    this.signer = key ? new AuditSigner(key) : undefined;
  }

  onApplicationBootstrap(): void {
    if (!this.signer) {
      this.logger.warn('no AUDIT_SIGNING_KEY: the audit chain head is not checkpointed');
      return;
    }
    this.timer = setInterval(() => {
      this.checkpoint().catch((err: unknown) =>
        this.logger.error(`audit checkpoint failed: ${String(err)}`),
      );
    }, environment().AUDIT_CHECKPOINT_INTERVAL_SECONDS * 1000);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async record(...records: AuditRecord[]): Promise<void> {
    await this.db.transaction((tx) =>
      appendAudit(tx, records, { chained: environment().AUDIT_HASH_CHAIN }),
    );
  }

  verify(): Promise<AuditVerification> {
    return this.db.transaction('REPEATABLE READ', (tx) => verifyAuditChain(tx, this.signer));
  }

  checkpoint(): Promise<AuditCheckpoint | undefined> {
    const signer = this.signer;
    if (!signer) return Promise.resolve(undefined);
    return this.db.transaction((tx) => writeAuditCheckpoint(tx, signer));
  }
}
