/**
 * `npm run seed:legacy -- --orgs <uuid,uuid> --per-org 20 --tag demo`: creates legacy connections with
 * plaintext tokens (owner role: DATABASE_URL must be the owner/migration URL).
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { LEGACY_SEED_SQL, legacySeedParams } from '../db/seed/legacy.ts';

export async function seedLegacyConnections(
  ownerUrl: string,
  organizations: string[],
  perOrganization: number,
  tag: string,
): Promise<number> {
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    let created = 0;
    for (const [index, org] of organizations.entries()) {
      const result = await client.query(
        LEGACY_SEED_SQL,
        legacySeedParams(org, perOrganization, `${tag}${index}`),
      );
      created += result.rowCount ?? 0;
    }
    return created;
  } finally {
    await client.end();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      orgs: { type: 'string' },
      'per-org': { type: 'string', default: '20' },
      tag: { type: 'string', default: 'seed' },
    },
  });
  const url = process.env.DATABASE_URL;
  if (!url || !values.orgs) {
    console.error(
      'usage: DATABASE_URL=<owner url> npm run seed:legacy -- --orgs <uuid,…> [--per-org N] [--tag T]',
    );
    process.exit(2);
  }
  const created = await seedLegacyConnections(
    url,
    values.orgs.split(','),
    Number(values['per-org']),
    values.tag,
  );
  console.log(`created ${created} legacy connections`);
}
