import { Injectable } from '@nestjs/common';
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

/** The API's side of the audit log: appends (chained per AUDIT_HASH_CHAIN), verification, checkpoints. */
@Injectable()
export class AuditService {
  readonly signer: AuditSigner | undefined;

  constructor(@InjectDataSource() private readonly db: DataSource) {
    const key = environment().AUDIT_SIGNING_KEY;
    this.signer = key ? new AuditSigner(key) : undefined;
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
