import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { environment } from '../../config/environment';
import {
  appendAudit,
  AUDIT_CHAIN_LOCK,
  entryHash,
} from '../../libs/persistence/src/audit/audit-chain';
import { AuditSigner, verifyAuditChain } from '../../libs/persistence/src/audit/audit-verification';
import { tokenFor } from '../support/auth';
import { IntakeFactory, ProtocolFactory, uniq } from '../support/factories';
import { eventually, startHarness, type Harness } from '../support/harness';
import { apiClient } from '../support/http';
import { readTestRun } from '../support/test-run';

interface Verification {
  ok: boolean;
  entries: number;
  unchained: number;
  head?: { position: number; hash: string };
  checkpoints: number;
  signaturesVerified: boolean;
  firstProblem?: { position: number; kind: string; message: string; entryId?: string };
}

/**
 * The audit log as evidence: every write (review events from the projection, API requests,
 * refusals) lands in one hash chain; tampering with, deleting or reordering rows as the database
 * owner is found by verify (endpoint and CLI), a deleted newest entry through the signed
 * checkpoint; and the application's database role can only read and append.
 */
describe('audit hash chain', () => {
  let h: Harness;
  let url: string;
  const api = apiClient(() => url);
  const auditor = tokenFor('auditor', { sub: 'auditor@example.gov' });
  const agency = `a${uniq()}`;
  const protocol = ProtocolFactory.singleStep(agency).build();

  const verify = async (): Promise<Verification> => {
    const res = await api.get('/audit/verify', auditor);
    expect(res.status).toBe(200);
    return (await res.json()) as Verification;
  };
  /** A chained row to tamper with, in the middle of the chain. */
  const rowAt = async (position: number) =>
    (
      (await h.db.query(`SELECT * FROM audit_log WHERE position = $1`, [position])) as Record<
        string,
        unknown
      >[]
    )[0];
  const restore = async (row: Record<string, unknown>) => {
    const columns = Object.keys(row);
    await h.db.query(
      `INSERT INTO audit_log (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
      columns.map((c) => (c === 'details' ? JSON.stringify(row[c]) : row[c])),
    );
  };

  beforeAll(async () => {
    h = await startHarness({ api: true });
    url = h.api!.url;
    await h.publishProtocol(protocol);
    // Some history: a review through its finding (projection entries), API requests, refusals.
    const created = await api.post('/reviews', IntakeFactory.body({ protocolKey: protocol.key }));
    const { id } = (await created.json()) as { id: string };
    await eventually(async () => {
      const res = await api.post(
        `/reviews/${id}/findings`,
        { stepId: 'review', riskLevel: 'low', summary: 'No uplift', rationale: 'CTF scores flat' },
        tokenFor('agency-analyst', { agency }),
      );
      return res.status === 200 ? true : undefined;
    }, 'the finding to be accepted');
    await api.get('/summary', tokenFor('developer'));
  });
  afterAll(() => h.close());

  it('chains every kind of entry, concurrent appends included, and verifies clean', async () => {
    // Concurrent appends from the API (refusals) and a projection must not fork the chain.
    await Promise.all(Array.from({ length: 20 }, () => api.get('/audit', tokenFor('developer'))));
    const report = await verify();
    expect(report).toMatchObject({ ok: true, signaturesVerified: true });
    expect(report.entries).toBeGreaterThan(20);
    const actions: { action: string }[] = await h.db.query(
      `SELECT DISTINCT action FROM audit_log WHERE position IS NOT NULL`,
    );
    expect(actions.map((a) => a.action)).toEqual(
      expect.arrayContaining([
        'review_submitted',
        'step_done',
        'request:reviews:create',
        'authorization_denied',
      ]),
    );
    // A finding's request is audited with the finding itself: its step_done entry carries the
    // request (caller, role, request id), and there is no separate request entry for it.
    expect(actions.map((a) => a.action)).not.toContain('request:findings:submit');
    await eventually(async () => {
      const n: { n: number }[] = await h.db.query(
        `SELECT count(*)::int AS n FROM audit_log WHERE action = 'step_done' AND details->>'agency' = $1`,
        [agency],
      );
      return n[0].n > 0 ? true : undefined;
    }, 'the finding projected');
    const fields: Record<string, unknown>[] = await h.db.query(
      `SELECT actor, role, request_id, justification, details->'request'->>'id' AS "detailsRequestId",
              at, prev_hash, hash FROM audit_log
       WHERE action = 'step_done' AND details->>'agency' = $1 LIMIT 1`,
      [agency],
    );
    // The request stays out of the timeline, which agencies sharing findings read.
    const timeline: { details: Record<string, unknown>; reason: string | null }[] =
      await h.db.query(
        `SELECT details, reason FROM review_events WHERE type = 'step_done' AND details->>'agency' = $1`,
        [agency],
      );
    expect(timeline).toHaveLength(1);
    expect(timeline[0].details).not.toHaveProperty('request');
    expect(timeline[0].reason).toBeNull();
    expect(fields[0].detailsRequestId).toBe(fields[0].request_id);
    expect(fields[0]).toMatchObject({
      justification: 'CTF scores flat',
      actor: `agency-analyst@${agency}.example.gov`,
      role: 'agency-analyst',
      request_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      prev_hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it('appends a batch in order in one go, and a retried batch adds nothing and keeps the chain', async () => {
    const reviewId = (
      (await h.db.query(`SELECT id FROM reviews ORDER BY created_at LIMIT 1`)) as { id: string }[]
    )[0].id;
    const batch = [1001, 1002, 1003].map((seq) => ({
      actor: 'system',
      role: 'system',
      action: `batch_${seq}`,
      target: `review:${reviewId}`,
      justification: null,
      reviewId,
      seq,
      details: { seq },
    }));
    const append = (records: typeof batch) =>
      h.db.transaction((tx) => appendAudit(tx, records, { chained: true }));
    expect(await append(batch)).toBe(3);
    // The same batch again (a retried projection), and once more overlapping a new entry.
    expect(await append(batch)).toBe(0);
    expect(
      await append([...batch.slice(1), { ...batch[0], seq: 1004, action: 'batch_1004' }]),
    ).toBe(1);
    const rows = (await h.db.query(
      `SELECT action, position, prev_hash, hash FROM audit_log WHERE review_id = $1 AND seq > 1000
       ORDER BY position`,
      [reviewId],
    )) as { action: string; position: string; prev_hash: string; hash: string }[];
    expect(rows.map((r) => r.action)).toEqual([
      'batch_1001',
      'batch_1002',
      'batch_1003',
      'batch_1004',
    ]);
    // One append is one unbroken run of the chain; other writers may come between two appends,
    // which verify (below) checks across.
    for (let i = 1; i < 3; i++) {
      expect(Number(rows[i].position)).toBe(Number(rows[i - 1].position) + 1);
      expect(rows[i].prev_hash).toBe(rows[i - 1].hash);
    }
    expect((await verify()).ok).toBe(true);
  });

  it('hashes what PostgreSQL chains exactly as the application hashes it, awkward text included', async () => {
    // PostgreSQL computes each hash (auditAppendStatement); verify and this test recompute it.
    const awkward = [
      `quote ' and "double", back\\slash, $1 and $$`,
      'line\nbreak\ttab \u0001 control',
      'unicode: é ü 中文 🙂 \u2028',
      '',
    ];
    const records = awkward.map((text, i) => ({
      actor: `actor ${text}`,
      role: i % 2 ? null : 'coordinator',
      action: 'awkward_text',
      target: text || 'nothing',
      justification: i === 3 ? null : text,
      requestId: i === 1 ? null : `req-${i}`,
      at: new Date(Date.UTC(2026, 10, 28, 4, 30, i, 7)),
      details: { text, nested: { z: [text, -1.5, 2e21, null, true], a: {} }, n: i },
    }));
    expect(await h.db.transaction((tx) => appendAudit(tx, records, { chained: true }))).toBe(4);
    const rows = (await h.db.query(
      `SELECT * FROM audit_log WHERE action = 'awkward_text' ORDER BY position`,
    )) as Record<string, unknown>[];
    expect(rows).toHaveLength(4);
    for (const [i, row] of rows.entries()) {
      expect(row.target).toBe(awkward[i] || 'nothing');
      expect(row.details).toEqual(records[i].details);
      const fields = {
        position: Number(row.position),
        prevHash: row.prev_hash as string,
        actor: row.actor as string,
        role: row.role as string | null,
        action: row.action as string,
        target: row.target as string,
        justification: row.justification as string | null,
        reviewId: row.review_id as string | null,
        seq: row.seq as number | null,
        requestId: row.request_id as string | null,
        at: (row.at as Date).toISOString(),
        details: row.details as Record<string, unknown>,
      };
      expect(row.hash).toBe(entryHash(fields));
      if (i > 0) expect(row.prev_hash).toBe(rows[i - 1].hash);
    }
    expect((await verify()).ok).toBe(true);
  });

  it('finds an altered entry', async () => {
    const k = Math.floor(((await verify()).head!.position * 2) / 3);
    const before = await rowAt(k);
    await h.db.query(`UPDATE audit_log SET justification = 'nothing to see' WHERE position = $1`, [
      k,
    ]);
    expect((await verify()).firstProblem).toMatchObject({ position: k, kind: 'tampered' });
    await h.db.query(`UPDATE audit_log SET justification = $2 WHERE position = $1`, [
      k,
      before.justification,
    ]);
    expect((await verify()).ok).toBe(true);
  });

  it('finds a deleted entry, also through the CLI', async () => {
    const k = Math.floor((await verify()).head!.position / 2);
    const row = await rowAt(k);
    await h.db.query(`DELETE FROM audit_log WHERE position = $1`, [k]);
    expect((await verify()).firstProblem).toMatchObject({ position: k, kind: 'missing' });

    const cli = await promisify(execFile)(
      process.execPath,
      [
        '-r',
        'ts-node/register/transpile-only',
        '-r',
        'tsconfig-paths/register',
        'libs/persistence/src/audit/verify-audit.cli.ts',
      ],
      {
        cwd: path.resolve(__dirname, '../..'),
        env: { ...process.env, DATABASE_URL: readTestRun().databaseUrl },
      },
    ).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain(`entry ${k} is missing`);

    await restore(row);
    expect((await verify()).ok).toBe(true);
  });

  it('finds reordered entries', async () => {
    const k = Math.floor((await verify()).head!.position / 3);
    await h.db.query(`UPDATE audit_log SET position = -1 WHERE position = $1`, [k]);
    await h.db.query(`UPDATE audit_log SET position = $1 WHERE position = $2`, [k, k + 1]);
    await h.db.query(`UPDATE audit_log SET position = $1 WHERE position = -1`, [k + 1]);
    expect((await verify()).firstProblem).toMatchObject({ position: k, kind: 'broken_link' });
    await h.db.query(`UPDATE audit_log SET position = -1 WHERE position = $1`, [k]);
    await h.db.query(`UPDATE audit_log SET position = $1 WHERE position = $2`, [k, k + 1]);
    await h.db.query(`UPDATE audit_log SET position = $1 WHERE position = -1`, [k + 1]);
    expect((await verify()).ok).toBe(true);
  });

  it('finds the newest entries deleted below a signed checkpoint, and a forged checkpoint', async () => {
    const made = await api.post('/audit/checkpoints', {}, auditor);
    const { checkpoint } = (await made.json()) as {
      checkpoint: { id: string; position: number; signature: string };
    };
    expect(checkpoint.signature).toBeTruthy();
    // Cut the tail inside one transaction that holds the chain lock (no append can slip in),
    // verify there, and roll the cut back.
    const head = checkpoint.position;
    const runner = h.db.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    try {
      await runner.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_CHAIN_LOCK]);
      await runner.query(`DELETE FROM audit_log WHERE position >= $1`, [head]);
      const cut = await verifyAuditChain(runner, new AuditSigner(environment().AUDIT_SIGNING_KEY!));
      expect(cut.firstProblem).toMatchObject({ position: head, kind: 'missing' });
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }

    await h.db.query(`UPDATE audit_checkpoints SET hash = repeat('0', 64) WHERE id = $1`, [
      checkpoint.id,
    ]);
    const forged = await verify();
    expect(forged.ok).toBe(false);
    expect(['checkpoint_signature', 'checkpoint_mismatch']).toContain(forged.firstProblem!.kind);
    await h.db.query(`DELETE FROM audit_checkpoints WHERE id = $1`, [checkpoint.id]);
    expect((await verify()).ok).toBe(true);
  });

  it('leaves entries written with the chain off outside it, and says so', async () => {
    const before = await verify();
    await h.db.transaction((tx) =>
      appendAudit(
        tx,
        [
          {
            actor: 'bench',
            role: 'system',
            action: 'unchained_probe',
            target: 'x',
            justification: null,
          },
        ],
        { chained: false },
      ),
    );
    const after = await verify();
    expect(after.ok).toBe(true);
    expect(after.unchained).toBe(before.unchained + 1);
  });

  it("lets the application's database role read and append the audit log, nothing else", async () => {
    const asApp = async (sql: string) => {
      const runner = h.db.createQueryRunner();
      await runner.connect();
      await runner.startTransaction();
      try {
        await runner.query('SET LOCAL ROLE review_engine_app');
        await runner.query(sql);
        return 'allowed';
      } catch (err) {
        return (err as Error).message;
      } finally {
        await runner.rollbackTransaction();
        await runner.release();
      }
    };
    expect(await asApp(`SELECT count(*) FROM audit_log`)).toBe('allowed');
    expect(
      await asApp(
        `INSERT INTO audit_log (actor, action, target, at, details) VALUES ('a', 'b', 'c', now(), '{}')`,
      ),
    ).toBe('allowed');
    expect(await asApp(`UPDATE audit_log SET actor = 'x'`)).toMatch(/permission denied/);
    expect(await asApp(`DELETE FROM audit_log`)).toMatch(/permission denied/);
    expect(await asApp(`TRUNCATE audit_log`)).toMatch(/permission denied/);
    expect(await asApp(`DELETE FROM audit_checkpoints`)).toMatch(/permission denied/);
    expect(await asApp(`UPDATE reviews SET stage = stage WHERE false`)).toBe('allowed');
  });

  it('lists entries for auditors only, newest first', async () => {
    const res = await api.get('/audit?limit=5&action=authorization_denied', auditor);
    expect(res.status).toBe(200);
    const page = (await res.json()) as { items: { id: string; action: string }[] };
    expect(page.items.length).toBeGreaterThan(0);
    expect(page.items.every((e) => e.action === 'authorization_denied')).toBe(true);
    expect((await api.get('/audit', tokenFor('coordinator'))).status).toBe(403);
    expect((await api.get('/audit?limit=9999', auditor)).status).toBe(400);
  });
});
