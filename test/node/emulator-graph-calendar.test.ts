/**
 * Issue 20 §5: the mailbox's default calendar (`GET /v1.0/me/calendar`) with Graph's calendar
 * fields, and every 404 the emulator sends in Graph's error envelope (`code` a string).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../emulator/server.ts';
import { connect, control, type Provisioned, provision } from '../support/emulator.ts';

let emulator: RunningEmulator;
let microsoft: Provisioned;
let token = '';
const MEGAN = 'megan@calendar.example';

beforeAll(async () => {
  emulator = await startEmulator({ seed: 2005 });
  microsoft = await provision(emulator, 'microsoft');
  await control(emulator, '/accounts', {
    provider: 'microsoft',
    email: MEGAN,
    name: 'Megan Bowen',
    time_zone: 'Europe/Berlin',
  });
  token = (await connect(microsoft, MEGAN)).access_token;
});
afterAll(() => emulator?.close());

const graphGet = (path: string, base = emulator.graphUrl) =>
  fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });

/** The fields of Graph's calendar resource (api-reference calendar-get, v1.0). */
const CALENDAR_FIELDS = [
  'allowedOnlineMeetingProviders',
  'canEdit',
  'canShare',
  'canViewPrivateItems',
  'changeKey',
  'color',
  'defaultOnlineMeetingProvider',
  'groupClassId',
  'hexColor',
  'id',
  'isDefaultCalendar',
  'isRemovable',
  'isTallyingResponses',
  'name',
  'owner',
];

describe('GET /v1.0/me/calendar', () => {
  it("answers the mailbox's default calendar with Graph's fields, the same one /me/calendars marks default", async () => {
    const response = await graphGet('/v1.0/me/calendar');
    expect(response.status).toBe(200);
    const calendar = (await response.json()) as Record<string, unknown>;
    expect(
      Object.keys(calendar)
        .filter((k) => !k.startsWith('@odata'))
        .sort(),
    ).toEqual(CALENDAR_FIELDS);
    expect(calendar).toMatchObject({
      isDefaultCalendar: true,
      isRemovable: false,
      canEdit: true,
      defaultOnlineMeetingProvider: 'teamsForBusiness',
      owner: { name: 'Megan Bowen', address: MEGAN },
    });
    expect(calendar['@odata.context']).toMatch(/\/calendar\/\$entity$/);
    const list = (await (await graphGet('/v1.0/me/calendars')).json()) as {
      value: Array<Record<string, unknown>>;
    };
    const listed = list.value.find((c) => c.isDefaultCalendar);
    expect(listed).toEqual(Object.fromEntries(Object.entries(calendar).filter(([k]) => !k.startsWith('@'))));
    // The same calendar by id, and through the main listener's /microsoft/graph mount.
    expect(((await (await graphGet(`/v1.0/me/calendars/${calendar.id}`)).json()) as { id: string }).id).toBe(
      calendar.id,
    );
    const mounted = await graphGet('/microsoft/graph/v1.0/me/calendar', emulator.url);
    expect(((await mounted.json()) as { id: string }).id).toBe(calendar.id);
  });

  it('needs a token: 401 InvalidAuthenticationToken', async () => {
    const response = await fetch(`${emulator.graphUrl}/v1.0/me/calendar`);
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      'InvalidAuthenticationToken',
    );
  });
});

describe("every 404 is Graph's error envelope", () => {
  it.each([
    ['an unknown Graph path', () => graphGet('/v1.0/me/nothing-here')],
    ['an unknown version', () => graphGet('/beta2/me/calendar')],
    ['an unknown calendar', () => graphGet('/v1.0/me/calendars/AAMkNoSuchCalendar=')],
    ['an unknown event', () => graphGet('/v1.0/me/events/AAMkNoSuchEvent=')],
    ['an unknown subscription', () => graphGet('/v1.0/subscriptions/00000000-0000-0000-0000-000000000000')],
    ['an unknown path under /microsoft/', () => graphGet('/microsoft/graph/v1.0/nope', emulator.url)],
    ['an unknown control path', () => graphGet('/_control/nope', emulator.url)],
    [
      'an unknown control account',
      () => graphGet('/_control/accounts/microsoft/nobody@x.example/counters', emulator.url),
    ],
  ])('%s', async (_label, request) => {
    const response = await request();
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toContain('application/json');
    const body = (await response.json()) as { error?: { code?: unknown; message?: unknown } };
    expect(typeof body.error?.code).toBe('string');
    expect(body.error?.code).not.toBe('');
    expect(typeof body.error?.message).toBe('string');
  });
});
