/**
 * Bearer JWT verification (SPEC §2): HS256 with AUTH_JWT_SECRET, or the JWKS at AUTH_JWKS_URL
 * (RS256/ES256). `exp` is required, `aud` must match, `iss` when configured. Time claims (issue 20
 * §7): `iat` and `nbf` may be at most AUTH_JWT_CLOCK_SKEW_SECONDS (default 60) in the future, and
 * `exp` gets the same tolerance; a token may live at most AUTH_JWT_MAX_LIFETIME_SECONDS (default
 * 86400, 24 h) from `iat` to `exp` — from now when it has no `iat` (SPEC §2 requires only `exp`) —
 * so a leaked token with `exp` years ahead is worthless. Every failure is a 401 JSON error; the jose error code picks the
 * message, the token itself is never echoed or logged.
 */
import { createMiddleware } from 'hono/factory';
import {
  createRemoteJWKSet,
  type JWTPayload,
  type JWTVerifyGetKey,
  errors as joseErrors,
  jwtVerify,
} from 'jose';
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

export const DEFAULT_CLOCK_SKEW_SECONDS = 60;
export const DEFAULT_MAX_LIFETIME_SECONDS = 24 * 3600;

/** A whole number of seconds from a var, the default when unset; a bad value is a configuration error. */
function secondsVar(value: string | undefined, fallback: number, allowZero: boolean): number {
  if (value === undefined || value.trim() === '') return fallback;
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds < (allowZero ? 0 : 1))
    throw new AppError('unavailable', 'Authentication is misconfigured');
  return seconds;
}

/** The time rules of a session token: clock skew tolerated, and the longest `exp - iat` accepted. */
export function tokenTimeRules(env: Env): { clockSkew: number; maxLifetime: number } {
  return {
    clockSkew: secondsVar(env.AUTH_JWT_CLOCK_SKEW_SECONDS, DEFAULT_CLOCK_SKEW_SECONDS, true),
    maxLifetime: secondsVar(env.AUTH_JWT_MAX_LIFETIME_SECONDS, DEFAULT_MAX_LIFETIME_SECONDS, false),
  };
}

/** `iat` not in the future (beyond the skew) and `exp - iat` within the maximum lifetime. */
function checkLifetime(payload: JWTPayload, clockSkew: number, maxLifetime: number): void {
  const now = Math.floor(Date.now() / 1000);
  // jose checked that `exp` (required) and `iat` (when present) are numeric dates.
  const exp = payload.exp as number;
  const iat = payload.iat;
  if (iat !== undefined && iat > now + clockSkew)
    throw new AppError('unauthorized', 'Token is issued in the future');
  if (exp - (iat ?? now) > maxLifetime)
    throw new AppError('unauthorized', `Token lifetime (exp - iat) exceeds ${maxLifetime} seconds`);
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
  const { clockSkew, maxLifetime } = tokenTimeRules(env);
  let payload: JWTPayload;
  try {
    const options = {
      algorithms,
      audience: env.AUTH_JWT_AUDIENCE || 'authenticated',
      requiredClaims: ['exp', 'sub'],
      clockTolerance: clockSkew,
      ...(env.AUTH_JWT_ISSUER ? { issuer: env.AUTH_JWT_ISSUER } : {}),
    };
    payload =
      key instanceof Uint8Array
        ? (await jwtVerify(match[1], key, options)).payload
        : (await jwtVerify(match[1], key, options)).payload;
  } catch (error) {
    throw new AppError('unauthorized', reasonFor(error));
  }
  checkLifetime(payload, clockSkew, maxLifetime);
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
