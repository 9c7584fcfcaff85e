/**
 * Open-redirect property: whatever `return_to` a caller sends, either start refuses it or the
 * callback's Location (success and error alike) has our origin and a path that is not `//host`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeReturnTo, returnUrl } from '../../worker/services/return-to.ts';

const ORIGIN = 'https://ce-calendar.test';

/** Known bypass shapes from open-redirect write-ups, plus the ones an outside run found here. */
const BYPASS_SHAPES = [
  '/..//evil.example',
  '/%2e%2e//evil.example',
  '/%2E%2E//evil.example',
  '/.%2e//evil.example',
  '/./..//evil.example',
  '/a/../..//evil.example',
  '/a/%2e%2e/%2e%2e//evil.example/x',
  '//evil.example',
  '///evil.example',
  '/\\evil.example',
  '\\\\evil.example',
  '/\t/evil.example',
  'https://evil.example',
  'https:evil.example',
  'http://ce-calendar.test.evil.example/',
  'https://ce-calendar.test@evil.example/',
  'https://evil.example#https://ce-calendar.test',
  'javascript:alert(1)',
  'data:text/html,hi',
  '/%09/evil.example',
  '/%5cevil.example',
  '/..%2f..%2f/evil.example',
  '/ /evil.example',
  'evil.example',
  './/evil.example',
];

function assertSameOrigin(returnTo: string): void {
  const normalized = normalizeReturnTo(returnTo, ORIGIN);
  if (normalized === undefined) return; // refused at start: fine
  const outcomes: Array<Record<string, string>> = [
    { calendar_connected: 'google' },
    { calendar_error: 'access_denied' },
  ];
  for (const params of outcomes) {
    const location = new URL(returnUrl(ORIGIN, normalized, params));
    expect(location.origin, returnTo).toBe(ORIGIN);
    // What a browser would do with the Location header: resolve it against our origin.
    expect(new URL(location.toString(), 'https://other.example').origin, returnTo).toBe(ORIGIN);
    expect(location.pathname.startsWith('//'), returnTo).toBe(false);
  }
}

describe('return_to', () => {
  it('refuses or neutralizes every known bypass shape', () => {
    for (const shape of BYPASS_SHAPES) assertSameOrigin(shape);
    expect(normalizeReturnTo('/..//evil.example', ORIGIN)).toBeUndefined();
    expect(normalizeReturnTo('/%2e%2e//evil.example', ORIGIN)).toBeUndefined();
  });

  it('keeps ordinary same-origin paths and URLs', () => {
    expect(normalizeReturnTo(undefined, ORIGIN)).toBe('/admin');
    expect(normalizeReturnTo('/admin?tab=settings#x', ORIGIN)).toBe('/admin?tab=settings#x');
    expect(normalizeReturnTo('/a/../admin', ORIGIN)).toBe('/admin');
    expect(normalizeReturnTo(`${ORIGIN}/admin#x`, ORIGIN)).toBe('/admin#x');
    expect(returnUrl(ORIGIN, '/admin?tab=1', { calendar_connected: 'google' })).toBe(
      `${ORIGIN}/admin?tab=1&calendar_connected=google`,
    );
  });

  it('property: any string is refused or lands on our origin', () => {
    const pieces = fc.constantFrom(
      '/',
      '//',
      '\\',
      '..',
      '%2e',
      '%2E',
      '.',
      '@',
      ':',
      '?',
      '#',
      'evil.example',
      'https:',
      '%2f',
      ' ',
      '\t',
    );
    const shaped = fc
      .array(fc.oneof(pieces, fc.string({ maxLength: 6 })), { maxLength: 8 })
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.webUrl(),
          shaped,
          shaped.map((s) => `/${s}`),
        ),
        (value) => {
          assertSameOrigin(value);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('property: returnUrl keeps our origin whatever path reaches it', () => {
    // Found by this property: WHATWG parsing reads `/\` as `//`, an empty host, and threw.
    for (const path of ['/\\', '/\\evil.example', '/\\/x'])
      expect(new URL(returnUrl(ORIGIN, path, { x: '1' })).origin, path).toBe(ORIGIN);
    fc.assert(
      fc.property(fc.string(), (path) => {
        expect(new URL(returnUrl(ORIGIN, path, { x: '1' })).origin).toBe(ORIGIN);
      }),
      { numRuns: 2000 },
    );
  });
});
