/**
 * Key rotation: re-encrypts every credential to the newest key version, organization by
 * organization, each batch in its own transaction under that organization's claims. Resumable and
 * safe to re-run (only rows on older versions are touched; concurrent runs skip locked rows).
 */
import { sql } from 'drizzle-orm';
import { rotateCredentialBatch } from '../../db/queries/credentials.ts';
import { type RequestDatabase, systemClaims } from '../../db/tenant.ts';
import type { VaultKeyring } from './keys.ts';

export interface RotationReport {
  organizations: number;
  reencrypted: number;
  /** Credentials no configured key opens (tampered or copied rows); reported, never retried in a loop. */
  failed: number;
}

export async function rotateAllCredentials(
  database: RequestDatabase,
  keyring: VaultKeyring,
  batchSize = 100,
): Promise<RotationReport> {
  const result = await database.db.execute(
    sql`select ce_vault_rotation_organizations(${keyring.currentVersion}) as organization_id`,
  );
  const organizations = result.rows.map((row) => String(row.organization_id));
  const report: RotationReport = { organizations: organizations.length, reencrypted: 0, failed: 0 };
  for (const organizationId of organizations) {
    let afterId: string | undefined;
    for (;;) {
      const batch = await database.asTenant(systemClaims(organizationId), (tx) =>
        rotateCredentialBatch(tx, keyring, batchSize, afterId),
      );
      report.reencrypted += batch.reencrypted;
      report.failed += batch.failed;
      afterId = batch.lastId;
      if (batch.scanned < batchSize) break;
    }
  }
  return report;
}
