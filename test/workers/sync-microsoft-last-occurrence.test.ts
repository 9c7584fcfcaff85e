/**
 * Issue 20 §5: deleting the last occurrence of an Outlook series left in the delta window. Graph
 * gives no `@removed` for an occurrence; only the master, re-sent with its `cancelledOccurrences`,
 * says it went. Through the real engine (adapter, page writer, busy derivation) the mirror must drop
 * the deleted occurrences and their busy time after the next incremental round.
 */
import { describe, expect, it } from 'vitest';
import { emulatorControl } from './connect-helpers.ts';
import { connect, DAY_MS, mirrorBusy, mirrorRows, settle } from './sync-model.ts';

const day = (offset: number) => new Date(Date.now() + offset * DAY_MS).toISOString().slice(0, 10);

describe('Microsoft: the last occurrence of a series is deleted in Outlook', () => {
  it('the next incremental round drops every deleted occurrence and its busy time', async () => {
    const email = `m-last-${crypto.randomUUID().slice(0, 8)}@example.test`;
    const { id, stub } = await connect('microsoft', email, 'Europe/Berlin');
    const start = day(3);
    const series = await emulatorControl<{ id: string }>(`/accounts/microsoft/${email}/events`, {
      event: {
        subject: 'Two more times',
        start: { dateTime: `${start}T09:00:00`, timeZone: 'W. Europe Standard Time' },
        end: { dateTime: `${start}T10:00:00`, timeZone: 'W. Europe Standard Time' },
        recurrence: {
          pattern: { type: 'daily', interval: 1 },
          range: { type: 'numbered', startDate: start, numberOfOccurrences: 2 },
        },
      },
    });
    expect(await settle(stub)).toContain('ok');
    const occurrences = async () =>
      (await mirrorRows(id)).filter((r) => r.series_role === 'occurrence').map((r) => r.provider_event_id);
    expect(await occurrences()).toHaveLength(2);
    expect(await mirrorBusy(id)).toHaveLength(2);

    const instances = await emulatorControl<Array<{ id: string }>>(
      `/accounts/microsoft/${email}/events/${encodeURIComponent(series.id)}/instances`,
    );
    const remove = (occurrenceId: string) =>
      emulatorControl(
        `/accounts/microsoft/${email}/events/${encodeURIComponent(occurrenceId)}`,
        undefined,
        'DELETE',
      );
    // One round per deletion: the second one leaves the series without any occurrence.
    await remove(instances[0]!.id);
    await settle(stub);
    expect(await occurrences()).toEqual([instances[1]!.id]);
    await remove(instances[1]!.id);
    await settle(stub);
    expect(await occurrences()).toEqual([]);
    expect(await mirrorBusy(id)).toEqual([]);
  });
});
