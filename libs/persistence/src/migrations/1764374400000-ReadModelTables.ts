import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The read model's normalized tables: workstreams, findings, deadlines with their extensions and
 * clock stops, and escalations, beside the existing steps and timeline. The projection activity
 * replaces a review's rows in these tables whenever it projects a newer state (see
 * activities/projection/README.md); `up` fills them for reviews already projected, from the
 * `reviews.state` snapshot, so an existing deployment converges without replaying workflows.
 */
export class ReadModelTables1764374400000 implements MigrationInterface {
  name = 'ReadModelTables1764374400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE review_workstreams (
        review_id uuid NOT NULL REFERENCES reviews(id) ON DELETE CASCADE,
        agency text NOT NULL,
        position int NOT NULL,
        role text NOT NULL,
        workflow_id text NOT NULL,
        status text NOT NULL,
        last_seq int NOT NULL,
        CONSTRAINT pk_review_workstreams PRIMARY KEY (review_id, agency)
      )`);
    // The review list's `agency` filter.
    await q.query(
      `CREATE INDEX ix_review_workstreams_agency ON review_workstreams (agency, review_id)`,
    );

    await q.query(`
      ALTER TABLE review_steps
        ADD COLUMN position int NOT NULL DEFAULT 0,
        ADD COLUMN depends_on text[] NOT NULL DEFAULT '{}',
        ADD COLUMN opened_at timestamptz,
        ADD COLUMN failure text,
        ADD COLUMN attempts int,
        ADD COLUMN stalled boolean NOT NULL DEFAULT false`);
    // An agency's open work by due date, in the inbox's order; also overdue steps by agency.
    await q.query(
      `CREATE INDEX ix_review_steps_open_agency_due ON review_steps (agency, due_at, review_id, step_id)
         WHERE status IN ('open', 'running')`,
    );

    await q.query(`
      CREATE TABLE review_findings (
        review_id uuid NOT NULL REFERENCES reviews(id) ON DELETE CASCADE,
        agency text NOT NULL,
        step_id text NOT NULL,
        domain text NOT NULL,
        risk_level text NOT NULL,
        summary text NOT NULL,
        rationale text,
        marking text NOT NULL,
        reference text,
        metrics jsonb,
        artifacts jsonb NOT NULL DEFAULT '[]',
        submitted_by text NOT NULL,
        submitted_at timestamptz NOT NULL,
        last_seq int NOT NULL,
        CONSTRAINT pk_review_findings PRIMARY KEY (review_id, agency, step_id),
        CONSTRAINT fk_review_findings_step FOREIGN KEY (review_id, agency, step_id)
          REFERENCES review_steps (review_id, agency, step_id) ON DELETE CASCADE
      )`);
    await q.query(
      `CREATE INDEX ix_review_findings_agency_risk ON review_findings (agency, risk_level, submitted_at)`,
    );

    await q.query(`
      CREATE TABLE review_deadlines (
        review_id uuid NOT NULL REFERENCES reviews(id) ON DELETE CASCADE,
        deadline_id text NOT NULL,
        position int NOT NULL,
        label text NOT NULL,
        kind text NOT NULL,
        agency text,
        step_id text,
        basis_at timestamptz NOT NULL,
        clock jsonb NOT NULL,
        cap_at timestamptz,
        due_at timestamptz,
        status text NOT NULL,
        reminded_at timestamptz,
        closed_at timestamptz,
        last_seq int NOT NULL,
        CONSTRAINT pk_review_deadlines PRIMARY KEY (review_id, deadline_id)
      )`);
    // The deadline calendar (open, by due date) and the list's `overdue` filter.
    await q.query(
      `CREATE INDEX ix_review_deadlines_status_due ON review_deadlines (status, due_at)`,
    );

    await q.query(`
      CREATE TABLE review_extensions (
        review_id uuid NOT NULL REFERENCES reviews(id) ON DELETE CASCADE,
        deadline_id text NOT NULL,
        extension_id text NOT NULL,
        position int NOT NULL,
        clock jsonb NOT NULL,
        justification text NOT NULL,
        requested_by text NOT NULL,
        requested_at timestamptz NOT NULL,
        status text NOT NULL,
        decided_by text,
        decision_reason text,
        decided_at timestamptz,
        last_seq int NOT NULL,
        CONSTRAINT pk_review_extensions PRIMARY KEY (review_id, deadline_id, extension_id),
        CONSTRAINT fk_review_extensions_deadline FOREIGN KEY (review_id, deadline_id)
          REFERENCES review_deadlines (review_id, deadline_id) ON DELETE CASCADE
      )`);
    // Extensions waiting for a decision, oldest first.
    await q.query(
      `CREATE INDEX ix_review_extensions_status_requested ON review_extensions (status, requested_at)`,
    );

    await q.query(`
      CREATE TABLE review_clock_stops (
        review_id uuid NOT NULL REFERENCES reviews(id) ON DELETE CASCADE,
        deadline_id text NOT NULL,
        position int NOT NULL,
        reason_code text NOT NULL,
        from_at timestamptz NOT NULL,
        to_at timestamptz,
        stopped_by text NOT NULL,
        last_seq int NOT NULL,
        CONSTRAINT pk_review_clock_stops PRIMARY KEY (review_id, deadline_id, position),
        CONSTRAINT fk_review_clock_stops_deadline FOREIGN KEY (review_id, deadline_id)
          REFERENCES review_deadlines (review_id, deadline_id) ON DELETE CASCADE
      )`);
    // "Is this deadline's clock stopped right now?"
    await q.query(
      `CREATE INDEX ix_review_clock_stops_open ON review_clock_stops (review_id, deadline_id) WHERE to_at IS NULL`,
    );

    await q.query(`
      CREATE TABLE review_escalations (
        review_id uuid NOT NULL REFERENCES reviews(id) ON DELETE CASCADE,
        escalation_id text NOT NULL,
        position int NOT NULL,
        trigger text NOT NULL,
        subject text NOT NULL,
        level int NOT NULL,
        level_name text NOT NULL,
        raised_at timestamptz NOT NULL,
        due_at timestamptz,
        status text NOT NULL,
        acknowledged_by text,
        acknowledged_at timestamptz,
        history jsonb NOT NULL DEFAULT '[]',
        last_seq int NOT NULL,
        CONSTRAINT pk_review_escalations PRIMARY KEY (review_id, escalation_id)
      )`);
    // The escalation queue, in its order: open, highest level first, then oldest.
    await q.query(
      `CREATE INDEX ix_review_escalations_status_level_raised
         ON review_escalations (status, level DESC, raised_at, review_id, escalation_id)`,
    );

    await this.backfill(q);

    // Steps belong to a workstream; added after the backfill so existing rows are checked.
    await q.query(`
      ALTER TABLE review_steps ADD CONSTRAINT fk_review_steps_workstream
        FOREIGN KEY (review_id, agency) REFERENCES review_workstreams (review_id, agency)
        ON DELETE CASCADE`);
  }

  /**
   * Rebuild the normalized rows of the given reviews (all when `reviewIds` is absent) from their
   * `state` snapshot, as the state looked when this migration was written. Public so the
   * read-model test can show the backfill and the projection write the same rows.
   */
  async backfill(q: QueryRunner, reviewIds?: string[]): Promise<void> {
    const ids = [reviewIds ?? null];
    const selected = `SELECT id, state, last_seq FROM reviews WHERE ($1::uuid[] IS NULL OR id = ANY($1::uuid[]))`;
    const ms = (expr: string) =>
      `(timestamptz 'epoch' + (${expr})::numeric * interval '1 millisecond')`;
    await q.query(
      `DELETE FROM review_steps WHERE ($1::uuid[] IS NULL OR review_id = ANY($1::uuid[]))`,
      ids,
    );
    for (const table of ['review_workstreams', 'review_deadlines', 'review_escalations']) {
      await q.query(
        `DELETE FROM ${table} WHERE ($1::uuid[] IS NULL OR review_id = ANY($1::uuid[]))`,
        ids,
      );
    }
    await q.query(
      `INSERT INTO review_workstreams (review_id, agency, position, role, workflow_id, status, last_seq)
       SELECT r.id, w->>'agency', w_pos - 1, w->>'role', w->>'workflowId', w->>'status', r.last_seq
         FROM (${selected}) r
         CROSS JOIN LATERAL jsonb_array_elements(r.state->'workstreams') WITH ORDINALITY AS ws(w, w_pos)`,
      ids,
    );
    await q.query(
      `INSERT INTO review_steps (review_id, agency, step_id, position, title, kind, status, domain,
         depends_on, risk_level, due_at, opened_at, completed_at, failure, attempts, stalled, last_seq)
       SELECT r.id, w->>'agency', s->>'stepId', s_pos - 1, s->>'title', s->>'kind', s->>'status',
              s->>'domain',
              ARRAY(SELECT jsonb_array_elements_text(coalesce(s->'dependsOn', '[]'::jsonb))),
              s->'finding'->>'riskLevel',
              (SELECT ${ms(`d->>'dueMs'`)} FROM jsonb_array_elements(r.state->'deadlines') d
                WHERE d->>'id' = 'step:' || (w->>'agency') || ':' || (s->>'stepId')
                  AND jsonb_typeof(d->'dueMs') = 'number'),
              (s->>'openedAt')::timestamptz, (s->>'completedAt')::timestamptz, s->>'failure',
              (s->>'attempts')::int, coalesce((s->>'stalled')::boolean, false), r.last_seq
         FROM (${selected}) r
         CROSS JOIN LATERAL jsonb_array_elements(r.state->'workstreams') w
         CROSS JOIN LATERAL jsonb_array_elements(w->'steps') WITH ORDINALITY AS st(s, s_pos)`,
      ids,
    );
    await q.query(
      `INSERT INTO review_findings (review_id, agency, step_id, domain, risk_level, summary, rationale,
         marking, reference, metrics, artifacts, submitted_by, submitted_at, last_seq)
       SELECT r.id, w->>'agency', s->>'stepId', f->>'domain', f->>'riskLevel', f->>'summary',
              f->>'rationale', f->>'marking', f->>'reference', f->'metrics',
              coalesce((SELECT jsonb_agg(a - 'contentBase64' ORDER BY a_pos)
                          FROM jsonb_array_elements(f->'artifacts') WITH ORDINALITY AS art(a, a_pos)),
                       '[]'::jsonb),
              f->>'submittedBy', (f->>'submittedAt')::timestamptz, r.last_seq
         FROM (${selected}) r
         CROSS JOIN LATERAL jsonb_array_elements(r.state->'workstreams') w
         CROSS JOIN LATERAL jsonb_array_elements(w->'steps') s
         CROSS JOIN LATERAL (SELECT s->'finding' AS f) finding
        WHERE jsonb_typeof(f) = 'object'`,
      ids,
    );
    await q.query(
      `INSERT INTO review_deadlines (review_id, deadline_id, position, label, kind, agency, step_id,
         basis_at, clock, cap_at, due_at, status, reminded_at, closed_at, last_seq)
       SELECT r.id, d->>'id', d_pos - 1, d->>'label', d->>'kind', d->>'agency', d->>'stepId',
              ${ms(`d->>'basisMs'`)}, d->'clock',
              CASE WHEN jsonb_typeof(d->'capMs') = 'number' THEN ${ms(`d->>'capMs'`)} END,
              CASE WHEN jsonb_typeof(d->'dueMs') = 'number' THEN ${ms(`d->>'dueMs'`)} END,
              d->>'status',
              CASE WHEN jsonb_typeof(d->'remindedAtMs') = 'number' THEN ${ms(`d->>'remindedAtMs'`)} END,
              CASE WHEN jsonb_typeof(d->'closedAtMs') = 'number' THEN ${ms(`d->>'closedAtMs'`)} END,
              r.last_seq
         FROM (${selected}) r
         CROSS JOIN LATERAL jsonb_array_elements(r.state->'deadlines') WITH ORDINALITY AS dl(d, d_pos)`,
      ids,
    );
    await q.query(
      `INSERT INTO review_extensions (review_id, deadline_id, extension_id, position, clock,
         justification, requested_by, requested_at, status, decided_by, decision_reason, decided_at, last_seq)
       SELECT r.id, d->>'id', x->>'id', x_pos - 1, x->'clock', x->>'justification', x->>'requestedBy',
              (x->>'requestedAt')::timestamptz, x->>'status', x->>'decidedBy', x->>'decisionReason',
              (x->>'decidedAt')::timestamptz, r.last_seq
         FROM (${selected}) r
         CROSS JOIN LATERAL jsonb_array_elements(r.state->'deadlines') d
         CROSS JOIN LATERAL jsonb_array_elements(coalesce(d->'extensions', '[]'::jsonb))
           WITH ORDINALITY AS ext(x, x_pos)`,
      ids,
    );
    await q.query(
      `INSERT INTO review_clock_stops (review_id, deadline_id, position, reason_code, from_at, to_at,
         stopped_by, last_seq)
       SELECT r.id, d->>'id', c_pos - 1, c->>'reasonCode', ${ms(`c->>'fromMs'`)},
              CASE WHEN jsonb_typeof(c->'toMs') = 'number' THEN ${ms(`c->>'toMs'`)} END,
              c->>'by', r.last_seq
         FROM (${selected}) r
         CROSS JOIN LATERAL jsonb_array_elements(r.state->'deadlines') d
         CROSS JOIN LATERAL jsonb_array_elements(coalesce(d->'stops', '[]'::jsonb))
           WITH ORDINALITY AS cs(c, c_pos)`,
      ids,
    );
    await q.query(
      `INSERT INTO review_escalations (review_id, escalation_id, position, trigger, subject, level,
         level_name, raised_at, due_at, status, acknowledged_by, acknowledged_at, history, last_seq)
       SELECT r.id, e->>'id', e_pos - 1, e->>'trigger', e->>'subject', (e->>'level')::int,
              e->>'levelName', ${ms(`e->>'raisedAtMs'`)},
              CASE WHEN jsonb_typeof(e->'dueMs') = 'number' THEN ${ms(`e->>'dueMs'`)} END,
              e->>'status', e->>'acknowledgedBy',
              CASE WHEN jsonb_typeof(e->'acknowledgedAtMs') = 'number' THEN ${ms(`e->>'acknowledgedAtMs'`)} END,
              coalesce(e->'history', '[]'::jsonb), r.last_seq
         FROM (${selected}) r
         CROSS JOIN LATERAL jsonb_array_elements(r.state->'escalations') WITH ORDINALITY AS es(e, e_pos)`,
      ids,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE review_steps DROP CONSTRAINT fk_review_steps_workstream`);
    await q.query(`DROP INDEX ix_review_steps_open_agency_due`);
    await q.query(`DROP TABLE review_escalations`);
    await q.query(`DROP TABLE review_clock_stops`);
    await q.query(`DROP TABLE review_extensions`);
    await q.query(`DROP TABLE review_deadlines`);
    await q.query(`DROP TABLE review_findings`);
    await q.query(`DROP TABLE review_workstreams`);
    await q.query(`
      ALTER TABLE review_steps
        DROP COLUMN position, DROP COLUMN depends_on, DROP COLUMN opened_at, DROP COLUMN failure,
        DROP COLUMN attempts, DROP COLUMN stalled`);
  }
}
