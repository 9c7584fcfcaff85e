/**
 * Vault keys from the CREDENTIAL_VAULT_KEYS secret: a JSON object of version → base64 32-byte key,
 * e.g. {"1":"…","2":"…"}. The highest version encrypts; every listed version still decrypts, so keys
 * rotate by adding a version, re-encrypting (scripts/rotate-vault-keys.ts), then dropping the old one.
 */
import { z } from 'zod';

export class VaultError extends Error {
  override readonly name = 'VaultError';
  constructor(
    readonly code: 'not_configured' | 'bad_keys' | 'unknown_key_version' | 'decrypt_failed',
    message: string,
  ) {
    super(message);
  }
}

export interface VaultKeyring {
  readonly currentVersion: number;
  key(version: number): Promise<CryptoKey>;
}

const keysSchema = z.record(z.string().regex(/^\d+$/), z.string().min(1));

function base64ToBytes(value: string): Uint8Array<ArrayBuffer> {
  const binary = atob(value);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

const keyringCache = new Map<string, VaultKeyring>();

export function loadKeyring(secret: string | undefined): VaultKeyring {
  if (!secret) throw new VaultError('not_configured', 'CREDENTIAL_VAULT_KEYS is not set');
  const cached = keyringCache.get(secret);
  if (cached) return cached;
  let parsed: Record<string, string>;
  try {
    parsed = keysSchema.parse(JSON.parse(secret));
  } catch {
    throw new VaultError('bad_keys', 'CREDENTIAL_VAULT_KEYS must be a JSON object of version → base64 key');
  }
  const raw = new Map<number, Uint8Array<ArrayBuffer>>();
  for (const [version, value] of Object.entries(parsed)) {
    const bytes = base64ToBytes(value);
    if (bytes.length !== 32) throw new VaultError('bad_keys', `vault key version ${version} is not 32 bytes`);
    raw.set(Number(version), bytes);
  }
  if (raw.size === 0) throw new VaultError('bad_keys', 'CREDENTIAL_VAULT_KEYS has no keys');
  const imported = new Map<number, Promise<CryptoKey>>();
  const keyring: VaultKeyring = {
    currentVersion: Math.max(...raw.keys()),
    key(version) {
      let key = imported.get(version);
      if (!key) {
        const bytes = raw.get(version);
        if (!bytes) throw new VaultError('unknown_key_version', `no vault key for version ${version}`);
        key = crypto.subtle.importKey('raw', bytes, 'AES-GCM', false, ['encrypt', 'decrypt']);
        imported.set(version, key);
      }
      return key;
    },
  };
  keyringCache.set(secret, keyring);
  return keyring;
}
