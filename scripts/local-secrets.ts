/**
 * Secrets for the local stack, generated once into .local/ (git-ignored) so tokens printed by
 * `npm start` and `npm run token` stay valid across restarts. Never used outside development.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Git-ignored state of the local stack; CE_LOCAL_DIR moves it (the browser tests use a temp dir). */
export const LOCAL_DIR = process.env.CE_LOCAL_DIR || fileURLToPath(new URL('../.local', import.meta.url));
const FILE = `${LOCAL_DIR}/dev-secrets.json`;
/** Written by `npm start` once the stack is healthy, removed when it stops: `{ pid, baseUrl }`. */
export const RUNNING_STACK_FILE = `${LOCAL_DIR}/running-stack.json`;

export interface LocalSecrets {
  AUTH_JWT_SECRET: string;
  CREDENTIAL_VAULT_KEYS: string;
  GOOGLE_CALENDAR_CLIENT_ID: string;
  GOOGLE_CALENDAR_CLIENT_SECRET: string;
  MICROSOFT_CALENDAR_CLIENT_ID: string;
  MICROSOFT_CALENDAR_CLIENT_SECRET: string;
}

function generated(): LocalSecrets {
  return {
    AUTH_JWT_SECRET: randomBytes(32).toString('base64url'),
    // Versioned vault keys: JSON object of version → base64 AES-256 key (see README).
    CREDENTIAL_VAULT_KEYS: JSON.stringify({ '1': randomBytes(32).toString('base64') }),
    GOOGLE_CALENDAR_CLIENT_ID: `local-${randomBytes(6).toString('hex')}.apps.googleusercontent.com`,
    GOOGLE_CALENDAR_CLIENT_SECRET: `GOCSPX-${randomBytes(18).toString('base64url')}`,
    MICROSOFT_CALENDAR_CLIENT_ID: crypto.randomUUID(),
    MICROSOFT_CALENDAR_CLIENT_SECRET: randomBytes(24).toString('base64url'),
  };
}

/** The secrets `npm start` generated in LOCAL_DIR, or undefined when it never ran there. */
export function existingLocalSecrets(): LocalSecrets | undefined {
  return existsSync(FILE) ? (JSON.parse(readFileSync(FILE, 'utf8')) as LocalSecrets) : undefined;
}

/** The stack running from LOCAL_DIR, if any (its process is alive). */
export function runningStack(): { pid: number; baseUrl: string } | undefined {
  if (!existsSync(RUNNING_STACK_FILE)) return undefined;
  const stack = JSON.parse(readFileSync(RUNNING_STACK_FILE, 'utf8')) as { pid: number; baseUrl: string };
  try {
    process.kill(stack.pid, 0);
    return stack;
  } catch {
    return undefined;
  }
}

export function localSecrets(): LocalSecrets {
  // Older files may lack newer entries: fill them in and keep what exists.
  const existing = existsSync(FILE) ? (JSON.parse(readFileSync(FILE, 'utf8')) as Partial<LocalSecrets>) : {};
  const secrets: LocalSecrets = { ...generated(), ...existing };
  if (Object.keys(existing).length === Object.keys(secrets).length) return secrets;
  mkdirSync(LOCAL_DIR, { recursive: true });
  writeFileSync(FILE, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}
