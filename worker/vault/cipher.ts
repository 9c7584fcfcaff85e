/**
 * AES-256-GCM through WebCrypto. The associated data binds a ciphertext to its organization, row id
 * and kind, so a ciphertext copied to another row, kind or tenant fails to decrypt.
 */
import { VaultError, type VaultKeyring } from './keys.ts';

export type CredentialKind = 'oauth_access_token' | 'oauth_refresh_token' | 'oauth_client_secret';

export interface CredentialBinding {
  organizationId: string;
  id: string;
  kind: CredentialKind;
}

export interface SealedCredential {
  ciphertext: string;
  iv: string;
  keyVersion: number;
}

const encoder = new TextEncoder();

const toBase64 = (bytes: ArrayBuffer | Uint8Array) => {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let binary = '';
  for (const byte of view) binary += String.fromCharCode(byte);
  return btoa(binary);
};

const fromBase64 = (value: string) => {
  const binary = atob(value);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
};

const associatedData = (b: CredentialBinding) =>
  encoder.encode(`pf_credentials:v1:${b.organizationId}:${b.id}:${b.kind}`);

export async function seal(
  keyring: VaultKeyring,
  binding: CredentialBinding,
  plaintext: string,
): Promise<SealedCredential> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const key = await keyring.key(keyring.currentVersion);
  const ciphertext = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: associatedData(binding) },
    key,
    encoder.encode(plaintext),
  );
  return { ciphertext: toBase64(ciphertext), iv: toBase64(iv), keyVersion: keyring.currentVersion };
}

export async function open(
  keyring: VaultKeyring,
  binding: CredentialBinding,
  sealed: SealedCredential,
): Promise<string> {
  const key = await keyring.key(sealed.keyVersion);
  try {
    const plaintext = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: fromBase64(sealed.iv), additionalData: associatedData(binding) },
      key,
      fromBase64(sealed.ciphertext),
    );
    return new TextDecoder().decode(plaintext);
  } catch {
    throw new VaultError('decrypt_failed', 'credential could not be decrypted for this row');
  }
}
