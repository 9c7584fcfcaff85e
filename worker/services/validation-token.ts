/** Graph's subscription handshake echo (providers.md §11), kept free of I/O so it is unit-tested in Node. */

/** Longest validationToken echoed; Graph's are about 120 characters. */
export const MAX_VALIDATION_TOKEN = 1_024;

/**
 * HTML-escaped, so an echoed token can never be markup, whatever a browser makes of text/plain.
 * Graph's own tokens hold none of these characters, so for them the echo is exact.
 */
export const escapeValidationToken = (token: string): string =>
  token.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
