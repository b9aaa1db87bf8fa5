import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Notifications: who is told (per-agency recipients and webhook, per-user email preference) and
 * the outbox that marks each notification of a review event, keyed by (review, seq, channel,
 * recipient), so a retried delivery is recognisable as the same notification.
 */
export class Notifications1764633600000 implements MigrationInterface {
  name = 'Notifications1764633600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE notification_agency_preferences (
        agency text PRIMARY KEY,
        email_recipients text[] NOT NULL DEFAULT '{}',
        webhook_url text,
        webhook_secret text,
        kinds text[],
        updated_by text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE notification_user_preferences (
        subject text PRIMARY KEY,
        role text NOT NULL,
        agency text,
        email text NOT NULL,
        email_enabled boolean NOT NULL,
        kinds text[],
        updated_by text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX ix_notification_user_preferences_agency ON notification_user_preferences (agency)`,
    );
    await q.query(`
      CREATE TABLE notification_outbox (
        review_id uuid NOT NULL,
        seq integer NOT NULL,
        channel text NOT NULL CHECK (channel IN ('email', 'webhook')),
        recipient text NOT NULL,
        idempotency_key text NOT NULL,
        kind text NOT NULL,
        subject text NOT NULL,
        payload jsonb NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent')),
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz,
        CONSTRAINT pk_notification_outbox PRIMARY KEY (review_id, seq, channel, recipient)
      )`);
    await q.query(
      `CREATE UNIQUE INDEX uq_notification_outbox_idempotency_key ON notification_outbox (idempotency_key)`,
    );
    await q.query(
      `CREATE INDEX ix_notification_outbox_pending ON notification_outbox (review_id) WHERE status = 'pending'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE notification_outbox`);
    await q.query(`DROP TABLE notification_user_preferences`);
    await q.query(`DROP TABLE notification_agency_preferences`);
  }
}
