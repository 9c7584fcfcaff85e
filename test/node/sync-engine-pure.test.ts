/** Pure parts of the sync engine (issue 13): the Google events.list query per round kind, and lag. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maxLag } from '../../durable-objects/sync/lag.ts';
import { eventsListUrl, GOOGLE_PAGE_SIZE } from '../../worker/providers/google/changes.ts';

const API = 'https://www.googleapis.com/calendar/v3';
const WINDOW = { startMs: 0, endMs: 1 };

describe('Google events.list query', () => {
  it('full round: singleEvents=false, no showDeleted, no syncToken', () => {
    const url = new URL(eventsListUrl(API, { calendarId: 'primary', window: WINDOW }));
    expect(url.pathname).toBe('/calendar/v3/calendars/primary/events');
    expect(url.searchParams.get('singleEvents')).toBe('false');
    expect(url.searchParams.get('maxResults')).toBe(String(GOOGLE_PAGE_SIZE));
    expect(url.searchParams.has('showDeleted')).toBe(false);
    expect(url.searchParams.has('syncToken')).toBe(false);
  });

  it('incremental round: syncToken + showDeleted=true, and none of the parameters Google forbids with it', () => {
    const url = new URL(
      eventsListUrl(API, { calendarId: 'a b@group', cursor: 'tok', pageToken: 'p2', window: WINDOW }),
    );
    expect(url.pathname).toBe('/calendar/v3/calendars/a%20b%40group/events');
    expect(url.searchParams.get('syncToken')).toBe('tok');
    expect(url.searchParams.get('showDeleted')).toBe('true');
    expect(url.searchParams.get('pageToken')).toBe('p2');
    for (const forbidden of ['timeMin', 'timeMax', 'updatedMin', 'orderBy', 'q', 'iCalUID'])
      expect(url.searchParams.has(forbidden)).toBe(false);
  });
});

describe('sync lag', () => {
  it('is the longest change-to-commit time, never negative, and ignores events without `updated`', () => {
    fc.assert(
      fc.property(
        fc.option(fc.nat(), { nil: null }),
        fc.array(fc.option(fc.integer({ min: 0, max: 2_000_000 }), { nil: null })),
        fc.integer({ min: 0, max: 2_000_000 }),
        (current, updates, committed) => {
          const lag = maxLag(
            current,
            updates.map((u) => ({ providerUpdatedMs: u })),
            committed,
          );
          const known = updates.filter((u): u is number => u !== null).map((u) => Math.max(0, committed - u));
          const expected = [...(current === null ? [] : [current]), ...known];
          expect(lag).toBe(expected.length ? Math.max(...expected) : null);
        },
      ),
    );
  });
});
