/** Wire-format error bodies of both providers, request parsing helpers, and fault injection. */
import type { Context } from 'hono';
import type { Account, Provider } from './model.ts';
import { accountKey } from './model.ts';
import type { EmulatorState, Fault } from './state.ts';

export type EmulatorContext = Context<{ Variables: { state: EmulatorState } }>;

/** Google's standard error envelope (Calendar v3). */
export function googleError(
  c: Context,
  status: number,
  reason: string,
  message: string,
  extra: Record<string, string> = {},
) {
  const domain = ['rateLimitExceeded', 'userRateLimitExceeded', 'quotaExceeded'].includes(reason)
    ? 'usageLimits'
    : ['fullSyncRequired', 'updatedMinTooLongAgo', 'timeRangeEmpty', 'forbiddenForNonOrganizer'].includes(
          reason,
        )
      ? 'calendar'
      : 'global';
  return c.json(
    { error: { errors: [{ domain, reason, message, ...extra }], code: status, message } },
    status as 400,
    { 'content-type': 'application/json; charset=UTF-8' },
  );
}

export function googleUnauthorized(c: Context) {
  const message =
    'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.';
  return c.json(
    {
      error: {
        code: 401,
        message,
        errors: [
          {
            message: 'Invalid Credentials',
            domain: 'global',
            reason: 'authError',
            location: 'Authorization',
            locationType: 'header',
          },
        ],
        status: 'UNAUTHENTICATED',
      },
    },
    401,
    { 'www-authenticate': 'Bearer realm="https://accounts.google.com/", error="invalid_token"' },
  );
}

/** Graph's error envelope with innerError. */
export function graphError(
  c: Context,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
) {
  const state = c.get('state') as EmulatorState;
  const date = state.clock.date().toISOString().slice(0, 19);
  return c.json(
    {
      error: {
        code,
        message,
        innerError: { 'request-id': state.random.uuid(), date, 'client-request-id': state.random.uuid() },
      },
    },
    status as 400,
    headers,
  );
}

/**
 * A 404 of the control API (no such account, event, delivery …) in the same envelope shape as Graph's
 * errors (`code` a string), so every 404 the emulator sends reads one way.
 */
export function controlNotFound(message: string): Response {
  return Response.json({ error: { code: 'ResourceNotFound', message } }, { status: 404 });
}

/**
 * Google's quota errors as the live service sends them: the usageLimits reason plus the Cloud
 * `status` (`PERMISSION_DENIED` for 403, `RESOURCE_EXHAUSTED` for 429) and the "Quota exceeded for
 * quota metric …" message naming the limit that ran out.
 */
export function googleQuotaError(
  c: Context,
  status: 403 | 429,
  reason: 'rateLimitExceeded' | 'userRateLimitExceeded' | 'quotaExceeded',
  limit: string,
) {
  const message = `Quota exceeded for quota metric 'Queries' and limit '${limit}' of service 'calendar-json.googleapis.com' for consumer 'project_number:292824132082'.`;
  return c.json(
    {
      error: {
        code: status,
        message,
        errors: [{ message, domain: 'usageLimits', reason }],
        status: status === 403 ? 'PERMISSION_DENIED' : 'RESOURCE_EXHAUSTED',
      },
    },
    status,
    { 'content-type': 'application/json; charset=UTF-8' },
  );
}

/** Microsoft identity platform error with AADSTS code, trace and correlation ids. */
export function aadError(c: Context, status: number, error: string, aadsts: number, description: string) {
  const state = c.get('state') as EmulatorState;
  const traceId = state.random.uuid();
  const correlationId = state.random.uuid();
  const timestamp = `${state.clock.date().toISOString().replace('T', ' ').slice(0, 19)}Z`;
  return c.json(
    {
      error,
      error_description: `AADSTS${aadsts}: ${description}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
      error_codes: [aadsts],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${aadsts}`,
    },
    status as 400,
  );
}

export function bearerToken(c: Context): string | undefined {
  return c.req.header('authorization')?.match(/^Bearer\s+(\S+)$/i)?.[1];
}

/** Form body plus HTTP Basic client credentials, as token endpoints accept them. */
export async function readTokenRequest(c: Context): Promise<Record<string, string>> {
  const form: Record<string, string> = {};
  const type = c.req.header('content-type') ?? '';
  if (type.includes('application/x-www-form-urlencoded')) {
    for (const [k, v] of new URLSearchParams(await c.req.text())) form[k] = v;
  } else if (type.includes('application/json')) {
    Object.assign(form, await c.req.json());
  }
  const basic = c.req.header('authorization')?.match(/^Basic\s+(\S+)$/i)?.[1];
  if (basic) {
    const [id, secret] = Buffer.from(basic, 'base64').toString().split(':');
    if (id) form.client_id ??= decodeURIComponent(id);
    if (secret !== undefined) form.client_secret ??= decodeURIComponent(secret);
  }
  return form;
}

/** Wake-ups of the fault delays still running, per emulator (ended by `endFaultDelays`). */
const faultDelays = new WeakMap<EmulatorState, Set<() => void>>();

/**
 * A fault's delay (`slow`, `timeout`, `lost_response`). It is a timer in the process that hosts the
 * emulator (the test runner's main process), so it must not outlive the emulator: a 10-minute `slow`
 * left pending kept vitest from exiting ("close timed out") after every test had passed.
 */
function faultDelay(state: EmulatorState, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const delays = faultDelays.get(state) ?? new Set<() => void>();
    faultDelays.set(state, delays);
    const wake = () => {
      clearTimeout(timer);
      delays.delete(wake); // the same Set after a reset moved it (moveFaultDelays)
      resolve();
    };
    const timer = setTimeout(wake, ms);
    delays.add(wake);
  });
}

/** Ends every fault delay of this emulator now (its close; the calls waiting lost their sockets). */
export function endFaultDelays(state: EmulatorState): void {
  for (const wake of [...(faultDelays.get(state) ?? [])]) wake();
}

/** A reset replaces the state; delays still running belong to the emulator, so its close ends them. */
export function moveFaultDelays(from: EmulatorState, to: EmulatorState): void {
  const delays = faultDelays.get(from);
  if (!delays) return;
  faultDelays.delete(from);
  faultDelays.set(to, delays);
}

/** Calls whose answer is to be lost after the provider applied them (fault `lost_response`). */
const lostResponses = new WeakMap<Request, Fault>();

/** Delta calls whose changes go unreported (fault `unreported`). */
const unreportedCalls = new WeakSet<Request>();

/** Whether this call's changes are to go unreported (fault `unreported`; only Graph delta reads it). */
export const isUnreported = (c: Context): boolean => unreportedCalls.has(c.req.raw);

/**
 * Server middleware: a call marked by a `lost_response` fault has run normally (the write happened);
 * its answer is replaced by a gateway timeout after the fault's delay, as a client would see a
 * request that timed out after the provider accepted it.
 */
export async function loseMarkedResponse(c: Context, next: () => Promise<void>): Promise<void> {
  await next();
  const fault = lostResponses.get(c.req.raw);
  if (!fault) return;
  await faultDelay(c.get('state') as EmulatorState, fault.delayMs ?? 1000);
  c.res = new Response(null, { status: 504 });
}

function matching(
  state: EmulatorState,
  provider: Provider,
  endpoint: string,
  account: string | undefined,
): Fault | undefined {
  for (const fault of state.faults) {
    if (fault.provider && fault.provider !== provider) continue;
    if (fault.endpoint !== '*' && fault.endpoint !== endpoint) continue;
    if (fault.account && fault.account.toLowerCase() !== account?.toLowerCase()) continue;
    if (fault.remaining !== undefined && fault.remaining <= 0) continue;
    if (fault.probability !== undefined && state.random.next() >= fault.probability) continue;
    return fault;
  }
  return undefined;
}

/**
 * Applies an injected fault for this call, if one matches. Returns the fault response, or undefined
 * to continue normally (after a delay for `slow`).
 */
export async function injectFault(
  c: EmulatorContext,
  provider: Provider,
  endpoint: string,
  account: string | undefined,
): Promise<Response | undefined> {
  const state = c.get('state');
  const fault = matching(state, provider, endpoint, account);
  if (!fault) return undefined;
  if (fault.remaining !== undefined) fault.remaining -= 1;
  fault.fired += 1;
  state.count(account ? `${provider}:${account.toLowerCase()}` : undefined, `fault.${fault.kind}`);
  const retryAfter =
    fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {};
  switch (fault.kind) {
    case 'slow':
      await faultDelay(state, fault.delayMs ?? 2000);
      return undefined;
    case 'timeout':
      await faultDelay(state, fault.delayMs ?? 30_000);
      return c.body(null, 504);
    case 'lost_response':
      lostResponses.set(c.req.raw, fault);
      return undefined;
    case 'unreported':
      unreportedCalls.add(c.req.raw);
      return undefined;
    case 'http_429':
      if (provider === 'google') {
        const res = googleQuotaError(c, 429, 'rateLimitExceeded', 'Queries per minute');
        for (const [k, v] of Object.entries(retryAfter)) res.headers.set(k, v);
        return res;
      }
      return c.json(
        {
          error: {
            code: 'TooManyRequests',
            innerError: {
              code: '429',
              date: state.clock.date().toISOString().slice(0, 19),
              message: 'Please retry after',
              'request-id': state.random.uuid(),
              status: '429',
            },
            message: 'Please retry again later.',
          },
        },
        429,
        { 'retry-after': String(fault.retryAfterSeconds ?? 2.128) },
      );
    case 'google_rate_limit':
      return googleQuotaError(c, 403, 'rateLimitExceeded', 'Queries per minute');
    case 'google_user_rate_limit':
      return googleQuotaError(c, 403, 'userRateLimitExceeded', 'Queries per minute per user');
    case 'quota_exceeded':
      // The daily quota: retrying within the day cannot succeed (Graph has no daily quota; 429 there).
      return provider === 'google'
        ? googleQuotaError(c, 403, 'quotaExceeded', 'Queries per day')
        : graphError(c, 429, 'TooManyRequests', 'Please retry again later.', {
            'retry-after': String(fault.retryAfterSeconds ?? 3600),
          });
    case 'refresh_token_expired':
      if (endpoint !== 'token') return undefined;
      return provider === 'google'
        ? c.json({ error: 'invalid_grant', error_description: 'Token has been expired or revoked.' }, 400)
        : aadError(
            c,
            400,
            'invalid_grant',
            700082,
            `The refresh token has expired due to inactivity. The token was issued on ${new Date(state.clock.now() - 91 * 86_400_000).toISOString().replace(/\.\d{3}Z$/, '.0000000Z')} and was inactive for 90.00:00:00.`,
          );
    case 'http_500':
      return provider === 'google'
        ? googleError(c, 500, 'backendError', 'Backend Error')
        : graphError(c, 500, 'generalException', 'An internal server error occurred.');
    case 'http_503': {
      const res =
        provider === 'google'
          ? googleError(c, 503, 'backendError', 'The service is currently unavailable.')
          : graphError(c, 503, 'serviceNotAvailable', 'Service unavailable.');
      for (const [k, v] of Object.entries(retryAfter)) res.headers.set(k, v);
      return res;
    }
    case 'invalid_grant':
      if (endpoint === 'token') {
        return provider === 'google'
          ? c.json({ error: 'invalid_grant', error_description: 'Token has been expired or revoked.' }, 400)
          : aadError(
              c,
              400,
              'invalid_grant',
              50173,
              'The provided grant has expired due to it being revoked, a fresh auth token is needed.',
            );
      }
      return provider === 'google'
        ? googleUnauthorized(c)
        : graphError(c, 401, 'InvalidAuthenticationToken', 'Access token has expired or is not yet valid.');
  }
}

/** Every provider API call: authenticate the bearer token, apply injected faults, count the call. */
export async function beginApiCall(
  c: EmulatorContext,
  provider: Provider,
  endpoint: string,
  unauthorized: (c: EmulatorContext) => Response,
): Promise<Response | Account> {
  const state = c.get('state');
  const account = state.accountForAccessToken(provider, bearerToken(c));
  if (!account) {
    state.count(undefined, `${endpoint}.unauthorized`);
    return unauthorized(c);
  }
  const faulted = await injectFault(c, provider, endpoint, account.email);
  if (faulted) return faulted;
  state.count(accountKey(provider, account.email), endpoint);
  return account;
}
