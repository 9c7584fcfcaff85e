/** Graph zone names → IANA (issue 13): what `cancelledOccurrences` dates and display rely on. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ianaZoneOf } from '../../worker/providers/microsoft/windows-zones.ts';
import { isKnownTimeZone } from '../../worker/time/zone.ts';

describe('ianaZoneOf', () => {
  it('translates the Windows names Graph sends and keeps IANA names', () => {
    expect(ianaZoneOf('W. Europe Standard Time')).toBe('Europe/Berlin');
    expect(ianaZoneOf('Eastern Standard Time')).toBe('America/New_York');
    expect(ianaZoneOf('India Standard Time')).toBe('Asia/Kolkata');
    expect(ianaZoneOf('UTC')).toBe('UTC');
    expect(ianaZoneOf('Asia/Tokyo')).toBe('Asia/Tokyo');
  });

  it('unknown or missing names are null, never a guess', () => {
    expect(ianaZoneOf('Mars Standard Time')).toBeNull();
    expect(ianaZoneOf('')).toBeNull();
    expect(ianaZoneOf(undefined)).toBeNull();
  });

  it('property: whatever comes back is a zone the runtime knows', () => {
    fc.assert(
      fc.property(fc.string(), (name) => {
        const zone = ianaZoneOf(name);
        if (zone !== null) expect(isKnownTimeZone(zone)).toBe(true);
      }),
    );
  });
});
