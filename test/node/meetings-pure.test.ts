/**
 * Pure parts of meetings (issue 15, issue 20 §3): the request schemas' limits, input checks, the Idempotency-Key's canonical body, attendee
 * answers from both providers' shapes, what an inbound change means for the activity, reminder and
 * retry timing, and the wire helpers (Google event id from the tag, Graph wall-clock time).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attendeeAnswers } from '../../durable-objects/meetings/attendees.ts';
import { followChange } from '../../durable-objects/meetings/follow-plan.ts';
import { outboxRetryDelayMs, reminderDueAt } from '../../durable-objects/meetings/timing.ts';
import { WriteLock } from '../../durable-objects/meetings/write-lock.ts';
import { googleEventIdFor } from '../../worker/providers/google/meetings.ts';
import {
  CreateMeetingRequest,
  MeetingListQuery,
  UpdateMeetingRequest,
} from '../../worker/routes/meeting-schemas.ts';
import {
  canonicalJson,
  checkMeetingFields,
  MAX_ATTENDEES,
  MAX_TITLE_LENGTH,
  START_TOLERANCE_MS,
} from '../../worker/services/meeting-input.ts';
import type { MirrorEvent } from '../../worker/sync/types.ts';
import { wallTimeIn, zoneAsWritten } from '../../worker/time/zone.ts';

const NOW = Date.parse('2026-03-02T09:00:00Z');

describe('checkMeetingFields', () => {
  it('trims the title, folds duplicate addresses and corrects only the letter case of a zone', () => {
    const result = checkMeetingFields(
      {
        title: ' Review ',
        start: '2026-03-03T10:00:00+01:00',
        time_zone: 'europe/berlin',
        attendees: ['a@example.test', 'A@Example.test', 'b@example.test'],
      },
      NOW,
    );
    expect(result).toEqual({
      ok: true,
      value: {
        title: 'Review',
        startMs: Date.parse('2026-03-03T09:00:00Z'),
        timeZone: 'Europe/Berlin',
        attendees: ['a@example.test', 'b@example.test'],
      },
    });
  });

  it('keeps the zone name as written, never the legacy alias ICU resolves it to (issue 20 §3)', () => {
    for (const zone of ['Europe/Kyiv', 'Asia/Kolkata', 'America/Argentina/Buenos_Aires', 'UTC', 'Etc/GMT+5'])
      expect(checkMeetingFields({ time_zone: zone }, NOW)).toEqual({ ok: true, value: { timeZone: zone } });
    // The runtime's own spelling in another case takes that spelling.
    expect(zoneAsWritten('america/new_york')).toBe('America/New_York');
  });

  it('a start within the tolerance passes; earlier, or more than three years ahead, never does', () => {
    fc.assert(
      fc.property(fc.integer({ min: -2 * START_TOLERANCE_MS, max: 2 * START_TOLERANCE_MS }), (offset) => {
        const result = checkMeetingFields({ start: new Date(NOW + offset).toISOString() }, NOW);
        expect(result.ok).toBe(offset >= -START_TOLERANCE_MS);
      }),
    );
    const far = checkMeetingFields({ start: new Date(NOW + 4 * 366 * 86_400_000).toISOString() }, NOW);
    expect(far.ok ? [] : far.problems.map((p) => p.field)).toEqual(['start']);
  });
});

describe('meeting schemas (the one source of the limits)', () => {
  const valid = { title: 'Review', start: '2026-03-03T10:00:00Z', time_zone: 'UTC', attendees: [] };
  const fieldsOf = (body: unknown) => {
    const parsed = CreateMeetingRequest.safeParse(body);
    return parsed.success ? [] : parsed.error.issues.map((issue) => issue.path.join('.'));
  };

  it('accepts a valid request and the zone names ICU would rewrite', () => {
    expect(fieldsOf(valid)).toEqual([]);
    expect(fieldsOf({ ...valid, time_zone: 'Europe/Kyiv', duration_minutes: 480 })).toEqual([]);
    expect(fieldsOf({ ...valid, title: 'x'.repeat(MAX_TITLE_LENGTH) })).toEqual([]);
  });

  it('names each field that breaks a limit', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ title: '' }, 'title'],
      [{ title: ' \t ' }, 'title'],
      [{ title: 'x'.repeat(MAX_TITLE_LENGTH + 1) }, 'title'],
      [{ start: '2026-03-03T10:00:00' }, 'start'],
      [{ start: '2026-03-03T10:00Z' }, 'start'],
      [{ duration_minutes: 14 }, 'duration_minutes'],
      [{ duration_minutes: 481 }, 'duration_minutes'],
      [{ duration_minutes: 30.5 }, 'duration_minutes'],
      [{ time_zone: 'Mars/Base' }, 'time_zone'],
      [{ time_zone: '+01:00' }, 'time_zone'],
      [{ attendees: ['fine@example.test', 'x@@bad'] }, 'attendees.1'],
      [{ attendees: ['no-dot@localhost'] }, 'attendees.0'],
      [{ attendees: Array.from({ length: MAX_ATTENDEES + 1 }, (_, i) => `p${i}@example.test`) }, 'attendees'],
      [{ colour: 'red' }, ''],
    ];
    for (const [change, field] of cases) expect(fieldsOf({ ...valid, ...change }), field).toContain(field);
  });

  it('a PATCH must change at least one field', () => {
    expect(UpdateMeetingRequest.safeParse({}).success).toBe(false);
    expect(UpdateMeetingRequest.safeParse({ title: undefined }).success).toBe(false);
    expect(UpdateMeetingRequest.safeParse({ description: null }).success).toBe(true);
    expect(UpdateMeetingRequest.safeParse({ duration_minutes: 60 }).success).toBe(true);
  });

  it('the list query takes activity_id alone or an ordered window of at most 62 days (x-ce-rules)', () => {
    const problems = (query: Record<string, string>) => {
      const parsed = MeetingListQuery.safeParse(query);
      return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    const day = (n: number) => new Date(NOW + n * 86_400_000).toISOString();
    expect(problems({ activity_id: crypto.randomUUID() })).toEqual([]);
    expect(problems({ time_min: day(0), time_max: day(62) })).toEqual([]);
    expect(problems({})).toEqual([
      'time_min: is required unless activity_id is given',
      'time_max: is required unless activity_id is given',
    ]);
    expect(problems({ time_min: day(0) })).toEqual(['time_max: is required unless activity_id is given']);
    expect(problems({ activity_id: crypto.randomUUID(), time_max: day(1) })).toEqual([
      'activity_id: must not be combined with time_min/time_max',
    ]);
    expect(problems({ time_min: day(1), time_max: day(1) })).toEqual(['time_max: must be after time_min']);
    expect(problems({ time_min: day(0), time_max: day(63) })).toEqual([
      'time_max: must be at most 62 days after time_min',
    ]);
  });
});

describe('canonicalJson', () => {
  it('does not depend on key order', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (object) => {
        const reversed = Object.fromEntries(Object.entries(object).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(object));
      }),
    );
  });
  it('differs when a value differs', () => {
    expect(canonicalJson({ a: 1, b: [1, 2] })).not.toBe(canonicalJson({ a: 1, b: [2, 1] }));
  });
});

describe('attendeeAnswers', () => {
  const invited = [
    { email: 'a@example.test', responseStatus: 'needsAction' as const },
    { email: 'b@example.test', responseStatus: 'needsAction' as const },
  ];
  it('reads Google entries', () => {
    expect(
      attendeeAnswers(invited, [
        { email: 'org@example.test', organizer: true, responseStatus: 'accepted' },
        { email: 'A@example.test', responseStatus: 'declined' },
      ]),
    ).toEqual([
      { email: 'a@example.test', responseStatus: 'declined' },
      { email: 'b@example.test', responseStatus: 'needsAction' },
    ]);
  });
  it('reads Graph entries', () => {
    expect(
      attendeeAnswers(invited, [
        { emailAddress: { address: 'b@example.test' }, status: { response: 'tentativelyAccepted' } },
        { emailAddress: { address: 'a@example.test' }, status: { response: 'accepted' } },
      ]),
    ).toEqual([
      { email: 'a@example.test', responseStatus: 'accepted' },
      { email: 'b@example.test', responseStatus: 'tentative' },
    ]);
  });
});

describe('followChange', () => {
  const activity = {
    subject: 'Review',
    startsAtMs: NOW,
    endsAtMs: NOW + 1_800_000,
    attendees: [{ email: 'a@example.test', responseStatus: 'needsAction' as const }],
  };
  const event = (over: Partial<MirrorEvent>): MirrorEvent => ({
    providerEventId: 'e1',
    seriesRole: 'single',
    seriesKey: 'e1',
    icalUid: null,
    title: 'Review',
    description: null,
    location: null,
    timing: { allDay: false, startMs: NOW, endMs: NOW + 1_800_000 },
    timeZone: 'UTC',
    status: 'confirmed',
    transparency: 'opaque',
    eventKind: 'default',
    responseStatus: null,
    isOrganizer: true,
    attendees: [{ email: 'a@example.test', responseStatus: 'needsAction' }],
    organizer: null,
    recurrence: null,
    recurringEventId: null,
    originalStart: null,
    appTag: 'tag',
    providerEtag: null,
    providerUpdatedMs: null,
    ...over,
  });
  it('our own echo changes nothing', () => {
    expect(followChange(activity, event({}))).toEqual({ kind: 'none' });
  });
  it('deleted or cancelled cancels', () => {
    expect(followChange(activity, 'deleted')).toEqual({ kind: 'cancel' });
    expect(followChange(activity, event({ status: 'cancelled' }))).toEqual({ kind: 'cancel' });
  });
  it('a move, a retitle and an answer come back', () => {
    expect(
      followChange(
        activity,
        event({
          title: 'Moved',
          timing: { allDay: false, startMs: NOW + 3_600_000, endMs: NOW + 5_400_000 },
          attendees: [{ email: 'a@example.test', responseStatus: 'declined' }],
        }),
      ),
    ).toEqual({
      kind: 'update',
      subject: 'Moved',
      moved: { startsAtMs: NOW + 3_600_000, endsAtMs: NOW + 5_400_000, startChanged: true },
      attendees: [{ email: 'a@example.test', responseStatus: 'declined' }],
    });
  });
  it('an end-only change moves the end and keeps the start (its reminder stays; issue 20 §2)', () => {
    expect(
      followChange(activity, event({ timing: { allDay: false, startMs: NOW, endMs: NOW + 3_600_000 } })),
    ).toEqual({
      kind: 'update',
      moved: { startsAtMs: NOW, endsAtMs: NOW + 3_600_000, startChanged: false },
    });
  });
});

describe('timing', () => {
  it('the reminder is due the setting before the start, never in the past', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10 ** 9 }),
        fc.integer({ min: 5, max: 1440 }),
        (ahead, minutes) => {
          const due = reminderDueAt(NOW + ahead, minutes, NOW);
          expect(due).toBe(Math.max(NOW + ahead - minutes * 60_000, NOW));
          expect(due).toBeGreaterThanOrEqual(NOW);
        },
      ),
    );
  });
  it('outbox retries back off, honour Retry-After and stay bounded', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.double({ min: 0, max: 0.999, noNaN: true }),
        fc.option(fc.integer({ min: 0, max: 3600 }), { nil: undefined }),
        (attempts, random, retryAfter) => {
          const delay = outboxRetryDelayMs(attempts, random, retryAfter);
          expect(delay).toBeGreaterThanOrEqual((retryAfter ?? 0) * 1000);
          expect(delay).toBeLessThanOrEqual(Math.max(15 * 60_000 + 1000, (retryAfter ?? 0) * 1000));
          expect(outboxRetryDelayMs(attempts + 1, random)).toBeGreaterThanOrEqual(
            outboxRetryDelayMs(attempts, random),
          );
        },
      ),
    );
  });
});

describe('wire helpers', () => {
  it('a uuid tag is a valid Google event id (base32hex, 5–1024)', () => {
    fc.assert(
      fc.property(fc.uuid(), (uuid) => {
        expect(googleEventIdFor(uuid)).toMatch(/^[a-v0-9]{5,1024}$/);
      }),
    );
  });
  it('Graph wall time is the zone clock', () => {
    expect(wallTimeIn(Date.parse('2026-07-01T08:00:00Z'), 'Europe/Berlin')).toBe('2026-07-01T10:00:00');
    expect(wallTimeIn(Date.parse('2026-01-01T08:00:00Z'), 'America/New_York')).toBe('2026-01-01T03:00:00');
    expect(wallTimeIn(Date.parse('2026-01-01T00:30:00Z'), 'UTC')).toBe('2026-01-01T00:30:00');
  });
});

describe('WriteLock', () => {
  it('runs work one at a time in arrival order, also after a failure', async () => {
    const lock = new WriteLock();
    const log: string[] = [];
    const step = (name: string, fail = false) =>
      lock.run(async () => {
        log.push(`start ${name}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
        log.push(`end ${name}`);
        if (fail) throw new Error(name);
        return name;
      });
    const results = await Promise.allSettled([step('a'), step('b', true), step('c')]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });
});
