/**
 * Convergence property for Microsoft Graph (issue 13): random provider-side operations from the
 * shared generator (creates, updates, deletes, instance move/cancel, this-and-following, series time
 * changes, all-day and cross-DST events, invitations and answers), interleaved with syncs, push pokes
 * and injected faults (429 + Retry-After, 503, timeouts, 410) → after a final sync the mirror equals
 * Graph's own calendarView: no missing, extra or duplicate rows, and the derived busy occurrences equal
 * Graph's busy items over several windows. Half the runs have delta omit series masters (the adapter
 * then fetches them), half report deleted occurrences with `@removed` as well, and pages are sometimes
 * short or empty. fast-check prints the seed on failure.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { emulatorControl } from './connect-helpers.ts';
import { MicrosoftModel } from './sync-microsoft-model.ts';
import {
  connect,
  createZonedAccount,
  DAY_MS,
  inWindow,
  mirrorBusy,
  mirrorRows,
  settle,
  syncOperations,
  tokenOf,
} from './sync-model.ts';

const byId = (a: { provider_event_id: string }, b: { provider_event_id: string }) =>
  a.provider_event_id < b.provider_event_id ? -1 : a.provider_event_id > b.provider_event_id ? 1 : 0;

const RUNS = Number(process.env.SYNC_PROPERTY_RUNS ?? 10);

afterAll(async () => {
  await emulatorControl('/options', {
    graphDeltaSeriesMasters: 'initialAndChanged',
    shortPageProbability: 0,
  });
});

describe('Microsoft convergence', () => {
  it('after the final sync the mirror equals Graph (rows and busy occurrences in several windows)', async () => {
    let run = 0;
    let mirrored = 0;
    await fc.assert(
      fc.asyncProperty(
        syncOperations(16),
        fc.boolean(),
        fc.boolean(),
        async (operations, mastersOmitted, removedOccurrences) => {
          run += 1;
          const email = `m-prop-${run}-${crypto.randomUUID().slice(0, 8)}@example.test`;
          const organizer = `m-prop-org-${run}-${crypto.randomUUID().slice(0, 8)}@example.test`;
          const { id, stub } = await connect('microsoft', email, 'Europe/Berlin');
          await createZonedAccount('microsoft', organizer, 'America/New_York');
          const model = new MicrosoftModel(email, organizer, tokenOf(stub));
          await emulatorControl('/options', {
            graphDeltaSeriesMasters: mastersOmitted ? 'never' : 'initialAndChanged',
            shortPageProbability: 0.2,
            graphDeletedOccurrences: removedOccurrences ? 'removed' : 'silent',
          });
          for (const operation of operations) {
            if (operation.op === 'sync') await settle(stub);
            else if (operation.op === 'poke') await stub.requestSync('webhook', crypto.randomUUID());
            else if (operation.op === 'fault') await model.fault(operation.kind);
            else await model.apply(operation);
          }
          await settle(stub);

          const rows = (await mirrorRows(id)).filter((r) => r.series_role !== 'master').sort(byId);
          const ids = rows.map((r) => r.provider_event_id);
          expect(new Set(ids).size).toBe(ids.length);
          expect(
            rows.map(({ provider_event_id, title, status, start, end }) => ({
              provider_event_id,
              title,
              status,
              start,
              end,
            })),
          ).toEqual((await model.expectedRows()).sort(byId));
          // Masters are not in calendarView: each stored one must still exist on Graph.
          for (const master of (await mirrorRows(id)).filter((r) => r.series_role === 'master'))
            expect(await model.masterExists(master.provider_event_id), master.provider_event_id).toBe(true);
          const busy = await mirrorBusy(id);
          for (const [from, to] of [
            [-10, 20],
            [20, 70],
            [70, 150],
          ] as const) {
            const window = [Date.now() + from * DAY_MS, Date.now() + to * DAY_MS] as const;
            expect(inWindow(busy, ...window), `busy days ${from}..${to}`).toEqual(
              await model.expectedBusy(...window),
            );
          }
          mirrored += (await mirrorRows(id)).length;
        },
      ),
      { numRuns: RUNS, endOnFailure: true },
    );
    // The runs must have mirrored something, or the comparison proved nothing.
    expect(mirrored).toBeGreaterThan(run);
  }, 600_000);
});
