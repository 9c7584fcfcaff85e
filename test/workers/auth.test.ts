import { env } from 'cloudflare:workers';
import { generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { verifyBearer } from '../../worker/middleware/auth.ts';
import { TEST_JWT_SECRET } from '../support/jwt.ts';
import { ALICE, call, ISSUER, ORG_A, tokenFor } from './helpers.ts';

const base64url = (value: object) =>
  btoa(JSON.stringify(value)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');

async function expect401(headers: Record<string, string>, messagePart?: string) {
  const res = await call('/v1/calendar/settings', { headers });
  expect(res.status).toBe(401);
  expect(res.headers.get('content-type')).toContain('application/json');
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe('unauthorized');
  if (messagePart) expect(body.error.message).toContain(messagePart);
  return body;
}

describe('JWT verification: every bad token is a 401 JSON error, never a 500', () => {
  const claims = { sub: ALICE, org_id: ORG_A };

  it('accepts a valid token', async () => {
    const res = await call('/v1/calendar/settings', { token: await tokenFor(claims) });
    expect(res.status).toBe(200);
  });

  it('rejects a missing header', () => expect401({}, 'Missing bearer token'));
  it('rejects a non-bearer scheme', () => expect401({ authorization: 'Basic YWxpY2U6cHc=' }));
  it('rejects a malformed token', () => expect401({ authorization: 'Bearer not.a.jwt' }, 'malformed'));
  it('rejects garbage', () => expect401({ authorization: 'Bearer %%%' }));

  it('rejects alg: none', async () => {
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ ...claims, aud: 'authenticated', iss: ISSUER, exp: now + 600 })}.`;
    await expect401({ authorization: `Bearer ${unsigned}` });
  });

  it('rejects a token signed with the wrong key', async () => {
    const token = await tokenFor({ ...claims, secret: 'another-secret-another-secret-another-secret' });
    await expect401({ authorization: `Bearer ${token}` }, 'signature');
  });

  it('rejects an RS256 token when HS256 is configured', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const token = await new SignJWT({ org_id: ORG_A })
      .setProtectedHeader({ alg: 'RS256' })
      .setSubject(ALICE)
      .setAudience('authenticated')
      .setIssuer(ISSUER)
      .setExpirationTime('1h')
      .sign(privateKey);
    await expect401({ authorization: `Bearer ${token}` }, 'algorithm');
  });

  it('rejects an expired token', async () => {
    const token = await tokenFor({ ...claims, expiresInSeconds: -120 });
    await expect401({ authorization: `Bearer ${token}` }, 'expired');
  });

  it('rejects a token that is not yet valid', async () => {
    const token = await tokenFor({ ...claims, notBeforeSeconds: 600 });
    await expect401({ authorization: `Bearer ${token}` }, 'not yet valid');
  });

  it('rejects the wrong audience', async () => {
    const token = await tokenFor({ ...claims, audience: 'someone-else' });
    await expect401({ authorization: `Bearer ${token}` }, '"aud"');
  });

  it('rejects the wrong issuer', async () => {
    const token = await tokenFor({ ...claims, issuer: 'https://evil.test' });
    await expect401({ authorization: `Bearer ${token}` }, '"iss"');
  });

  it('rejects a token without exp', async () => {
    const token = await new SignJWT({ org_id: ORG_A })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(ALICE)
      .setAudience('authenticated')
      .setIssuer(ISSUER)
      .sign(new TextEncoder().encode(TEST_JWT_SECRET));
    await expect401({ authorization: `Bearer ${token}` }, '"exp"');
  });

  it('rejects a token whose org_id or sub is not a uuid', async () => {
    await expect401({ authorization: `Bearer ${await tokenFor({ sub: ALICE, org_id: 'org-a' })}` }, 'org_id');
    await expect401({ authorization: `Bearer ${await tokenFor({ sub: 'alice', org_id: ORG_A })}` }, 'sub');
  });

  it('never echoes the token in the error body', async () => {
    const token = await tokenFor({ ...claims, expiresInSeconds: -120 });
    const body = await expect401({ authorization: `Bearer ${token}` });
    expect(JSON.stringify(body)).not.toContain(token.split('.')[1]);
  });
});

describe('JWKS mode (AUTH_JWKS_URL): RS256/ES256 keys from the URL', () => {
  const jwksEnv = () => ({ ...env, AUTH_JWKS_URL: env.TEST_JWKS_URL, AUTH_JWT_SECRET: undefined });
  const sign = async (overrides: { alg?: string; kid?: string; exp?: number; key?: CryptoKey } = {}) => {
    const key =
      overrides.key ??
      ((await importJWK(JSON.parse(env.TEST_JWKS_PRIVATE_JWK) as JWK, 'ES256')) as CryptoKey);
    return new SignJWT({ org_id: ORG_A, roles: [], permissions: ['ce.calendar.view'] })
      .setProtectedHeader({ alg: overrides.alg ?? 'ES256', kid: overrides.kid ?? 'ce-test-1' })
      .setSubject(ALICE)
      .setAudience('authenticated')
      .setIssuer(ISSUER)
      .setExpirationTime(overrides.exp ?? Math.floor(Date.now() / 1000) + 600)
      .sign(key);
  };

  it('accepts a token signed by a key of the JWKS', async () => {
    const claims = await verifyBearer(jwksEnv(), `Bearer ${await sign()}`);
    expect(claims).toMatchObject({ sub: ALICE, org_id: ORG_A, permissions: ['ce.calendar.view'] });
  });

  it('rejects a token signed by another key, an HS256 token, and an expired token', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    await expect(verifyBearer(jwksEnv(), `Bearer ${await sign({ key: privateKey })}`)).rejects.toMatchObject({
      code: 'unauthorized',
    });
    const hs = await tokenFor({ sub: ALICE, org_id: ORG_A });
    await expect(verifyBearer(jwksEnv(), `Bearer ${hs}`)).rejects.toMatchObject({ code: 'unauthorized' });
    await expect(
      verifyBearer(jwksEnv(), `Bearer ${await sign({ exp: Math.floor(Date.now() / 1000) - 60 })}`),
    ).rejects.toMatchObject({ code: 'unauthorized', message: 'Token has expired' });
  });
});

describe('token time rules: clock skew on iat/nbf/exp and a maximum lifetime (issue 20 §7)', () => {
  const now = () => Math.floor(Date.now() / 1000);
  const sign = (times: { iat?: number; nbf?: number; exp: number }) => {
    let jwt = new SignJWT({ org_id: ORG_A })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(ALICE)
      .setAudience('authenticated')
      .setIssuer(ISSUER)
      .setExpirationTime(times.exp);
    if (times.iat !== undefined) jwt = jwt.setIssuedAt(times.iat);
    if (times.nbf !== undefined) jwt = jwt.setNotBefore(times.nbf);
    return jwt.sign(new TextEncoder().encode(TEST_JWT_SECRET));
  };
  const verify = async (token: string, vars: Record<string, string> = {}) =>
    verifyBearer({ ...env, ...vars }, `Bearer ${token}`);

  it('rejects iat a day ahead and exp ten years ahead (the defaults: 60 s skew, 24 h lifetime)', async () => {
    await expect(verify(await sign({ iat: now() + 86_400, exp: now() + 90_000 }))).rejects.toMatchObject({
      code: 'unauthorized',
      message: 'Token is issued in the future',
    });
    await expect(verify(await sign({ iat: now(), exp: now() + 10 * 365 * 86_400 }))).rejects.toMatchObject({
      code: 'unauthorized',
      message: 'Token lifetime (exp - iat) exceeds 86400 seconds',
    });
    // Without iat the lifetime counts from now: a far exp is refused all the same.
    await expect(verify(await sign({ exp: now() + 10 * 365 * 86_400 }))).rejects.toMatchObject({
      message: 'Token lifetime (exp - iat) exceeds 86400 seconds',
    });
  });

  it('tolerates the clock skew on iat, nbf and exp, and no more', async () => {
    await expect(
      verify(await sign({ iat: now() + 30, nbf: now() + 30, exp: now() + 3600 })),
    ).resolves.toMatchObject({
      sub: ALICE,
    });
    await expect(verify(await sign({ iat: now() - 3600, exp: now() - 30 }))).resolves.toMatchObject({
      sub: ALICE,
    });
    await expect(verify(await sign({ iat: now() + 120, exp: now() + 3600 }))).rejects.toMatchObject({
      message: 'Token is issued in the future',
    });
    await expect(
      verify(await sign({ iat: now(), nbf: now() + 120, exp: now() + 3600 })),
    ).rejects.toMatchObject({
      message: 'Token is not yet valid',
    });
    await expect(verify(await sign({ iat: now() - 3600, exp: now() - 120 }))).rejects.toMatchObject({
      message: 'Token has expired',
    });
  });

  it('accepts a lifetime of exactly the maximum and follows AUTH_JWT_MAX_LIFETIME_SECONDS / AUTH_JWT_CLOCK_SKEW_SECONDS', async () => {
    await expect(verify(await sign({ iat: now(), exp: now() + 86_400 }))).resolves.toMatchObject({
      sub: ALICE,
    });
    const hour = { AUTH_JWT_MAX_LIFETIME_SECONDS: '3600' };
    await expect(verify(await sign({ iat: now(), exp: now() + 3600 }), hour)).resolves.toMatchObject({
      sub: ALICE,
    });
    await expect(verify(await sign({ iat: now(), exp: now() + 3601 }), hour)).rejects.toMatchObject({
      message: 'Token lifetime (exp - iat) exceeds 3600 seconds',
    });
    const noSkew = { AUTH_JWT_CLOCK_SKEW_SECONDS: '0' };
    await expect(verify(await sign({ iat: now() + 30, exp: now() + 3600 }), noSkew)).rejects.toMatchObject({
      message: 'Token is issued in the future',
    });
  });

  it('a malformed setting is a 503 configuration error, never a silently open door', async () => {
    const token = await sign({ iat: now(), exp: now() + 600 });
    for (const vars of <Array<Record<string, string>>>[
      { AUTH_JWT_MAX_LIFETIME_SECONDS: 'forever' },
      { AUTH_JWT_MAX_LIFETIME_SECONDS: '0' },
      { AUTH_JWT_CLOCK_SKEW_SECONDS: '-5' },
    ])
      await expect(verify(token, vars)).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('the worker answers such a token with a 401 JSON error', async () => {
    const token = await sign({ iat: now(), exp: now() + 10 * 365 * 86_400 });
    await expect401({ authorization: `Bearer ${token}` }, 'lifetime');
  });
});
