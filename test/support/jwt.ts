/** Mints CE-style session JWTs for tests and the dev token tool. */
import { SignJWT } from 'jose';

export const TEST_JWT_SECRET = 'test-only-jwt-secret-please-change-0123456789';
/** Test-only vault keys (two versions: rotation is exercised). */
export const TEST_VAULT_KEYS = JSON.stringify({
  '1': 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=',
  '2': 'ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=',
});

export interface TokenInput {
  sub: string;
  org_id: string;
  roles?: string[];
  permissions?: string[];
  email?: string;
  audience?: string;
  issuer?: string;
  expiresInSeconds?: number;
  notBeforeSeconds?: number;
  secret?: string;
}

export async function mintToken(input: TokenInput): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  let jwt = new SignJWT({
    org_id: input.org_id,
    roles: input.roles ?? [],
    permissions: input.permissions ?? [],
    ...(input.email ? { email: input.email } : {}),
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(input.sub)
    .setIssuedAt(now)
    .setAudience(input.audience ?? 'authenticated')
    .setExpirationTime(now + (input.expiresInSeconds ?? 3600));
  if (input.issuer) jwt = jwt.setIssuer(input.issuer);
  if (input.notBeforeSeconds !== undefined) jwt = jwt.setNotBefore(now + input.notBeforeSeconds);
  return jwt.sign(new TextEncoder().encode(input.secret ?? TEST_JWT_SECRET));
}
