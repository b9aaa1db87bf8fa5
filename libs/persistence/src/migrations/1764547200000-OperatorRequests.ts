import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Operator repair requests: the two-person rule. A reset, skip, terminate or batch operation is
 * requested by one operator and runs only once a different operator approves it.
 */
export class OperatorRequests1764547200000 implements MigrationInterface {
  name = 'OperatorRequests1764547200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ops_requests (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        action text NOT NULL,
        review_id uuid,
        query text,
        params jsonb NOT NULL DEFAULT '{}',
        reason text NOT NULL CHECK (length(btrim(reason)) > 0),
        requested_by text NOT NULL,
        requested_at timestamptz NOT NULL DEFAULT now(),
        status text NOT NULL DEFAULT 'pending'
          CHECK (status IN ('pending', 'running', 'executed', 'failed', 'rejected')),
        approved_by text,
        approved_at timestamptz,
        executed_at timestamptz,
        result jsonb,
        error text,
        CONSTRAINT ck_ops_requests_target CHECK (review_id IS NOT NULL OR query IS NOT NULL),
        CONSTRAINT ck_ops_requests_second_operator CHECK (approved_by IS NULL OR approved_by <> requested_by)
      )`);
    await q.query(
      `CREATE INDEX ix_ops_requests_status_requested ON ops_requests (status, requested_at DESC)`,
    );
    await q.query(
      `CREATE INDEX ix_ops_requests_review ON ops_requests (review_id) WHERE review_id IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ops_requests`);
  }
}
