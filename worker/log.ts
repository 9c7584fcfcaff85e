/**
 * JSON log lines, one object per line, always with a correlationId. Field values whose key looks
 * like a credential are replaced, and strings shaped like emails or bearer tokens are masked, so a
 * careless call site still cannot leak token material or attendee emails (SPEC §4 "Logs").
 */
import { findSqlState } from './errors.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

const SECRET_KEY =
  /token|secret|password|authorization|code_verifier|^code$|cookie|ciphertext|email|attendee/i;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const QUERY_TEXT = /failed query|params:|\b(select|insert|update|delete)\b.+\b(from|into|set)\b/is;
const MAX_MESSAGE_LENGTH = 300;
/** Shapes of provider tokens and JWTs (Google ya29./1//, Microsoft and session JWTs), masked anywhere. */
const TOKEN_SHAPES =
  /\b(ya29\.[A-Za-z0-9_-]+|1\/\/[A-Za-z0-9_-]{10,}|eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)/g;
const BEARER = /\b(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi;

function scrub(value: unknown, depth = 0): unknown {
  // Query text carries bound parameters (drizzle: "Failed query: … params: …"): never written.
  if (typeof value === 'string' && QUERY_TEXT.test(value)) return '[query text removed]';
  if (typeof value === 'string')
    return value.replace(EMAIL, '[email]').replace(BEARER, '$1[redacted]').replace(TOKEN_SHAPES, '[token]');
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => scrub(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    // error_code / last_error_code are provider codes such as invalid_grant, not secrets.
    out[key] = SECRET_KEY.test(key) && !/error_code$/.test(key) ? '[redacted]' : scrub(inner, depth + 1);
  }
  return out;
}

export function log(level: LogLevel, message: string, fields: LogFields & { correlationId: string }): void {
  const line = JSON.stringify({
    level,
    message,
    time: new Date().toISOString(),
    ...(scrub(fields) as LogFields),
  });
  if (level === 'error') console.error(line);
  else if (level === 'warn') console.warn(line);
  else console.log(line);
}

/**
 * What a log line may say about an unknown error. Database errors give only their class and SQLSTATE:
 * drizzle's message carries the query text and every bound parameter ("Failed query: … params: …"),
 * and the driver's can quote a value, so neither is ever written. Other errors keep a scrubbed,
 * bounded message.
 */
export function describeError(error: unknown): {
  error_name: string;
  error_message?: string;
  sqlstate?: string;
} {
  if (!(error instanceof Error)) return { error_name: typeof error };
  const sqlstate = findSqlState(error);
  if (sqlstate || QUERY_TEXT.test(error.message))
    return { error_name: error.name, sqlstate: sqlstate ?? 'unknown' };
  return { error_name: error.name, error_message: String(scrub(error.message)).slice(0, MAX_MESSAGE_LENGTH) };
}
