import { createHash, createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { Context, log } from '@temporalio/activity';
import { createTransport, type Transporter } from 'nodemailer';
import { DataSource } from 'typeorm';
import { environment, webhookPrivateNetworks } from '../../config/environment';
import type { Protocol } from '../../libs/domain/src/protocol/protocol.types';
import type { ReviewEvent, ReviewState } from '../../libs/domain/src/review/review.types';
import {
  notificationFor,
  reviewMarking,
  type NotificationKind,
  type NotificationMessage,
} from './notification-messages';
import { hostOf, isPublicAddress, publicOnlyLookup } from './webhook-target';
import { openSecret } from '../../libs/temporal/src/codec/secret-box';

/** What the review workflow hands over after projecting a batch. */
export interface NotificationBatch {
  reviewId: string;
  events: ReviewEvent[];
  state: ReviewState;
  /** The intake's contact email (engine v2 batches). */
  developerContact?: string;
}

/** The notifications of some events of a review, already in the outbox (engine v2). */
export interface PendingNotifications {
  reviewId: string;
  seqs: number[];
}

/** What the review workflow may call on the core task queue. */
export interface NotificationActivities {
  /** Reviews before engine v2: write the batch's notifications to the outbox, then send. */
  deliverNotifications(batch: NotificationBatch): Promise<{ queued: number; sent: number }>;
  /** Send what the projection wrote to the outbox (and older rows still pending). */
  sendNotifications(pending: PendingNotifications): Promise<{ sent: number }>;
}

/** Runs queries, on the DataSource or inside a transaction. */
interface Queryable {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

/** Headers a webhook receiver reads (see docs/notifications.md). */
export const WEBHOOK_HEADERS = {
  idempotencyKey: 'idempotency-key',
  timestamp: 'x-review-engine-timestamp',
  signature: 'x-review-engine-signature',
} as const;

/** `v1=<hex HMAC-SHA256 of "<timestamp>.<body>">`, keyed by the agency's webhook secret. */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** One notification's stable identity: the same (review, seq, channel, recipient), the same key. */
export function idempotencyKey(
  reviewId: string,
  seq: number,
  channel: Channel,
  recipient: string,
): string {
  return createHash('sha256').update(`${reviewId}:${seq}:${channel}:${recipient}`).digest('hex');
}

type Channel = 'email' | 'webhook';

/** Settings that override the environment's (tests); Nest injects none. */
export interface NotificationOptions {
  /** Whether webhooks may go to loopback, private and link-local addresses. */
  privateNetworks?: boolean;
}
export const NOTIFICATION_OPTIONS = Symbol('NotificationOptions');

interface OutboxRow {
  idempotency_key: string;
  seq: number;
  channel: Channel;
  recipient: string;
  subject: string;
  payload: { to?: string; text?: string; agency?: string; body?: string };
}

interface Recipients {
  emails: string[];
  webhookAgencies: string[];
}

/** What `notificationLookup`'s statement finds: the review's protocol and the preferences. */
export interface NotificationLookup {
  definition: Protocol | null;
  agencies: {
    agency: string;
    email_recipients: string[];
    webhook_url: string | null;
    kinds: NotificationKind[] | null;
  }[];
  users: {
    email: string;
    email_enabled: boolean;
    kinds: NotificationKind[] | null;
    agency: string | null;
    role: string;
  }[];
}

/**
 * $1, $2: the protocol's key and version; $3: every agency a message tells; $4: whether one
 * tells coordinators; $5: the developer's contact, when one tells the developer. The users are
 * those of the agencies, the coordinators (when told) and the addresses on the agencies' lists
 * or the developer's: each message takes those it concerns (`recipientsOf`).
 */
const NOTIFICATION_LOOKUP = `WITH a AS (
    SELECT agency, email_recipients, webhook_url, kinds FROM notification_agency_preferences
     WHERE agency = ANY($3::text[]))
  SELECT (SELECT definition FROM protocol_versions WHERE key = $1 AND version = $2) AS definition,
    (SELECT coalesce(json_agg(a), '[]'::json) FROM a) AS agencies,
    (SELECT coalesce(json_agg(u), '[]'::json) FROM (
      SELECT email, email_enabled, kinds, agency, role FROM notification_user_preferences
       WHERE agency = ANY($3::text[]) OR ($4::boolean AND role = 'coordinator')
          OR email = ANY($5::text[] || ARRAY(SELECT unnest(email_recipients) FROM a))) u) AS users`;

/**
 * Who hears of a message: the agencies' own recipient lists and webhooks, users of those
 * agencies (and coordinators, when the message is for them) who asked for email, and the
 * developer's contact for a determination or a closure; a user who turned email off is taken
 * off the agency's list (or the developer's contact) too. Each setting may narrow the kinds.
 */
function recipientsOf(
  message: NotificationMessage,
  found: NotificationLookup,
  developerContact?: string,
): Recipients {
  const wants = (kinds: NotificationKind[] | null) =>
    !kinds || kinds.length === 0 || kinds.includes(message.kind);
  const agencies = found.agencies.filter((a) => message.agencies.includes(a.agency));
  const developer = message.developer && developerContact ? [developerContact] : [];
  const addresses = new Set([...agencies.flatMap((a) => a.email_recipients), ...developer]);
  const users = found.users.filter(
    (u) =>
      (u.agency !== null && message.agencies.includes(u.agency)) ||
      (message.coordinators && u.role === 'coordinator') ||
      addresses.has(u.email),
  );
  const optedOut = new Set(
    users.filter((u) => !u.email_enabled || !wants(u.kinds)).map((u) => u.email.toLowerCase()),
  );
  const emails = [
    ...agencies.filter((a) => wants(a.kinds)).flatMap((a) => a.email_recipients),
    ...users.filter((u) => u.email_enabled && wants(u.kinds)).map((u) => u.email),
    ...developer,
  ]
    .map((e) => e.toLowerCase())
    .filter((e) => !optedOut.has(e));
  return {
    emails: [...new Set(emails)].sort(),
    webhookAgencies: agencies
      .filter((a) => a.webhook_url && wants(a.kinds))
      .map((a) => a.agency)
      .sort(),
  };
}

const SEND_TIMEOUT_MS = 10_000;
/** Well inside the workflow's heartbeat timeout for deliverNotifications (15 s). */
const HEARTBEAT_MS = 3_000;
/** Attempts after which a notification is no longer tried (it stays pending, with its error). */
const MAX_ATTEMPTS = 20;

/**
 * Tells people what happened in a review, by email and webhook, exactly once per notification
 * as far as the receiver can tell: every notification is first written to `notification_outbox`
 * under (review, seq, channel, recipient), then sent and marked sent in the same row lock. A
 * crash between sending and marking sends it again on retry with the same Idempotency-Key (and
 * the same email Message-ID), which receivers use to drop the repeat. Failures are recorded on
 * the row and the activity fails, so Temporal's retry policy tries again; rows left pending are
 * tried again with the review's next batch, up to MAX_ATTEMPTS in all.
 */
@Injectable()
export class NotificationActivitiesService implements NotificationActivities {
  private mail?: Transporter;
  /** Whether webhooks may go to loopback, private and link-local addresses. */
  private readonly privateNetworks: boolean;

  constructor(
    private readonly dataSource: DataSource,
    @Optional() @Inject(NOTIFICATION_OPTIONS) options: NotificationOptions = {},
  ) {
    const url = environment().SMTP_URL;
    if (url) this.mail = createTransport(url);
    this.privateNetworks = options.privateNetworks ?? webhookPrivateNetworks(environment());
  }

  async deliverNotifications(batch: NotificationBatch): Promise<{ queued: number; sent: number }> {
    // Heartbeats tell the server this attempt is alive; a worker that dies mid-send stops them,
    // and the attempt is retried after the heartbeat timeout rather than the whole start-to-close.
    const alive = keepAlive();
    try {
      return await this.deliver(batch);
    } finally {
      alive.stop();
    }
  }

  async sendNotifications({ reviewId, seqs }: PendingNotifications): Promise<{ sent: number }> {
    const alive = keepAlive();
    try {
      return { sent: await this.send(reviewId, seqs) };
    } finally {
      alive.stop();
    }
  }

  private async deliver(batch: NotificationBatch): Promise<{ queued: number; sent: number }> {
    const queued = await this.enqueue(batch);
    const sent = await this.send(
      batch.reviewId,
      batch.events.map((e) => e.seq),
    );
    return { queued, sent };
  }

  /**
   * Send the review's pending notifications, these events' first. Fails (so Temporal retries)
   * only for these events' notifications: older ones left pending were retried by their own
   * activity already and are only tried again here, once.
   */
  private async send(reviewId: string, seqs: number[]): Promise<number> {
    const mine = new Set(seqs);
    const { sent, failures } = await this.sendPending(reviewId, [...mine]);
    log.debug('notifications', { reviewId, sent, failed: failures.length });
    const own = failures.filter((f) => mine.has(f.seq));
    if (own.length)
      throw new Error(
        `${own.length} notification(s) not delivered: ${own.map((f) => f.reason).join('; ')}`,
      );
    return sent;
  }

  /**
   * Write the batch's notifications to the outbox, on `q` (the projection's transaction) or on
   * the DataSource. Once: a retried batch adds nothing. Returns how many of the batch's
   * notifications are still pending (written now or by an earlier attempt). The projection sends
   * the same statements with its own (`notificationLookup`, then `outboxStatements`).
   */
  async enqueue(batch: NotificationBatch, q: Queryable = this.dataSource): Promise<number> {
    // Most events tell nobody anything: then there is nothing to look up or write.
    const lookup = this.notificationLookup(batch);
    if (!lookup) return 0;
    const [found] = (await q.query(lookup.sql, lookup.params)) as NotificationLookup[];
    const writes = this.outboxStatements(batch, found);
    const count = writes.pop()!;
    for (const w of writes) await q.query(w.sql, w.params);
    const [{ pending }] = (await q.query(count.sql, count.params)) as { pending: number }[];
    return pending;
  }

  /**
   * The one statement that reads all that the batch's notifications need (undefined when it
   * tells nobody anything): the review's protocol, for the marking, and the preferences of every
   * agency, coordinator and address any of its messages may go to. One row
   * (`NotificationLookup`); each message then takes its own recipients from it.
   */
  notificationLookup({
    events,
    state,
    developerContact,
  }: NotificationBatch): { sql: string; params: unknown[] } | undefined {
    const messages = events.flatMap((e) => notificationFor(e, state, '', '') ?? []);
    if (messages.length === 0) return undefined;
    return {
      sql: NOTIFICATION_LOOKUP,
      params: [
        state.protocolKey,
        state.protocolVersion,
        [...new Set(messages.flatMap((m) => m.agencies))],
        messages.some((m) => m.coordinators),
        messages.some((m) => m.developer) && developerContact ? [developerContact] : [],
      ],
    };
  }

  /**
   * The statements that write the batch's notifications to the outbox, given what
   * `notificationLookup` found (the rows in one statement, when there are any), then count those
   * still pending for the batch's events: the last statement's one row (`pending`).
   */
  outboxStatements(
    { reviewId, events, state, developerContact }: NotificationBatch,
    found: NotificationLookup,
  ): { sql: string; params: unknown[] }[] {
    const marking = reviewMarking(found.definition ?? { workstreams: [] }, state);
    const link = `${environment().PUBLIC_BASE_URL.replace(/\/$/, '')}/reviews/${reviewId}`;
    const rows: {
      seq: number;
      channel: Channel;
      recipient: string;
      kind: string;
      subject: string;
      payload: string;
    }[] = [];
    for (const event of events) {
      const message = notificationFor(event, state, marking, link);
      if (!message) continue;
      const { emails, webhookAgencies } = recipientsOf(message, found, developerContact);
      const body = (agency: string) =>
        JSON.stringify({
          id: idempotencyKey(reviewId, event.seq, 'webhook', agency),
          kind: message.kind,
          type: event.type,
          reviewId,
          seq: event.seq,
          occurredAt: event.at,
          marking,
          subject: message.subject,
          link,
          event: message.facts,
        });
      const row = (channel: Channel, recipient: string, payload: OutboxRow['payload']) =>
        rows.push({
          seq: event.seq,
          channel,
          recipient,
          kind: message.kind,
          subject: message.subject,
          payload: JSON.stringify(payload),
        });
      if (this.mail) for (const to of emails) row('email', to, { to, text: message.text });
      for (const agency of webhookAgencies) row('webhook', agency, { agency, body: body(agency) });
    }
    return [
      ...(rows.length
        ? [
            {
              sql: `INSERT INTO notification_outbox
                 (review_id, seq, channel, recipient, idempotency_key, kind, subject, payload)
               SELECT $1::uuid, r.seq, r.channel, r.recipient, r.key, r.kind, r.subject, r.payload
                 FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                   $8::jsonb[]) AS r(seq, channel, recipient, key, kind, subject, payload)
               ON CONFLICT DO NOTHING`,
              params: [
                reviewId,
                rows.map((r) => r.seq),
                rows.map((r) => r.channel),
                rows.map((r) => r.recipient),
                rows.map((r) => idempotencyKey(reviewId, r.seq, r.channel, r.recipient)),
                rows.map((r) => r.kind),
                rows.map((r) => r.subject),
                rows.map((r) => r.payload),
              ],
            },
          ]
        : []),
      {
        sql: `SELECT count(*)::int AS pending FROM notification_outbox
               WHERE review_id = $1 AND seq = ANY($2::int[]) AND status = 'pending'`,
        params: [reviewId, events.map((e) => e.seq)],
      },
    ];
  }

  /** Send every pending notification of the review, one row lock per notification. */
  private async sendPending(
    reviewId: string,
    ownSeqs: number[],
  ): Promise<{ sent: number; failures: { seq: number; reason: string }[] }> {
    // This batch's notifications first, then older ones still pending; past MAX_ATTEMPTS a row
    // stays pending with its last error, for an operator to look at.
    const keys = (await this.dataSource.query(
      `SELECT idempotency_key FROM notification_outbox
       WHERE review_id = $1 AND status = 'pending' AND attempts < $2
       ORDER BY seq = ANY($3) DESC, seq, channel, recipient`,
      [reviewId, MAX_ATTEMPTS, ownSeqs],
    )) as { idempotency_key: string }[];
    let sent = 0;
    const failures: { seq: number; reason: string }[] = [];
    for (const { idempotency_key: key } of keys) {
      await this.dataSource.transaction(async (tx) => {
        // SKIP LOCKED: another attempt holding this row is sending it right now.
        const [row] = (await tx.query(
          `SELECT idempotency_key, seq, channel, recipient, subject, payload FROM notification_outbox
           WHERE idempotency_key = $1 AND status = 'pending' FOR UPDATE SKIP LOCKED`,
          [key],
        )) as OutboxRow[];
        if (!row) return;
        try {
          await (row.channel === 'email' ? this.sendEmail(row) : this.sendWebhook(tx, row));
          await tx.query(
            `UPDATE notification_outbox SET status = 'sent', attempts = attempts + 1,
               sent_at = now(), last_error = NULL WHERE idempotency_key = $1`,
            [key],
          );
          sent += 1;
        } catch (err) {
          const reason = err instanceof Error ? err.message : String(err);
          await tx.query(
            `UPDATE notification_outbox SET attempts = attempts + 1, last_error = $2
             WHERE idempotency_key = $1`,
            [key, reason.slice(0, 1000)],
          );
          failures.push({ seq: row.seq, reason: `${row.channel} ${row.recipient}: ${reason}` });
        }
      });
      // A worker shutting down: stop here, the rest stays pending for the retry.
      if (cancelled()) throw new Error('cancelled while sending notifications');
    }
    return { sent, failures };
  }

  private async sendEmail(row: OutboxRow): Promise<void> {
    if (!this.mail) throw new Error('SMTP_URL is not set');
    await this.mail.sendMail({
      from: environment().SMTP_FROM,
      to: row.payload.to,
      subject: row.subject,
      text: row.payload.text,
      // Stable across retries, so a repeat is recognisable as the same message.
      messageId: `<${row.idempotency_key}@review-engine>`,
      headers: { 'Idempotency-Key': row.idempotency_key },
    });
  }

  private async sendWebhook(
    tx: { query(sql: string, params?: unknown[]): Promise<unknown> },
    row: OutboxRow,
  ): Promise<void> {
    const [target] = (await tx.query(
      `SELECT webhook_url, webhook_secret FROM notification_agency_preferences WHERE agency = $1`,
      [row.payload.agency],
    )) as { webhook_url: string | null; webhook_secret: string | null }[];
    if (!target?.webhook_url || !target.webhook_secret)
      throw new Error(`agency ${row.recipient} has no webhook configured any more`);
    const body = row.payload.body!;
    const timestamp = String(Math.floor(Date.now() / 1000));
    const status = await postJson(
      target.webhook_url,
      {
        [WEBHOOK_HEADERS.idempotencyKey]: row.idempotency_key,
        [WEBHOOK_HEADERS.timestamp]: timestamp,
        [WEBHOOK_HEADERS.signature]: webhookSignature(
          openSecret(target.webhook_secret, environment().PAYLOAD_CODEC_KEYS),
          timestamp,
          body,
        ),
      },
      body,
      AbortSignal.any([AbortSignal.timeout(SEND_TIMEOUT_MS), ...cancellationSignal()]),
      this.privateNetworks,
    );
    if (status < 200 || status >= 300) throw new Error(`webhook answered ${status}`);
  }
}

/**
 * POST `body` to `url`; resolves with the status. Unless private networks are allowed, the
 * connection goes only to a public address (checked on the address connected to).
 */
function postJson(
  url: string,
  headers: Record<string, string>,
  body: string,
  signal: AbortSignal,
  privateNetworks: boolean,
): Promise<number> {
  const target = new URL(url);
  const host = hostOf(target);
  if (!privateNetworks && isIP(host) && !isPublicAddress(host))
    return Promise.reject(new Error(`webhook target ${host} is not a public address`));
  return new Promise<number>((resolve, reject) => {
    const req = (target.protocol === 'https:' ? httpsRequest : httpRequest)(
      target,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          ...headers,
        },
        signal,
        ...(privateNetworks ? {} : { lookup: publicOnlyLookup }),
      },
      (res) => {
        res.resume(); // the answer's body is not read; drain it so the socket is freed
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Heartbeat every HEARTBEAT_MS while running as an activity; a no-op outside one. */
function keepAlive(): { stop(): void } {
  let ctx: Context;
  try {
    ctx = Context.current();
  } catch {
    return { stop: () => undefined };
  }
  ctx.heartbeat();
  const timer = setInterval(() => ctx.heartbeat(), HEARTBEAT_MS);
  return { stop: () => clearInterval(timer) };
}

/** The activity's cancellation (worker shutdown, timeout), when running as an activity. */
function cancellationSignal(): AbortSignal[] {
  try {
    return [Context.current().cancellationSignal];
  } catch {
    return [];
  }
}

function cancelled(): boolean {
  return cancellationSignal().some((s) => s.aborted);
}
