/**
 * Bearer JWT verification (SPEC §2): HS256 with AUTH_JWT_SECRET, or the JWKS at AUTH_JWKS_URL
 * (RS256/ES256). `exp` is required, `aud` must match, `iss` when configured. Every failure is a 401
 * JSON error; the jose error code picks the message, the token itself is never echoed or logged.
 */
import { createMiddleware } from 'hono/factory';
import { createRemoteJWKSet, type JWTVerifyGetKey, errors as joseErrors, jwtVerify } from 'jose';
import { z } from 'zod';
import type { AppEnv, Env, TenantClaims } from '../env.ts';
import { AppError, forbidden } from '../errors.ts';

export const PERMISSIONS = [
  'ce.calendar.connect',
  'ce.calendar.schedule',
  'ce.calendar.view',
  'ce.calendar.view-all',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const claimsSchema = z.object({
  sub: z.uuid(),
  org_id: z.uuid(),
  email: z.string().optional(),
  roles: z.array(z.string()).default([]),
  permissions: z.array(z.string()).default([]),
});

export type { TenantClaims } from '../env.ts';

const jwksCache = new Map<string, JWTVerifyGetKey>();

function verificationKey(env: Env): { key: Uint8Array | JWTVerifyGetKey; algorithms: string[] } {
  if (env.AUTH_JWKS_URL) {
    let jwks = jwksCache.get(env.AUTH_JWKS_URL);
    if (!jwks) {
      jwks = createRemoteJWKSet(new URL(env.AUTH_JWKS_URL));
      jwksCache.set(env.AUTH_JWKS_URL, jwks);
    }
    return { key: jwks, algorithms: ['RS256', 'ES256'] };
  }
  if (!env.AUTH_JWT_SECRET) throw new AppError('unavailable', 'Authentication is not configured');
  return { key: new TextEncoder().encode(env.AUTH_JWT_SECRET), algorithms: ['HS256'] };
}

function reasonFor(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'Token has expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return 'Token is not yet valid';
    return `Token claim "${error.claim}" is invalid`;
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'Token algorithm is not allowed';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'Token signature is invalid';
  return 'Token is malformed or cannot be verified';
}

export async function verifyBearer(env: Env, header: string | undefined): Promise<TenantClaims> {
  const match = header?.match(/^Bearer\s+(\S+)$/i);
  if (!match?.[1]) throw new AppError('unauthorized', 'Missing bearer token');
  const { key, algorithms } = verificationKey(env);
  let payload: unknown;
  try {
    const options = {
      algorithms,
      audience: env.AUTH_JWT_AUDIENCE || 'authenticated',
      requiredClaims: ['exp', 'sub'],
      ...(env.AUTH_JWT_ISSUER ? { issuer: env.AUTH_JWT_ISSUER } : {}),
    };
    payload =
      key instanceof Uint8Array
        ? (await jwtVerify(match[1], key, options)).payload
        : (await jwtVerify(match[1], key, options)).payload;
  } catch (error) {
    throw new AppError('unauthorized', reasonFor(error));
  }
  const parsed = claimsSchema.safeParse(payload);
  if (!parsed.success) {
    const field = parsed.error.issues[0]?.path.join('.') ?? 'claims';
    throw new AppError('unauthorized', `Token claim "${field}" is missing or invalid`);
  }
  return parsed.data;
}

export const requireAuth = createMiddleware<AppEnv>(async (c, next) => {
  c.set('claims', await verifyBearer(c.env, c.req.header('authorization')));
  await next();
});

export const isOrgAdmin = (claims: TenantClaims): boolean =>
  claims.roles.includes('org_admin') || claims.roles.includes('platform_admin');

export function requireOrgAdmin(claims: TenantClaims): void {
  if (!isOrgAdmin(claims)) throw forbidden('Requires the org_admin or platform_admin role');
}

export function requirePermission(claims: TenantClaims, permission: Permission): void {
  if (!claims.permissions.includes(permission)) throw forbidden(`Requires the ${permission} permission`);
}

/** Route middleware: admins only, checked before the body is validated. */
export const adminOnly = createMiddleware<AppEnv>(async (c, next) => {
  requireOrgAdmin(c.var.claims);
  await next();
});
