import { MigrationInterface, QueryRunner } from 'typeorm';

/** The role the applications connect as (through a LOGIN member, see docs/security.md). */
export const APP_DATABASE_ROLE = 'review_engine_app';

/**
 * Security: the audit log becomes a hash chain (position, prev_hash, hash, role, request id) with
 * signed checkpoints; service-account API keys (hashed); who submitted each review; and the
 * application's database role, which may only read and append to the audit tables.
 */
export class SecurityAudit1764460800000 implements MigrationInterface {
  name = 'SecurityAudit1764460800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE audit_log
        ADD COLUMN role text,
        ADD COLUMN request_id text,
        ADD COLUMN position bigint,
        ADD COLUMN prev_hash text,
        ADD COLUMN hash text`);
    await q.query(
      `CREATE UNIQUE INDEX uq_audit_log_position ON audit_log (position) WHERE position IS NOT NULL`,
    );
    await q.query(`
      CREATE TABLE audit_checkpoints (
        id bigserial PRIMARY KEY,
        position bigint NOT NULL,
        hash text NOT NULL,
        at timestamptz NOT NULL,
        key_id text NOT NULL,
        signature text NOT NULL
      )`);
    await q.query(`CREATE INDEX ix_audit_checkpoints_position ON audit_checkpoints (position)`);
    await q.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        key_prefix text NOT NULL,
        key_hash text NOT NULL,
        role text NOT NULL,
        agency text,
        scopes text[] NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz,
        last_used_at timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX uq_api_keys_key_hash ON api_keys (key_hash)`);
    await q.query(`
      CREATE TABLE review_submitters (
        review_id uuid PRIMARY KEY,
        subject text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX ix_review_submitters_subject ON review_submitters (subject)`);

    // Roles are cluster-wide: another database of the cluster may have created it already.
    await q.query(`
      DO $$ BEGIN
        CREATE ROLE ${APP_DATABASE_ROLE} NOLOGIN;
      EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
      END $$`);
    await q.query(`GRANT USAGE ON SCHEMA public TO ${APP_DATABASE_ROLE}`);
    await q.query(
      `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${APP_DATABASE_ROLE}`,
    );
    await q.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${APP_DATABASE_ROLE}`);
    await q.query(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${APP_DATABASE_ROLE}`,
    );
    await q.query(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO ${APP_DATABASE_ROLE}`,
    );
    // Append-only: the application reads and inserts audit entries and checkpoints, nothing else.
    await q.query(
      `REVOKE UPDATE, DELETE, TRUNCATE ON audit_log, audit_checkpoints FROM ${APP_DATABASE_ROLE}`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM ${APP_DATABASE_ROLE}`,
    );
    await q.query(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM ${APP_DATABASE_ROLE}`,
    );
    await q.query(`REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM ${APP_DATABASE_ROLE}`);
    await q.query(`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${APP_DATABASE_ROLE}`);
    await q.query(`REVOKE USAGE ON SCHEMA public FROM ${APP_DATABASE_ROLE}`);
    // The role itself stays: other databases of the cluster may use it.
    await q.query(`DROP TABLE review_submitters`);
    await q.query(`DROP TABLE api_keys`);
    await q.query(`DROP TABLE audit_checkpoints`);
    await q.query(`DROP INDEX uq_audit_log_position`);
    await q.query(`
      ALTER TABLE audit_log
        DROP COLUMN hash, DROP COLUMN prev_hash, DROP COLUMN position,
        DROP COLUMN request_id, DROP COLUMN role`);
  }
}
