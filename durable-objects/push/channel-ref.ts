/**
 * Channel identity (docs/decisions.md "Push"): what a provider echoes with every notification must
 * lead the webhook route to the right Durable Object without a database lookup, and let that object
 * tell its own channels from forgeries.
 *
 * - channel ref = `{connectionId}.{nonce}`: the connection id names the object (objects are named by
 *   connection id); the 16-character nonce makes every channel distinct (Google channel ids must be
 *   unique, and a replacement must differ from the channel it replaces).
 * - secret = base64url(HMAC-SHA256(object key, channel ref)): the object keeps one random 256-bit key
 *   and no list of secrets, so it recognises every channel it ever opened (also one whose record was
 *   lost, which it can then stop) and nothing else. Compared in constant time.
 *
 * Google: channel id = ref (≤ 64), token = secret (≤ 256). Graph: clientState = `{ref}.{secret}` (≤ 128).
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const NONCE = /^[A-Za-z0-9_-]{16}$/;
const SECRET = /^[A-Za-z0-9_-]{43}$/;

export const base64url = (bytes: Uint8Array): string =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

function fromBase64url(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

/** A fresh object key (base64url of 32 random bytes), stored in the object's storage. */
export const newChannelKey = (): string => base64url(crypto.getRandomValues(new Uint8Array(32)));

export const newChannelRef = (connectionId: string): string =>
  `${connectionId}.${base64url(crypto.getRandomValues(new Uint8Array(12)))}`;

/** The connection a ref names, or undefined for anything not of our shape. */
export function parseChannelRef(ref: string): { connectionId: string } | undefined {
  if (ref.length !== 53) return undefined;
  const [connectionId, nonce, ...rest] = ref.split('.');
  if (rest.length || !connectionId || !nonce || !UUID.test(connectionId) || !NONCE.test(nonce))
    return undefined;
  return { connectionId };
}

export async function channelSecret(key: string, ref: string): Promise<string> {
  const hmacKey = await crypto.subtle.importKey(
    'raw',
    fromBase64url(key),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  return base64url(new Uint8Array(await crypto.subtle.sign('HMAC', hmacKey, new TextEncoder().encode(ref))));
}

/** Whether `presented` is the secret of `ref` under `key`; constant-time in the secret's content. */
export async function verifyChannelSecret(key: string, ref: string, presented: string): Promise<boolean> {
  if (!SECRET.test(presented)) return false; // the length is public; only the content is compared
  const expected = new TextEncoder().encode(await channelSecret(key, ref));
  const given = new TextEncoder().encode(presented);
  return expected.byteLength === given.byteLength && timingSafeEqual(expected, given);
}

/** Workers' crypto.subtle.timingSafeEqual where present (workerd), a branch-free loop elsewhere (Node tests). */
function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  const subtle = crypto.subtle as SubtleCrypto & {
    timingSafeEqual?: (a: Uint8Array, b: Uint8Array) => boolean;
  };
  if (typeof subtle.timingSafeEqual === 'function') return subtle.timingSafeEqual(a, b);
  let diff = 0;
  for (let i = 0; i < a.byteLength; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}
