/**
 * Secrets for the local stack, generated once into .local/ (git-ignored) so tokens printed by
 * `npm start` and `npm run token` stay valid across restarts. Never used outside development.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const LOCAL_DIR = fileURLToPath(new URL('../.local', import.meta.url));
const FILE = `${LOCAL_DIR}/dev-secrets.json`;

export interface LocalSecrets {
  AUTH_JWT_SECRET: string;
  CREDENTIAL_VAULT_KEYS: string;
}

export function localSecrets(): LocalSecrets {
  if (existsSync(FILE)) return JSON.parse(readFileSync(FILE, 'utf8')) as LocalSecrets;
  mkdirSync(LOCAL_DIR, { recursive: true });
  const secrets: LocalSecrets = {
    AUTH_JWT_SECRET: randomBytes(32).toString('base64url'),
    // Versioned vault keys: JSON object of version → base64 AES-256 key (see README).
    CREDENTIAL_VAULT_KEYS: JSON.stringify({ '1': randomBytes(32).toString('base64') }),
  };
  writeFileSync(FILE, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}
