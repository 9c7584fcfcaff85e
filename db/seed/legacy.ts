/**
 * Seed of legacy (pre-PF-101) connections: plaintext tokens in `access_token_encrypted` /
 * `refresh_token_encrypted`, `migration_required = true`. Used by `npm run seed:legacy`, the
 * `npm start` demo data, the tests and the benchmarks. Token values are derived from `tag` and the
 * row number (see `legacyTokens`), so tests can check what the vault holds after migration.
 */
export const LEGACY_SEED_SQL = `
insert into ce_calendar_connections
  (organization_id, user_id, provider, account_email, access_token_encrypted, refresh_token_encrypted,
   migration_required, token_expires_at, sync_status)
select $1::uuid, gen_random_uuid(), case when i % 2 = 0 then 'google' else 'microsoft' end,
       'legacy-' || $3 || '-' || i || '@legacy.example',
       'legacy-access-' || $3 || '-' || i, 'legacy-refresh-' || $3 || '-' || i,
       true, now() + interval '30 minutes', 'syncing'
from generate_series(1, $2::int) as i`;

export const legacySeedParams = (organizationId: string, count: number, tag: string): unknown[] => [
  organizationId,
  count,
  tag,
];

/** The plaintext tokens the seed gave row `i` of `tag`. */
export const legacyTokens = (tag: string, i: number) => ({
  access: `legacy-access-${tag}-${i}`,
  refresh: `legacy-refresh-${tag}-${i}`,
});
