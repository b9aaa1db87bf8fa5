import { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1764201600000 implements MigrationInterface {
  name = 'InitialSchema1764201600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE agencies (
        code text PRIMARY KEY,
        name text NOT NULL
      )`);
    await q.query(`
      CREATE TABLE protocol_versions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        key text NOT NULL,
        version int NOT NULL,
        status text NOT NULL CHECK (status IN ('draft', 'published')),
        definition jsonb NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz,
        CONSTRAINT uq_protocol_versions_key_version UNIQUE (key, version)
      )`);
    await q.query(`
      CREATE TABLE reviews (
        id uuid PRIMARY KEY,
        workflow_id text NOT NULL,
        idempotency_key text,
        protocol_key text NOT NULL,
        protocol_version int NOT NULL,
        developer_org text NOT NULL,
        model_name text NOT NULL,
        model_version text NOT NULL,
        planned_release_date date NOT NULL,
        status text NOT NULL,
        stage text NOT NULL,
        closure_reason text,
        determination text,
        lead_agency text,
        next_deadline timestamptz,
        escalation_level int,
        refiled_from uuid,
        last_seq int NOT NULL,
        state jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        closed_at timestamptz
      )`);
    await q.query(
      `CREATE UNIQUE INDEX uq_reviews_idempotency_key ON reviews (idempotency_key) WHERE idempotency_key IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX ix_reviews_status_created ON reviews (status, created_at DESC, id)`,
    );
    await q.query(`CREATE INDEX ix_reviews_stage ON reviews (stage)`);
    await q.query(`CREATE INDEX ix_reviews_created ON reviews (created_at DESC, id)`);
    await q.query(`CREATE INDEX ix_reviews_release ON reviews (planned_release_date)`);
    await q.query(
      `CREATE INDEX ix_reviews_next_deadline ON reviews (next_deadline) WHERE next_deadline IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX ix_reviews_escalation ON reviews (escalation_level) WHERE escalation_level IS NOT NULL`,
    );
    await q.query(`
      CREATE TABLE review_steps (
        review_id uuid NOT NULL REFERENCES reviews(id) ON DELETE CASCADE,
        agency text NOT NULL,
        step_id text NOT NULL,
        title text NOT NULL,
        kind text NOT NULL,
        status text NOT NULL,
        domain text NOT NULL,
        risk_level text,
        due_at timestamptz,
        completed_at timestamptz,
        last_seq int NOT NULL,
        PRIMARY KEY (review_id, agency, step_id)
      )`);
    await q.query(
      `CREATE INDEX ix_review_steps_agency_status_due ON review_steps (agency, status, due_at)`,
    );
    await q.query(`
      CREATE TABLE review_events (
        review_id uuid NOT NULL REFERENCES reviews(id) ON DELETE CASCADE,
        seq int NOT NULL,
        type text NOT NULL,
        actor text NOT NULL,
        reason text,
        at timestamptz NOT NULL,
        details jsonb NOT NULL,
        PRIMARY KEY (review_id, seq)
      )`);
    await q.query(`
      CREATE TABLE audit_log (
        id bigserial PRIMARY KEY,
        actor text NOT NULL,
        action text NOT NULL,
        target text NOT NULL,
        justification text,
        review_id uuid,
        seq int,
        at timestamptz NOT NULL,
        details jsonb NOT NULL
      )`);
    await q.query(
      `CREATE UNIQUE INDEX uq_audit_log_review_seq ON audit_log (review_id, seq) WHERE review_id IS NOT NULL AND seq IS NOT NULL`,
    );
    await q.query(`CREATE INDEX ix_audit_log_target ON audit_log (target, at)`);
    await q.query(`
      CREATE TABLE closure_days (
        date date PRIMARY KEY,
        reason text NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE closure_days`);
    await q.query(`DROP TABLE audit_log`);
    await q.query(`DROP TABLE review_events`);
    await q.query(`DROP TABLE review_steps`);
    await q.query(`DROP TABLE reviews`);
    await q.query(`DROP TABLE protocol_versions`);
    await q.query(`DROP TABLE agencies`);
  }
}
