import { env } from 'cloudflare:workers';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { Database, systemClaims } from '../../db/tenant.ts';
import { open, seal } from '../../worker/vault/cipher.ts';
import { loadKeyring } from '../../worker/vault/keys.ts';
import { rotateAllCredentials } from '../../worker/vault/rotate.ts';
import { readCredential, storeCredential } from '../../worker/vault/store.ts';
import { ORG_A, ORG_B, ownerQuery } from './helpers.ts';

const key = () => btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
const K1 = key();
const K2 = key();
const v1 = loadKeyring(JSON.stringify({ '1': K1 }));
const v12 = loadKeyring(JSON.stringify({ '1': K1, '2': K2 }));
const v2only = loadKeyring(JSON.stringify({ '2': K2 }));

describe('credential vault (AES-256-GCM, WebCrypto)', () => {
  const binding = { organizationId: ORG_A, id: crypto.randomUUID(), kind: 'oauth_refresh_token' as const };

  it('round-trips and never stores plaintext', async () => {
    const sealed = await seal(v1, binding, '1//refresh-token-secret');
    expect(sealed.keyVersion).toBe(1);
    expect(sealed.ciphertext).not.toContain('refresh-token-secret');
    expect(await open(v1, binding, sealed)).toBe('1//refresh-token-secret');
    // Fresh IV each time.
    expect((await seal(v1, binding, 'x')).iv).not.toBe((await seal(v1, binding, 'x')).iv);
  });

  it('fails to decrypt when the ciphertext is moved to another row, kind or organization', async () => {
    const sealed = await seal(v1, binding, 'secret');
    await expect(open(v1, { ...binding, id: crypto.randomUUID() }, sealed)).rejects.toMatchObject({
      code: 'decrypt_failed',
    });
    await expect(open(v1, { ...binding, kind: 'oauth_access_token' }, sealed)).rejects.toMatchObject({
      code: 'decrypt_failed',
    });
    await expect(open(v1, { ...binding, organizationId: ORG_B }, sealed)).rejects.toMatchObject({
      code: 'decrypt_failed',
    });
    const tampered = { ...sealed, ciphertext: btoa('A'.repeat(24)) };
    await expect(open(v1, binding, tampered)).rejects.toMatchObject({ code: 'decrypt_failed' });
  });

  it('rejects malformed key configuration', () => {
    expect(() => loadKeyring(undefined)).toThrow(/not set/);
    expect(() => loadKeyring('{"1":"c2hvcnQ="}')).toThrow(/32 bytes/);
    expect(() => loadKeyring('not json')).toThrow(/JSON object/);
  });

  it('a row copied to another tenant in the database does not decrypt there', async () => {
    const database = new Database(env);
    try {
      const id = await database.asTenant(systemClaims(ORG_A), (tx) =>
        storeCredential(tx, v1, ORG_A, 'oauth_access_token', 'ya29.copied'),
      );
      const copy = crypto.randomUUID();
      await ownerQuery(sql`insert into pf_credentials (id, organization_id, kind, ciphertext, iv, key_version)
        select ${copy}, ${ORG_B}, kind, ciphertext, iv, key_version from pf_credentials where id = ${id}`);
      await expect(
        database.asTenant(systemClaims(ORG_B), (tx) => readCredential(tx, v1, copy)),
      ).rejects.toMatchObject({ code: 'decrypt_failed' });
      // And org B cannot even see org A's row.
      expect(
        await database.asTenant(systemClaims(ORG_B), (tx) => readCredential(tx, v1, id)),
      ).toBeUndefined();
    } finally {
      await database.close();
    }
  });

  it('key rotation moves every credential to the newest version and keeps it readable; re-running is a no-op', async () => {
    const database = new Database(env);
    try {
      // Own organizations: other test files share this database.
      const orgs = [crypto.randomUUID(), crypto.randomUUID()];
      const stored: Array<{ org: string; id: string; value: string }> = [];
      for (const org of orgs) {
        for (let i = 0; i < 130; i++) {
          const value = `token-${org.slice(0, 4)}-${i}`;
          const id = await database.asTenant(systemClaims(org), (tx) =>
            storeCredential(tx, v1, org, 'oauth_refresh_token', value),
          );
          stored.push({ org, id, value });
        }
      }
      const report = await rotateAllCredentials(database, v12, 50);
      // A row copied from org A to org B (test above) cannot be opened: reported, not retried forever.
      expect(report.reencrypted).toBeGreaterThanOrEqual(260);
      expect(report.failed).toBeGreaterThanOrEqual(1);
      const versions = await ownerQuery<{ key_version: number; n: number }>(
        sql`select key_version, count(*)::int as n from pf_credentials where organization_id in (${orgs[0]}, ${orgs[1]}) group by key_version`,
      );
      expect(versions).toEqual([{ key_version: 2, n: 260 }]);
      for (const { org, id, value } of stored.filter((_, i) => i % 13 === 0)) {
        expect(await database.asTenant(systemClaims(org), (tx) => readCredential(tx, v2only, id))).toBe(
          value,
        );
      }
      expect(await rotateAllCredentials(database, v12, 50)).toMatchObject({ reencrypted: 0 });
    } finally {
      await database.close();
    }
  });
});
