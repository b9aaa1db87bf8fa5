import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import {
  AUDIT_CHAIN_LOCK,
  canonicalJson,
  entryHash,
  GENESIS_HASH,
  type Queryable,
} from './audit-chain';

/** Signs and checks checkpoints of the audit chain head with one Ed25519 key. */
export class AuditSigner {
  readonly keyId: string;
  private readonly privateKey?: KeyObject;
  private readonly publicKey: KeyObject;

  /** `pkcs8Base64`: base64 of the Ed25519 private key in PKCS#8 DER (AUDIT_SIGNING_KEY). */
  constructor(pkcs8Base64: string) {
    this.privateKey = createPrivateKey({
      key: Buffer.from(pkcs8Base64, 'base64'),
      format: 'der',
      type: 'pkcs8',
    });
    if (this.privateKey.asymmetricKeyType !== 'ed25519') {
      throw new Error('AUDIT_SIGNING_KEY: not an Ed25519 key');
    }
    this.publicKey = createPublicKey(this.privateKey);
    const spki = this.publicKey.export({ format: 'der', type: 'spki' });
    this.keyId = createHash('sha256').update(spki).digest('hex').slice(0, 16);
  }

  sign(message: string): string {
    return sign(null, Buffer.from(message), this.privateKey!).toString('base64');
  }

  verify(message: string, signature: string): boolean {
    return verify(null, Buffer.from(message), this.publicKey, Buffer.from(signature, 'base64'));
  }
}

/** A new AUDIT_SIGNING_KEY value. */
export function generateAuditSigningKey(): string {
  const { privateKey } = generateKeyPairSync('ed25519');
  return privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
}

export interface AuditCheckpoint {
  id: string;
  position: number;
  hash: string;
  at: string;
  keyId: string;
  signature: string;
}

const checkpointMessage = (position: number, hash: string, at: string) =>
  canonicalJson(['audit-checkpoint', position, hash, at]);

/**
 * Sign the current chain head and store the checkpoint. A later deletion of the newest entries
 * (which the chain alone cannot show) then shows as entries missing below a signed head.
 * Returns undefined when the chain is empty or the head is already checkpointed.
 */
export async function writeAuditCheckpoint(
  q: Queryable,
  signer: AuditSigner,
): Promise<AuditCheckpoint | undefined> {
  await q.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_CHAIN_LOCK]);
  const [head] = (await q.query(
    `SELECT position, hash FROM audit_log WHERE position IS NOT NULL ORDER BY position DESC LIMIT 1`,
  )) as { position: string; hash: string }[];
  if (!head) return undefined;
  const [last] = (await q.query(
    `SELECT position FROM audit_checkpoints ORDER BY position DESC LIMIT 1`,
  )) as { position: string }[];
  if (last && Number(last.position) >= Number(head.position)) return undefined;
  const at = new Date().toISOString();
  const position = Number(head.position);
  const signature = signer.sign(checkpointMessage(position, head.hash, at));
  const [row] = (await q.query(
    `INSERT INTO audit_checkpoints (position, hash, at, key_id, signature)
     VALUES ($1, $2, $3, $4, $5) RETURNING id`,
    [position, head.hash, at, signer.keyId, signature],
  )) as { id: string }[];
  return { id: String(row.id), position, hash: head.hash, at, keyId: signer.keyId, signature };
}

/** Stored checkpoints, oldest or newest first. */
export async function readAuditCheckpoints(
  q: Queryable,
  order: 'oldest' | 'newest',
  limit = 1_000_000,
): Promise<AuditCheckpoint[]> {
  const rows = (await q.query(
    `SELECT id, position, hash, at, key_id, signature FROM audit_checkpoints
     ORDER BY position ${order === 'oldest' ? 'ASC' : 'DESC'} LIMIT $1`,
    [limit],
  )) as {
    id: string;
    position: string;
    hash: string;
    at: Date;
    key_id: string;
    signature: string;
  }[];
  return rows.map((r) => ({
    id: String(r.id),
    position: Number(r.position),
    hash: r.hash,
    at: new Date(r.at).toISOString(),
    keyId: r.key_id,
    signature: r.signature,
  }));
}

export type AuditProblemKind =
  'tampered' | 'broken_link' | 'missing' | 'checkpoint_mismatch' | 'checkpoint_signature';

export interface AuditProblem {
  /** Chain position of the first entry found wrong or missing. */
  position: number;
  /** Row id when the entry is there. */
  entryId?: string;
  kind: AuditProblemKind;
  message: string;
}

export interface AuditVerification {
  ok: boolean;
  /** Chained entries walked. */
  entries: number;
  /** Entries written with the chain switched off or before it existed (not covered). */
  unchained: number;
  head?: { position: number; hash: string };
  checkpoints: number;
  /** False when no signing key is configured: checkpoints then only compared, not verified. */
  signaturesVerified: boolean;
  firstProblem?: AuditProblem;
}

interface ChainRow {
  id: string;
  position: string;
  prev_hash: string;
  hash: string;
  actor: string;
  role: string | null;
  action: string;
  target: string;
  justification: string | null;
  review_id: string | null;
  seq: number | null;
  request_id: string | null;
  at: Date;
  details: Record<string, unknown>;
}

/**
 * Walk the chain in position order and report the first entry that is missing, altered or out of
 * place, and any checkpoint whose signature or head does not match what is stored.
 */
export async function verifyAuditChain(
  q: Queryable,
  signer?: AuditSigner,
  batchSize = 2000,
): Promise<AuditVerification> {
  const [{ count }] = (await q.query(
    `SELECT count(*)::int AS count FROM audit_log WHERE position IS NULL`,
  )) as { count: number }[];
  const checkpoints = await readAuditCheckpoints(q, 'oldest');
  const problems: AuditProblem[] = [];
  const expectedAt = new Map<number, string>();
  for (const c of checkpoints) {
    const position = c.position;
    const message = checkpointMessage(position, c.hash, c.at);
    if (signer && (c.keyId !== signer.keyId || !signer.verify(message, c.signature))) {
      problems.push({
        position,
        kind: 'checkpoint_signature',
        message: `checkpoint ${c.id} at position ${position} does not carry a valid signature of key ${signer.keyId}`,
      });
    }
    expectedAt.set(position, c.hash);
  }

  let expected = 1;
  let prev = GENESIS_HASH;
  let walked = 0;
  let stop = false;
  while (!stop) {
    const rows = (await q.query(
      `SELECT id, position, prev_hash, hash, actor, role, action, target, justification, review_id,
              seq, request_id, at, details
       FROM audit_log WHERE position >= $1 ORDER BY position LIMIT $2`,
      [expected, batchSize],
    )) as ChainRow[];
    if (rows.length === 0) break;
    for (const row of rows) {
      const position = Number(row.position);
      if (position !== expected) {
        problems.push({
          position: expected,
          kind: 'missing',
          message: `entry ${expected} is missing (the next one present is ${position})`,
        });
        stop = true;
        break;
      }
      if (row.prev_hash !== prev) {
        problems.push({
          position,
          entryId: String(row.id),
          kind: 'broken_link',
          message: `entry ${position} (id ${row.id}) does not follow entry ${position - 1}: reordered, or its predecessor was altered`,
        });
        stop = true;
        break;
      }
      const recomputed = entryHash({
        position,
        prevHash: row.prev_hash,
        actor: row.actor,
        role: row.role,
        action: row.action,
        target: row.target,
        justification: row.justification,
        reviewId: row.review_id,
        seq: row.seq,
        requestId: row.request_id,
        at: new Date(row.at).toISOString(),
        details: row.details,
      });
      if (recomputed !== row.hash) {
        problems.push({
          position,
          entryId: String(row.id),
          kind: 'tampered',
          message: `entry ${position} (id ${row.id}) was altered after it was written`,
        });
        stop = true;
        break;
      }
      const checkpointed = expectedAt.get(position);
      if (checkpointed !== undefined && checkpointed !== row.hash) {
        problems.push({
          position,
          entryId: String(row.id),
          kind: 'checkpoint_mismatch',
          message: `entry ${position} differs from the signed checkpoint of that position`,
        });
        stop = true;
        break;
      }
      prev = row.hash;
      expected++;
      walked++;
    }
    if (rows.length < batchSize) break;
  }
  const lastCheckpointed = checkpoints.length ? checkpoints[checkpoints.length - 1].position : 0;
  if (!stop && lastCheckpointed >= expected) {
    problems.push({
      position: expected,
      kind: 'missing',
      message: `entries ${expected}..${lastCheckpointed} are missing: a signed checkpoint covers position ${lastCheckpointed}`,
    });
  }
  problems.sort((a, b) => a.position - b.position);
  return {
    ok: problems.length === 0,
    entries: walked,
    unchained: count,
    head: walked ? { position: expected - 1, hash: prev } : undefined,
    checkpoints: checkpoints.length,
    signaturesVerified: !!signer,
    firstProblem: problems[0],
  };
}
