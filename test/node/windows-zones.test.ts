/**
 * Issue 20 §5: one complete Windows-zone map, from CLDR's windowsZones data (the `cldr-core` and
 * `cldr-bcp47` packages), read by the worker (worker/providers/microsoft/windows-zones.ts) and, independently, by
 * the emulator (emulator/windows-zones.ts). Every Windows name CLDR lists translates, round-trips,
 * and is accepted by the emulator's Graph exactly as Graph accepts it.
 */
import cldr from 'cldr-core/supplemental/windowsZones.json' with { type: 'json' };
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../emulator/server.ts';
import { ianaZone, windowsZone } from '../../emulator/time.ts';
import { ianaZoneOf, WINDOWS_TO_IANA } from '../../worker/providers/microsoft/windows-zones.ts';
import { isKnownTimeZone } from '../../worker/time/zone.ts';
import { connect, control, provision } from '../support/emulator.ts';

const WINDOWS_NAMES = [
  ...new Set(cldr.supplemental.windowsZones.mapTimezones.map((entry) => entry.mapZone._other)),
].sort();

/** Wall time of `ms` in `zone`, as Graph writes it (7 fractional digits, no offset). */
function wallTime(ms: number, zone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(new Date(ms))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}.0000000`;
}

describe('the worker map (worker/providers/microsoft/windows-zones.ts)', () => {
  it('knows every Windows name CLDR lists, each as a zone the runtime knows', () => {
    expect(WINDOWS_NAMES.length).toBeGreaterThanOrEqual(139);
    expect([...WINDOWS_TO_IANA.keys()].sort()).toEqual(WINDOWS_NAMES);
    for (const name of WINDOWS_NAMES) {
      const zone = ianaZoneOf(name);
      expect(zone, name).not.toBeNull();
      expect(isKnownTimeZone(zone ?? ''), name).toBe(true);
    }
  });

  it('writes current IANA names, not the legacy ids CLDR keeps', () => {
    expect(ianaZoneOf('New Zealand Standard Time')).toBe('Pacific/Auckland');
    expect(ianaZoneOf('India Standard Time')).toBe('Asia/Kolkata');
    expect(ianaZoneOf('FLE Standard Time')).toBe('Europe/Kyiv');
    expect(ianaZoneOf('Nepal Standard Time')).toBe('Asia/Kathmandu');
    expect(ianaZoneOf('US Eastern Standard Time')).toBe('America/Indiana/Indianapolis');
    expect(ianaZoneOf('UTC')).toBe('UTC');
    expect(ianaZoneOf('Chatham Islands Standard Time')).toBe('Pacific/Chatham');
  });

  it('every Windows name round-trips: worker → IANA → the emulator writes the same Windows name', () => {
    const mismatches = WINDOWS_NAMES.filter((name) => windowsZone(ianaZoneOf(name) ?? '') !== name);
    expect(mismatches).toEqual([]);
    expect(WINDOWS_NAMES.filter((name) => windowsZone(ianaZone(name) ?? '') !== name)).toEqual([]);
  });
});

describe("the emulator's Graph accepts every Windows name", () => {
  let emulator: RunningEmulator;
  let token = '';
  const EMAIL = 'zones@windows.example';

  beforeAll(async () => {
    emulator = await startEmulator({ seed: 2054 });
    const microsoft = await provision(emulator, 'microsoft');
    await control(emulator, '/accounts', { provider: 'microsoft', email: EMAIL, time_zone: 'UTC' });
    token = (await connect(microsoft, EMAIL)).access_token;
  });
  afterAll(() => emulator?.close());

  it('creates an event in each zone at the right instant and names the zone back unchanged', async () => {
    const failures: string[] = [];
    for (const name of WINDOWS_NAMES) {
      const response = await fetch(`${emulator.graphUrl}/v1.0/me/events`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          prefer: 'outlook.timezone="UTC"',
        },
        body: JSON.stringify({
          subject: name,
          start: { dateTime: '2027-07-01T12:00:00', timeZone: name },
          end: { dateTime: '2027-07-01T13:00:00', timeZone: name },
        }),
      });
      const event = (await response.json()) as {
        originalStartTimeZone?: string;
        start?: { dateTime: string };
      };
      // 12:00 wall time in the zone the worker maps the name to, as a UTC wall time.
      const zone = ianaZoneOf(name) ?? 'UTC';
      const noonUtc = Date.UTC(2027, 6, 1, 12);
      let instant = noonUtc;
      for (let i = 0; i < 3; i++)
        instant = noonUtc - (Date.parse(`${wallTime(instant, zone).slice(0, 19)}Z`) - instant);
      if (
        response.status !== 201 ||
        event.originalStartTimeZone !== name ||
        event.start?.dateTime !== wallTime(instant, 'UTC')
      )
        failures.push(`${name}: ${response.status} ${event.originalStartTimeZone} ${event.start?.dateTime}`);
    }
    expect(failures).toEqual([]);
  });

  it('Prefer: outlook.timezone with any Windows name is honoured and echoed', async () => {
    const response = await fetch(`${emulator.graphUrl}/v1.0/me/events?$top=1`, {
      headers: { authorization: `Bearer ${token}`, prefer: 'outlook.timezone="New Zealand Standard Time"' },
    });
    const body = (await response.json()) as { value: Array<{ start: { timeZone: string } }> };
    expect(body.value[0]?.start.timeZone).toBe('New Zealand Standard Time');
  });
});
