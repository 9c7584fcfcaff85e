/**
 * Windows time-zone names (what Graph puts in `originalStartTimeZone`, `recurrenceTimeZone` and the
 * mailbox's working hours) → IANA zones, from Unicode CLDR itself: every Windows name in CLDR's
 * windowsZones mapping (the `cldr-core` package) maps to its primary ("001") zone, written with its
 * current IANA name (CLDR keeps old ids such as `Asia/Calcutta`; the `cldr-bcp47` package names the
 * IANA one, `Asia/Kolkata`). The emulator reads the same packages, so both sides know the same names.
 * The sync engine needs an IANA zone to know which calendar date a Graph `cancelledOccurrences`
 * entry names, and the UI to show an event's own zone.
 */
import bcp47 from 'cldr-bcp47/bcp47/timezone.json' with { type: 'json' };
import cldr from 'cldr-core/supplemental/windowsZones.json' with { type: 'json' };
import { isKnownTimeZone } from '../../time/zone.ts';

interface Bcp47Zone {
  _alias?: string;
  _iana?: string;
}

/**
 * CLDR id → the zone's current IANA name, where CLDR says they differ (Asia/Calcutta → Asia/Kolkata);
 * every spelling of UTC (`Etc/UTC`, `Etc/Universal`, …) is written `UTC`, as Intl writes it.
 */
const CURRENT_IANA = new Map<string, string>();
for (const [key, entry] of Object.entries(bcp47.keyword.u.tz as Record<string, unknown>)) {
  const zone = entry as Bcp47Zone;
  if (typeof zone !== 'object' || !zone._alias) continue;
  const current = key === 'utc' ? 'UTC' : zone._iana;
  if (current) for (const alias of zone._alias.split(' ')) CURRENT_IANA.set(alias, current);
}

/** Every Windows zone name CLDR knows → its primary zone's current IANA name. */
export const WINDOWS_TO_IANA: ReadonlyMap<string, string> = new Map(
  cldr.supplemental.windowsZones.mapTimezones
    .map((entry) => entry.mapZone)
    .filter((zone) => zone._territory === '001')
    .map((zone) => [zone._other, CURRENT_IANA.get(zone._type) ?? zone._type] as const),
);

/**
 * The IANA zone for a Graph zone name: a Windows name is translated, an IANA name (what
 * `Prefer: outlook.timezone` may echo) is kept, anything else is null (callers fall back to UTC).
 */
export function ianaZoneOf(name: string | null | undefined): string | null {
  if (!name) return null;
  const mapped = WINDOWS_TO_IANA.get(name);
  if (mapped && isKnownTimeZone(mapped)) return mapped;
  return isKnownTimeZone(name) ? name : null;
}
