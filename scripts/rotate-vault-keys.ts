/**
 * `npm run vault:rotate`: re-encrypts every credential with the newest CREDENTIAL_VAULT_KEYS version.
 * Needs DATABASE_URL (the worker's role) and CREDENTIAL_VAULT_KEYS; DB_WS_PROXY for a local Postgres.
 * Uses the same driver and tenant transactions as the worker. Resumable and safe to re-run.
 */
import { Database } from '../db/tenant.ts';
import { loadKeyring } from '../worker/vault/keys.ts';
import { rotateAllCredentials } from '../worker/vault/rotate.ts';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('DATABASE_URL is required');
  process.exit(2);
}
const keyring = loadKeyring(process.env.CREDENTIAL_VAULT_KEYS);
const database = new Database({
  DATABASE_URL: url,
  ...(process.env.DB_WS_PROXY ? { DB_WS_PROXY: process.env.DB_WS_PROXY } : {}),
});
try {
  const report = await rotateAllCredentials(database, keyring);
  console.log(
    JSON.stringify({ message: 'vault rotation finished', key_version: keyring.currentVersion, ...report }),
  );
} finally {
  await database.close();
}
