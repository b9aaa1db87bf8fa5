import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { environment } from '../../../../config/environment';
import { dataSourceOptions, databaseUrl } from '../data-source';
import { AuditSigner, verifyAuditChain } from './audit-verification';

/**
 * `npm run audit:verify`: walk the audit chain and its signed checkpoints in the database at
 * DATABASE_URL (signatures checked with AUDIT_SIGNING_KEY when set). Prints the report as JSON;
 * exits 1 and names the first broken or missing entry when the chain does not hold.
 */
async function main(): Promise<void> {
  const db = new DataSource({ ...dataSourceOptions(databaseUrl()), logging: false });
  await db.initialize();
  try {
    const key = environment().AUDIT_SIGNING_KEY;
    const report = await db.transaction('REPEATABLE READ', (tx) =>
      verifyAuditChain(tx, key ? new AuditSigner(key) : undefined),
    );
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    if (!report.ok) {
      process.stderr.write(`audit chain broken: ${report.firstProblem!.message}\n`);
      process.exitCode = 1;
    }
  } finally {
    await db.destroy();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `audit:verify failed: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exit(2);
});
