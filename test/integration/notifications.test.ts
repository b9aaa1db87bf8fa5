import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MockActivityEnvironment } from '@temporalio/testing';
import { SMTPServer } from 'smtp-server';
import {
  NotificationActivitiesService,
  WEBHOOK_HEADERS,
} from '../../activities/notifications/notification.activities';
import { tokenFor } from '../support/auth';
import type { Protocol } from '../../libs/domain/src/protocol/protocol.types';
import { IntakeFactory, ProtocolFactory, secondsClock, uniq } from '../support/factories';
import { eventually, startHarness, type Harness } from '../support/harness';
import { apiClient } from '../support/http';
import { stateOf } from '../support/reviews';

/** One email as the local SMTP server received it. */
interface Mail {
  to: string[];
  subject: string;
  messageId: string;
  idempotencyKey: string;
  raw: string;
}

/** One webhook request as the local receiver got it (every attempt, repeats included). */
interface Delivery {
  path: string;
  key: string;
  signatureValid: boolean;
  body: {
    id: string;
    kind: string;
    type: string;
    reviewId: string;
    seq: number;
    marking: string;
    subject: string;
    link: string;
    event: Record<string, unknown>;
  };
  raw: string;
}

const SECRET = 'whsec-' + 'x'.repeat(40);
const SUMMARY = 'Confidential uplift on heap exploitation tasks';

function header(raw: string, name: string): string {
  const head = raw.split(/\r?\n\r?\n/)[0].replace(/\r?\n(?=[ \t])/g, '');
  const m = new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(head);
  return m ? m[1].trim() : '';
}

/** A local SMTP server (the `smtp-server` package) that keeps every message. */
async function startSmtp(): Promise<{ server: SMTPServer; port: number; mails: Mail[] }> {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, done) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        mails.push({
          to: session.envelope.rcptTo.map((r) => r.address),
          subject: header(raw, 'Subject'),
          messageId: header(raw, 'Message-ID'),
          idempotencyKey: header(raw, 'Idempotency-Key'),
          raw,
        });
        done();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { server, port, mails };
}

/**
 * A local webhook receiver: checks the signature, records every attempt, and can hold the first
 * request on a path unanswered (to kill the worker mid-send).
 */
async function startReceiver() {
  const deliveries: Delivery[] = [];
  const holds = new Map<string, () => void>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const ts = String(req.headers[WEBHOOK_HEADERS.timestamp]);
      const expected = `v1=${createHmac('sha256', SECRET).update(`${ts}.${raw}`).digest('hex')}`;
      const got = String(req.headers[WEBHOOK_HEADERS.signature] ?? '');
      deliveries.push({
        path: req.url ?? '',
        key: String(req.headers[WEBHOOK_HEADERS.idempotencyKey]),
        signatureValid:
          got.length === expected.length &&
          timingSafeEqual(Buffer.from(got), Buffer.from(expected)),
        body: JSON.parse(raw) as Delivery['body'],
        raw,
      });
      const hold = holds.get(req.url ?? '');
      if (hold) {
        holds.delete(req.url ?? '');
        hold(); // tell the test; never answer this one
        return;
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    server,
    url,
    deliveries,
    /** Resolves when the first request on `path` arrives (which is then left hanging). */
    holdFirst: (path: string) => new Promise<void>((resolve) => holds.set(path, resolve)),
  };
}

describe('notifications: email and signed webhooks, once per notification', () => {
  let h: Harness;
  let url: string;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const api = apiClient(() => url);
  const savedSmtpUrl = process.env.SMTP_URL;

  beforeAll(async () => {
    smtp = await startSmtp();
    receiver = await startReceiver();
    // Read by the worker's activities and the API when the harness builds them.
    process.env.SMTP_URL = `smtp://127.0.0.1:${smtp.port}`;
    h = await startHarness({ api: true });
    url = h.api!.url;
  });
  afterAll(async () => {
    await h.close();
    await new Promise<void>((resolve) => smtp.server.close(() => resolve()));
    receiver.server.closeAllConnections();
    await new Promise<void>((resolve) => receiver.server.close(() => resolve()));
    if (savedSmtpUrl === undefined) delete process.env.SMTP_URL;
    else process.env.SMTP_URL = savedSmtpUrl;
  });

  /** A protocol for a fresh agency whose lead points its webhook at `path`. */
  async function agencyWithWebhook(path: string, shape: (p: Protocol) => void = () => {}) {
    const protocol = ProtocolFactory.singleStep().build();
    shape(protocol);
    const agency = protocol.workstreams[0].agency;
    await h.publishProtocol(protocol);
    const team = `team@${agency}.example.gov`;
    const res = await api.put(
      `/notifications/agencies/${agency}`,
      {
        emailRecipients: [team],
        webhookUrl: `${receiver.url}${path}`,
        webhookSecret: SECRET,
        reason: 'Route review notifications to the duty desk',
      },
      tokenFor('agency-lead', { agency }),
    );
    expect(res.status).toBe(200);
    return { protocol, agency, team };
  }

  async function openReview(protocolKey: string, contactEmail?: string): Promise<string> {
    const created = await api.post(
      '/reviews',
      IntakeFactory.body({ protocolKey, ...(contactEmail ? { contactEmail } : {}) }),
      tokenFor('developer', { sub: `dev-${uniq()}@lab.example.com` }),
    );
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    await eventually(async () => {
      const r = (await (await api.get(`/reviews/${id}`)).json()) as {
        workstreams: { steps: { status: string }[] }[];
      };
      return r.workstreams[0]?.steps[0]?.status === 'open' ? true : undefined;
    }, 'the step to open');
    return id;
  }

  async function runReview(
    protocolKey: string,
    agency: string,
    contactEmail?: string,
  ): Promise<string> {
    const id = await openReview(protocolKey, contactEmail);
    const finding = await api.post(
      `/reviews/${id}/findings`,
      { agency, stepId: 'review', riskLevel: 'alert', summary: SUMMARY },
      tokenFor('agency-analyst', { agency }),
    );
    expect(finding.status).toBe(200);
    return id;
  }

  const outbox = async (reviewId: string) =>
    (await h.db.query(
      `SELECT channel, recipient, kind, idempotency_key, status FROM notification_outbox
       WHERE review_id = $1 ORDER BY seq, channel, recipient`,
      [reviewId],
    )) as {
      channel: string;
      recipient: string;
      kind: string;
      idempotency_key: string;
      status: string;
    }[];

  it('manages preferences through the API, refuses bad input by field, and audits every change', async () => {
    const agency = `n${uniq()}`;
    const lead = tokenFor('agency-lead', { agency });
    const bad = await api.put(
      `/notifications/agencies/${agency}`,
      { emailRecipients: ['not-an-address'], webhookUrl: 'ftp://x', kinds: ['gossip'], reason: '' },
      lead,
    );
    expect(bad.status).toBe(400);
    const fields = ((await bad.json()) as { errors: { field: string }[] }).errors.map(
      (e) => e.field,
    );
    expect(fields).toEqual(
      expect.arrayContaining(['emailRecipients', 'webhookUrl', 'kinds', 'reason']),
    );
    const noSecret = await api.put(
      `/notifications/agencies/${agency}`,
      { emailRecipients: [], webhookUrl: 'https://hooks.example.gov/x', reason: 'try' },
      lead,
    );
    expect(noSecret.status).toBe(400);
    expect(await noSecret.text()).toContain('webhookSecret');

    const put = await api.put(
      `/notifications/agencies/${agency}`,
      {
        emailRecipients: ['Desk@Agency.example.gov'],
        webhookUrl: 'https://hooks.example.gov/x',
        webhookSecret: SECRET,
        kinds: ['escalation', 'closure'],
        reason: 'New duty desk',
      },
      lead,
    );
    expect(put.status).toBe(200);
    const saved = (await (
      await api.get(`/notifications/agencies/${agency}`, tokenFor('coordinator'))
    ).json()) as Record<string, unknown>;
    expect(saved).toMatchObject({
      agency,
      emailRecipients: ['desk@agency.example.gov'],
      webhookUrl: 'https://hooks.example.gov/x',
      webhookSecretSet: true,
      kinds: ['escalation', 'closure'],
      updatedBy: `agency-lead@${agency}.example.gov`,
    });
    expect(JSON.stringify(saved)).not.toContain(SECRET);

    const me = await api.put(
      '/notifications/me',
      { email: 'ana@x.example.gov', emailEnabled: false, reason: 'On leave' },
      tokenFor('agency-analyst', { agency, sub: 'ana@x.example.gov' }),
    );
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({
      agency,
      emailEnabled: false,
      email: 'ana@x.example.gov',
    });

    const audit = (await h.db.query(
      `SELECT actor, role, action, target, justification, details, at FROM audit_log
       WHERE target IN ($1, $2) AND action LIKE '%notifications_changed' ORDER BY id`,
      [`agency:${agency}`, 'user:ana@x.example.gov'],
    )) as {
      actor: string;
      role: string;
      action: string;
      justification: string;
      details: object;
      at: Date;
    }[];
    expect(audit.map((a) => [a.action, a.actor, a.role, a.justification])).toEqual([
      [
        'agency_notifications_changed',
        `agency-lead@${agency}.example.gov`,
        'agency-lead',
        'New duty desk',
      ],
      ['user_notifications_changed', 'ana@x.example.gov', 'agency-analyst', 'On leave'],
    ]);
    expect(audit.every((a) => a.at instanceof Date)).toBe(true);
    expect(JSON.stringify(audit)).not.toContain(SECRET);
    // At rest the secret is sealed with the payload-codec keys; the signatures checked in the
    // tests below prove the worker opens it again.
    const [stored] = (await h.db.query(
      `SELECT webhook_secret FROM notification_agency_preferences WHERE agency = $1`,
      [agency],
    )) as { webhook_secret: string }[];
    expect(stored.webhook_secret).toMatch(/^sealed:v1:/);
    expect(stored.webhook_secret).not.toContain(SECRET);
  });

  it('tells each recipient once of assignment, finding, determination and closure, marked, signed, without finding content', async () => {
    const { protocol, agency, team } = await agencyWithWebhook('/hooks/a');
    const coordinator = `coord-${uniq()}@example.gov`;
    const optedOut = `ana-${uniq()}@${agency}.example.gov`;
    // The coordinator asks for email; an analyst on the agency list turns it off.
    expect(
      (
        await api.put(
          '/notifications/me',
          { email: coordinator, emailEnabled: true, reason: 'Watch every review' },
          tokenFor('coordinator', { sub: coordinator }),
        )
      ).status,
    ).toBe(200);
    await api.put(
      `/notifications/agencies/${agency}`,
      { emailRecipients: [team, optedOut], reason: 'Add Ana' },
      tokenFor('agency-lead', { agency }),
    );
    await api.put(
      '/notifications/me',
      { email: optedOut, emailEnabled: false, reason: 'Not me, thanks' },
      tokenFor('agency-analyst', { agency, sub: optedOut }),
    );

    const developer = `contact-${uniq()}@lab.example.com`;
    const reviewId = await runReview(protocol.key, agency, developer);
    const hooks = () => receiver.deliveries.filter((d) => d.body.reviewId === reviewId);
    const kinds = ['assignment', 'finding', 'determination', 'closure'];
    await eventually(
      async () => (hooks().length >= 4 ? true : undefined),
      'four webhook deliveries',
    );
    await eventually(async () => {
      const rows = await outbox(reviewId);
      return rows.length > 0 && rows.every((r) => r.status === 'sent') ? rows : undefined;
    }, 'every notification marked sent');

    // Webhooks: one per kind, each key once, signed, with only what happened.
    expect(hooks().map((d) => d.body.kind)).toEqual(kinds);
    expect(new Set(hooks().map((d) => d.key)).size).toBe(4);
    for (const d of hooks()) {
      expect(d.signatureValid).toBe(true);
      expect(d.path).toBe('/hooks/a');
      expect(d.key).toBe(d.body.id);
      expect(d.body.marking).toBe('CUI//SP-PROPIN');
      expect(d.body.subject).toMatch(/^\[CUI\/\/SP-PROPIN\] Review [0-9a-f]{8} /);
      expect(d.body.link).toMatch(new RegExp(`/reviews/${reviewId}$`));
      expect(d.raw).not.toContain(SUMMARY);
      expect(d.raw).not.toContain('sk-test-secret');
    }
    expect(hooks()[0].body.event).toEqual({ agency, stepId: 'review' });
    expect(hooks()[2].body.event).toEqual({ determination: 'mitigations_recommended' });
    expect(hooks()[3].body.event).toEqual({ closure: 'completed' });

    // Email: the team hears of all four, the coordinator of determination and closure, the
    // analyst who opted out of nothing; each message once, Message-ID from the outbox key.
    const mails = smtp.mails.filter((m) => m.raw.includes(reviewId));
    const subjectsTo = (who: string) =>
      mails.filter((m) => m.to.includes(who)).map((m) => m.subject.replace(/^.*\) /, ''));
    expect(subjectsTo(team)).toEqual([
      `step review assigned to ${agency}`,
      `finding recorded by ${agency}`,
      'determination: mitigations_recommended',
      'closed: completed',
    ]);
    expect(subjectsTo(coordinator)).toEqual([
      'determination: mitigations_recommended',
      'closed: completed',
    ]);
    expect(subjectsTo(optedOut)).toEqual([]);
    // The developer's contact hears of what a developer may see: the determination and closure.
    expect(subjectsTo(developer)).toEqual([
      'determination: mitigations_recommended',
      'closed: completed',
    ]);
    expect(mails).toHaveLength(8);
    for (const m of mails) {
      expect(m.subject).toMatch(/^\[CUI\/\/SP-PROPIN\] Review [0-9a-f]{8} \(model-/);
      expect(m.messageId).toBe(`<${m.idempotencyKey}@review-engine>`);
      expect(m.raw).not.toContain(SUMMARY);
    }
    expect(new Set(mails.map((m) => m.messageId)).size).toBe(8);
    const rows = await outbox(reviewId);
    expect(rows.map((r) => r.idempotency_key).sort()).toEqual(
      [...mails.map((m) => m.idempotencyKey), ...hooks().map((d) => d.key)].sort(),
    );
  });

  it('delivers each notification once per idempotency key when the worker is killed mid-send', async () => {
    const { protocol, agency } = await agencyWithWebhook('/hooks/crash');
    // The first webhook request hangs; while it does, the core worker is stopped (its
    // activities cancelled mid-send) and a fresh one started, which retries the activity.
    const held = receiver.holdFirst('/hooks/crash');
    const reviewPromise = runReview(protocol.key, agency);
    await held;
    await h.restartCoreWorker();
    const reviewId = await reviewPromise;

    const hooks = () => receiver.deliveries.filter((d) => d.body.reviewId === reviewId);
    const rows = await eventually(
      async () => {
        const r = await outbox(reviewId);
        const hooksRows = r.filter((x) => x.channel === 'webhook');
        if (hooksRows.length === 4 && r.every((x) => x.status === 'sent')) return r;
        // Thrown, not returned: a timeout then reports where each notification stood.
        const detail = (await h.db.query(
          `SELECT kind, channel, status, attempts, last_error FROM notification_outbox
           WHERE review_id = $1 ORDER BY seq, channel`,
          [reviewId],
        )) as object[];
        throw new Error(JSON.stringify(detail));
      },
      'all four webhook notifications sent after the restart',
      60_000,
    );

    const expectedKeys = rows.filter((r) => r.channel === 'webhook').map((r) => r.idempotency_key);
    const keysSeen = hooks().map((d) => d.key);
    // The interrupted notification arrived twice with the same key; the receiver's dedup by
    // key leaves exactly one per notification, and none is missing.
    const counts = new Map<string, number>();
    for (const k of keysSeen) counts.set(k, (counts.get(k) ?? 0) + 1);
    expect(counts.get(expectedKeys[0])).toBeGreaterThanOrEqual(2);
    expect(new Set(keysSeen)).toEqual(new Set(expectedKeys));
    expect(hooks().every((d) => d.signatureValid)).toBe(true);
    // Same key, same notification: the repeat carries the same body.
    const first = hooks().filter((d) => d.key === expectedKeys[0]);
    expect(new Set(first.map((d) => d.raw)).size).toBe(1);
    const mails = smtp.mails.filter((m) => m.raw.includes(reviewId));
    expect(new Set(mails.map((m) => m.messageId)).size).toBe(
      rows.filter((r) => r.channel === 'email').length,
    );
  });

  it('tells of a reminder, an extension decision, a missed deadline, the escalation and a withdrawal', async () => {
    // The step is due 6 s after it opens, with a reminder 4 s before.
    const { protocol, agency, team } = await agencyWithWebhook('/hooks/late', (p) => {
      p.workstreams[0].steps[0].clock = secondsClock(6);
      p.reminders = [{ before: secondsClock(4) }];
    });
    const reviewId = await openReview(protocol.key);
    const deadlineId = `step:${agency}:review`;
    const asked = await api.post(
      `/reviews/${reviewId}/extensions`,
      {
        deadlineId,
        clock: { unit: 'duration', iso: 'PT1S' },
        justification: 'Range time was cancelled',
      },
      tokenFor('agency-lead', { agency }),
    );
    expect(asked.status).toBe(200);
    const state = await stateOf(h.client.workflow.getHandle(`review-${reviewId}`));
    const extensionId = state.deadlines.find((d) => d.id === deadlineId)!.extensions[0].id;
    const decided = await api.post(`/reviews/${reviewId}/extensions/${extensionId}/decision`, {
      grant: false,
      reason: 'The window cannot move',
    });
    expect(decided.status).toBe(200);

    const hooks = () => receiver.deliveries.filter((d) => d.body.reviewId === reviewId);
    await eventually(
      async () => (hooks().some((d) => d.body.kind === 'escalation') ? true : undefined),
      'the escalation webhook',
    );
    const withdrawn = await api.post(`/reviews/${reviewId}/withdraw`, { reason: 'Done testing' });
    expect(withdrawn.status).toBe(200);
    await eventually(
      async () => (hooks().some((d) => d.body.kind === 'closure') ? true : undefined),
      'the closure webhook',
    );

    const byKind = Object.fromEntries(hooks().map((d) => [d.body.kind, d.body]));
    expect(Object.keys(byKind).sort()).toEqual([
      'assignment',
      'closure',
      'deadline_missed',
      'escalation',
      'extension_decision',
      'reminder',
    ]);
    expect(new Set(hooks().map((d) => d.key)).size).toBe(hooks().length);
    expect(hooks().every((d) => d.signatureValid)).toBe(true);
    expect(byKind.extension_decision.event).toMatchObject({
      deadlineId,
      extensionId,
      decision: 'refused',
    });
    expect(byKind.reminder.event).toMatchObject({ deadlineId });
    expect(byKind.deadline_missed.event).toMatchObject({ deadlineId });
    expect(byKind.escalation.subject).toMatch(
      /^\[CUI\/\/SP-PROPIN\] Review [0-9a-f]{8} \(model-\S+ ckpt-1\) escalated to L0 \(Staff leads\)$/,
    );
    expect(byKind.closure.event).toEqual({ closure: 'withdrawn' });
    await eventually(async () => {
      const subjects = smtp.mails
        .filter((m) => m.raw.includes(reviewId) && m.to.includes(team))
        .map((m) => m.subject);
      return subjects.length === hooks().length ? subjects : undefined;
    }, 'an email to the team for every webhook');
  });

  it('posts webhooks only to public addresses unless private networks are allowed', async () => {
    const { agency } = await agencyWithWebhook('/private');
    // Run as an activity is (for its logger and heartbeats), outside any worker.
    const asActivity = (privateNetworks: boolean) => {
      const service = new NotificationActivitiesService(h.db, { privateNetworks });
      return {
        sendNotifications: (p: { reviewId: string; seqs: number[] }) =>
          new MockActivityEnvironment().run(service.sendNotifications.bind(service), p),
      };
    };
    const service = asActivity(false);
    const reviewId = randomUUID();
    const pending = async (seq: number) => {
      const key = `private-${uniq()}`;
      await h.db.query(
        `INSERT INTO notification_outbox
           (review_id, seq, channel, recipient, idempotency_key, kind, subject, payload)
         VALUES ($1, $2, 'webhook', $3, $4, 'closure', 'closed', $5)`,
        [reviewId, seq, agency, key, JSON.stringify({ agency, body: '{}' })],
      );
      return key;
    };
    const lastError = async (key: string) =>
      (
        (await h.db.query(
          `SELECT status, last_error FROM notification_outbox WHERE idempotency_key = $1`,
          [key],
        )) as { status: string; last_error: string }[]
      )[0];

    // The configured receiver is 127.0.0.1: refused before connecting, and recorded on the row.
    const literal = await pending(1);
    await expect(service.sendNotifications({ reviewId, seqs: [1] })).rejects.toThrow(
      /127\.0\.0\.1 is not a public address/,
    );
    expect(await lastError(literal)).toMatchObject({ status: 'pending' });
    expect((await lastError(literal)).last_error).toMatch(/not a public address/);

    // A name is refused by the address it resolves to, when connecting.
    const port = new URL(receiver.url).port;
    await h.db.query(
      `UPDATE notification_agency_preferences SET webhook_url = $2 WHERE agency = $1`,
      [agency, `http://localhost:${port}/private`],
    );
    const named = await pending(2);
    await expect(service.sendNotifications({ reviewId, seqs: [2] })).rejects.toThrow(
      /localhost is .*a loopback, private or link-local address/,
    );
    expect(receiver.deliveries.filter((d) => d.key === literal || d.key === named)).toEqual([]);

    // Allowed (as outside production by default), the same rows go out.
    const allowed = asActivity(true);
    await allowed.sendNotifications({ reviewId, seqs: [1, 2] });
    expect(receiver.deliveries.filter((d) => d.key === literal || d.key === named)).toHaveLength(2);
  });

  it('does not hold up the review when a webhook receiver is down: email goes out, the webhook stays pending with its error', async () => {
    const { protocol, agency, team } = await agencyWithWebhook('/unused');
    // Nothing listens on port 9 (discard): every webhook attempt fails.
    await api.put(
      `/notifications/agencies/${agency}`,
      { emailRecipients: [team], webhookUrl: 'http://127.0.0.1:9/down', reason: 'Receiver moved' },
      tokenFor('agency-lead', { agency }),
    );
    const reviewId = await runReview(protocol.key, agency);
    // The read model reaches closed while the webhook is still being retried.
    await eventually(async () => {
      const r = (await (await api.get(`/reviews/${reviewId}`)).json()) as { status: string };
      return r.status === 'closed' ? true : undefined;
    }, 'the review to close in the read model');
    const rows = await eventually(async () => {
      const r = (await h.db.query(
        `SELECT channel, recipient, kind, status, attempts, last_error FROM notification_outbox
         WHERE review_id = $1 ORDER BY seq, channel`,
        [reviewId],
      )) as {
        channel: string;
        recipient: string;
        kind: string;
        status: string;
        attempts: number;
        last_error: string;
      }[];
      return r.some((x) => x.kind === 'closure') ? r : undefined;
    }, 'the closure notification in the outbox');
    // The team's emails (coordinators who asked for email get determination and closure too).
    const emails = rows.filter((r) => r.channel === 'email' && r.recipient === team);
    const hooks = rows.filter((r) => r.channel === 'webhook');
    expect(emails.map((r) => r.kind)).toEqual([
      'assignment',
      'finding',
      'determination',
      'closure',
    ]);
    await eventually(async () => {
      const sent = (await h.db.query(
        `SELECT count(*)::int AS n FROM notification_outbox
         WHERE review_id = $1 AND channel = 'email' AND recipient = $2 AND status = 'sent'`,
        [reviewId, team],
      )) as { n: number }[];
      return sent[0].n === 4 ? true : undefined;
    }, 'every email sent');
    expect(hooks.map((r) => r.kind)).toEqual(['assignment', 'finding', 'determination', 'closure']);
    expect(hooks.every((r) => r.status === 'pending')).toBe(true);
    expect(hooks[0].attempts).toBeGreaterThanOrEqual(1);
    expect(hooks[0].last_error).toMatch(/fetch failed|ECONNREFUSED/);
  });
});
