/**
 * Windows time-zone names as Graph accepts and writes them, from Unicode CLDR's windowsZones mapping
 * (the `cldr-core` package; aliases of IANA ids from `cldr-bcp47`). Graph accepts every Windows name
 * CLDR lists; the emulator stores the name's primary ("001") zone and writes an IANA zone back as the
 * Windows name whose region lists it. Read independently of the worker's copy of the same data
 * (worker/providers/microsoft/windows-zones.ts): the emulator is an oracle and shares no code with the worker.
 */
import bcp47 from 'cldr-bcp47/bcp47/timezone.json' with { type: 'json' };
import cldr from 'cldr-core/supplemental/windowsZones.json' with { type: 'json' };

const zones = cldr.supplemental.windowsZones.mapTimezones.map((entry) => entry.mapZone);

/** Windows name → the IANA id of its primary zone (as CLDR spells it; Intl knows every spelling). */
export const WINDOWS_ZONES: ReadonlyMap<string, string> = new Map(
  zones.filter((zone) => zone._territory === '001').map((zone) => [zone._other, zone._type]),
);

/** Every spelling of a zone (its bcp47 aliases) → the spellings it shares a zone with. */
const aliasGroups = new Map<string, string[]>();
for (const entry of Object.values(bcp47.keyword.u.tz as Record<string, unknown>)) {
  const alias = (entry as { _alias?: string })._alias;
  if (typeof entry !== 'object' || !alias) continue;
  const group = alias.split(' ');
  for (const id of group) aliasGroups.set(id, group);
}

/** IANA id (any spelling) → the Windows name CLDR maps it to (the primary one first). */
const TO_WINDOWS = new Map<string, string>();
for (const zone of [...zones].sort(
  (a, b) => Number(b._territory === '001') - Number(a._territory === '001'),
)) {
  for (const id of zone._type.split(' ')) {
    for (const spelling of aliasGroups.get(id) ?? [id]) {
      if (!TO_WINDOWS.has(spelling)) TO_WINDOWS.set(spelling, zone._other);
    }
  }
}

/** The Windows name for an IANA zone, undefined when CLDR maps it to none. */
export const windowsNameOf = (iana: string): string | undefined => TO_WINDOWS.get(iana);
