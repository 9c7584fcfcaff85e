/**
 * Demo data for `npm start`, created once: legacy connections (plaintext tokens, migration_required)
 * in the demo organization and two others, so the admin panel shows the vault migration banner.
 */
import pg from 'pg';
import { seedLegacyConnections } from './seed-legacy.ts';
import { DEMO_ORG } from './token.ts';

const OTHER_ORGS = ['00000000-0000-4000-8000-00000000d0e1', '00000000-0000-4000-8000-00000000d0e2'];

export async function seedDemoDatabase(ownerUrl: string): Promise<string> {
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  const existing = await client.query(
    'select count(*)::int as n from ce_calendar_connections where organization_id = $1',
    [DEMO_ORG],
  );
  await client.end();
  if ((existing.rows[0] as { n: number }).n > 0) return 'already present';
  await seedLegacyConnections(ownerUrl, [DEMO_ORG], 60, 'demo');
  await seedLegacyConnections(ownerUrl, OTHER_ORGS, 20, 'other');
  return '60 legacy connections in the demo organization (vault migration pending), 40 in two others';
}
