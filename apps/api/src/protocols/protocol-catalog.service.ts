import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataSource, EntityManager } from 'typeorm';
import type { Protocol } from '@engine/domain/protocol/protocol.types';
import {
  validateProtocol,
  type ProtocolError,
} from '@engine/domain/protocol/validation/validate-protocol';
import { loadProtocolFile } from '@engine/config/protocols/load-protocol-file';
import { environment, PROJECT_ROOT } from '@engine/config/environment';
import { appendAudit, ProtocolVersionEntity, type AuditActor } from '@engine/persistence';
import { RegistryService } from '../registry/registry.service';
import { DomainException, DomainExceptionCode, type FieldError } from '../common/domain.exception';

export const PROTOCOLS_DIR = path.join(PROJECT_ROOT, 'config', 'protocols');
export const DEFAULT_PROTOCOL_KEY = 'frontier-ai-cyber';

/** The protocol catalog in PostgreSQL: drafts may change, published versions never do. */
@Injectable()
export class ProtocolCatalogService {
  private readonly logger = new Logger(ProtocolCatalogService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly registry: RegistryService,
  ) {}

  private get repo() {
    return this.db.getRepository(ProtocolVersionEntity);
  }

  /** Publish every protocol file in config/protocols/ whose version is not stored yet; seed agencies. */
  async seedFromFiles(dir = PROTOCOLS_DIR): Promise<string[]> {
    const seeded: string[] = [];
    const files = fs
      .readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort();
    for (const file of files) {
      const protocol = loadProtocolFile(path.join(dir, file));
      const inserted = await this.db.query(
        `INSERT INTO protocol_versions (key, version, status, definition, created_by, published_at)
         VALUES ($1, $2, 'published', $3, 'seed', now()) ON CONFLICT (key, version) DO NOTHING RETURNING id`,
        [protocol.key, protocol.version, JSON.stringify(protocol)],
      );
      if (inserted.length) seeded.push(`${protocol.key}@${protocol.version}`);
      for (const a of protocol.agencies) {
        await this.db.query(
          `INSERT INTO agencies (code, name) VALUES ($1, $2) ON CONFLICT (code) DO NOTHING`,
          [a.code, a.name],
        );
      }
    }
    if (seeded.length) this.logger.log(`seeded protocols: ${seeded.join(', ')}`);
    return seeded;
  }

  async latestPublished(key: string): Promise<Protocol> {
    const row = await this.repo.findOne({
      where: { key, status: 'published' },
      order: { version: 'DESC' },
    });
    if (!row)
      throw new DomainException(
        DomainExceptionCode.PROTOCOL_NOT_FOUND,
        `protocolKey: no published protocol "${key}"`,
        [{ field: 'protocolKey', message: `no published protocol "${key}"` }],
      );
    return row.definition as unknown as Protocol;
  }

  async list(): Promise<ProtocolVersionEntity[]> {
    return this.repo.find({ order: { key: 'ASC', version: 'DESC' } });
  }

  async get(key: string, version: number): Promise<ProtocolVersionEntity> {
    const row = await this.repo.findOne({ where: { key, version } });
    if (!row)
      throw new DomainException(
        DomainExceptionCode.PROTOCOL_NOT_FOUND,
        `no protocol ${key}@${version}`,
      );
    return row;
  }

  validate(definition: unknown): ProtocolError[] {
    const result = validateProtocol(definition);
    return result.ok ? [] : result.errors;
  }

  /** Store a draft; its key and version come from the definition. Audited. */
  async createDraft(
    definition: Record<string, unknown>,
    by: AuditActor,
  ): Promise<ProtocolVersionEntity> {
    const key = definition.key;
    const version = definition.version;
    const problems: FieldError[] = [];
    if (typeof key !== 'string' || !/^[a-z][a-z0-9-]{1,60}$/.test(key)) {
      problems.push({
        field: 'definition.key',
        message: 'must be a protocol key such as frontier-ai-cyber',
      });
    }
    if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
      problems.push({ field: 'definition.version', message: 'must be a positive whole number' });
    }
    if (problems.length) {
      throw new DomainException(
        DomainExceptionCode.PROTOCOL_INVALID,
        'a draft needs a key and a version',
        problems,
      );
    }
    return this.db.transaction(async (tx) => {
      const repo = tx.getRepository(ProtocolVersionEntity);
      const existing = await repo.findOne({
        where: { key: key as string, version: version as number },
        lock: { mode: 'pessimistic_write' },
      });
      if (existing?.status === 'published') {
        throw new DomainException(
          DomainExceptionCode.PROTOCOL_PUBLISHED,
          `${String(key)}@${String(version)} is published and can never change; use a new version`,
        );
      }
      const saved = existing
        ? await repo.save(Object.assign(existing, { definition }))
        : await repo.save(
            repo.create({
              key: key as string,
              version: version as number,
              status: 'draft',
              definition,
              createdBy: by.id,
              createdAt: new Date(),
              publishedAt: null,
            }),
          );
      await audit(
        tx,
        by,
        existing ? 'protocol_draft_updated' : 'protocol_draft_created',
        `protocol:${saved.key}@${saved.version}`,
        null,
      );
      return saved;
    });
  }

  /** Publish a draft after full validation; published versions never change. Audited. */
  async publish(
    key: string,
    version: number,
    by: AuditActor,
    reason: string | null,
  ): Promise<ProtocolVersionEntity> {
    const row = await this.get(key, version);
    if (row.status === 'published') {
      throw new DomainException(
        DomainExceptionCode.PROTOCOL_PUBLISHED,
        `${key}@${version} is already published`,
      );
    }
    const errors = this.validate(row.definition);
    if (errors.length) {
      throw new DomainException(
        DomainExceptionCode.PROTOCOL_INVALID,
        `${key}@${version} is not valid: ${errors.length} error(s)`,
        errors.map((e) => ({ field: e.path, message: e.message })),
      );
    }
    // Every automated step must be served by some agency worker, or reviews would wait forever.
    const unregistered = await this.registry.unregisteredSteps(
      row.definition as unknown as Protocol,
    );
    if (unregistered.length) {
      throw new DomainException(
        DomainExceptionCode.PROTOCOL_INVALID,
        `${key}@${version} names step kinds no agency worker has registered`,
        unregistered,
      );
    }
    await this.db.transaction(async (tx) => {
      // Conditional: a concurrent edit between validation and publication makes this a no-op.
      const updated: unknown[] = await tx.query(
        `UPDATE protocol_versions SET status = 'published', published_at = now()
         WHERE id = $1 AND status = 'draft' AND definition = $2::jsonb RETURNING id`,
        [row.id, JSON.stringify(row.definition)],
      );
      if (updated.length === 0) {
        throw new DomainException(
          DomainExceptionCode.PROTOCOL_PUBLISHED,
          `${key}@${version} changed while it was being published; try again`,
        );
      }
      await audit(tx, by, 'protocol_published', `protocol:${key}@${version}`, reason);
    });
    return this.get(key, version);
  }
}

async function audit(
  tx: EntityManager,
  by: AuditActor,
  action: string,
  target: string,
  justification: string | null,
): Promise<void> {
  await appendAudit(
    tx,
    [{ actor: by.id, role: by.role, requestId: by.requestId, action, target, justification }],
    { chained: environment().AUDIT_HASH_CHAIN },
  );
}
