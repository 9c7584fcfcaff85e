/** The organization's own Google OAuth client (PF-104): saving it puts the secret in the vault. */
import type { GwsConnectionRow } from '../../db/queries/gws-connections.ts';
import type { RequestScope } from '../env.ts';
import { loadKeyring } from '../vault/keys.ts';
import { saveOrganizationClient } from '../vault/oauth-clients.ts';

export async function saveGoogleClient(
  { env, db, claims }: RequestScope,
  clientId: string,
  clientSecret: string,
): Promise<GwsConnectionRow> {
  const keyring = loadKeyring(env.CREDENTIAL_VAULT_KEYS);
  return db.asTenant(claims, (tx) =>
    saveOrganizationClient(tx, keyring, claims.org_id, clientId, clientSecret),
  );
}
