import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash, randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { Principal, Role } from './principal';

/** Every key starts with this, so a key is recognised (and found by secret scanners). */
export const API_KEY_PREFIX = 'rek_';

/**
 * Keys are 32 random bytes, so a fast hash is enough (nothing to brute-force as with passwords)
 * and lets each request find its key by hash in one indexed lookup.
 */
export const hashApiKey = (key: string): string => createHash('sha256').update(key).digest('hex');

export interface ApiKeyRow {
  id: string;
  name: string;
  key_prefix: string;
  role: Role;
  agency: string | null;
  scopes: string[];
  created_by: string;
  created_at: Date;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

/** Service accounts: API keys stored as sha256 hashes, each with a role and policy scopes. */
@Injectable()
export class ApiKeyService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async create(input: {
    name: string;
    role: Role;
    agency?: string;
    scopes: string[];
    createdBy: string;
  }): Promise<{ key: string; row: ApiKeyRow }> {
    const key = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
    const [row] = (await this.db.query(
      `INSERT INTO api_keys (name, key_prefix, key_hash, role, agency, scopes, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
      [
        input.name,
        key.slice(0, 12),
        hashApiKey(key),
        input.role,
        input.agency ?? null,
        input.scopes,
        input.createdBy,
      ],
    )) as ApiKeyRow[];
    return { key, row };
  }

  list(): Promise<ApiKeyRow[]> {
    return this.db.query(`SELECT * FROM api_keys ORDER BY created_at DESC`);
  }

  async revoke(id: string): Promise<ApiKeyRow | undefined> {
    // TypeORM returns [rows, count] for an UPDATE.
    const [rows] = (await this.db.query(
      `UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING *`,
      [id],
    )) as [ApiKeyRow[], number];
    return rows[0];
  }

  /** The principal of a live key, or undefined for an unknown or revoked one. */
  async authenticate(key: string): Promise<Principal | undefined> {
    const [rows] = (await this.db.query(
      `UPDATE api_keys SET last_used_at = now()
       WHERE key_hash = $1 AND revoked_at IS NULL RETURNING id, role, agency, scopes`,
      [hashApiKey(key)],
    )) as [ApiKeyRow[], number];
    const found = rows[0];
    if (!found) return undefined;
    return {
      sub: `service:${found.id}`,
      role: found.role,
      agency: found.agency ?? undefined,
      via: 'api-key',
      scopes: found.scopes,
    };
  }
}
