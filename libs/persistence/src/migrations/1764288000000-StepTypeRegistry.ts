import { MigrationInterface, QueryRunner } from 'typeorm';

/** The step registry: automated step kinds that agency workers declared on start. */
export class StepTypeRegistry1764288000000 implements MigrationInterface {
  name = 'StepTypeRegistry1764288000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE step_types (
        kind text PRIMARY KEY,
        agency text NOT NULL,
        version text NOT NULL,
        description text,
        input_schema jsonb,
        output_schema jsonb,
        worker_identity text NOT NULL,
        registered_at timestamptz NOT NULL DEFAULT now(),
        last_registered_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX ix_step_types_agency ON step_types (agency)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE step_types`);
  }
}
