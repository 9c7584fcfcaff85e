-- Free/busy security rule, in one place. Colleagues' time is read only through the SECURITY DEFINER
-- functions below (pinned search_path; the owner reads across the forced-RLS tables), and every one
-- of them asks auth.free_busy_visible() whose time the caller may see:
--   * only users of the caller's organization (each function filters on auth.org_id());
--   * the caller's own calendars always;
--   * anyone else's only with ce.calendar.schedule or ce.calendar.view-all.
-- None of them selects a title, description, location, attendee or event id, so no code path can put
-- one in a free/busy answer; only ce_calendar_live_targets() returns the mailbox address, which the
-- worker needs for Microsoft getSchedule and never puts in a response.

-- The subset of `user_ids` whose free/busy the caller may read. Decided once per call (not per row:
-- auth.* parses the JSON claims on every call, which made the per-row form slow).
CREATE OR REPLACE FUNCTION auth.free_busy_visible(user_ids uuid[]) RETURNS uuid[]
  LANGUAGE sql STABLE
  AS $$
    SELECT CASE
      WHEN auth.has_permission('ce.calendar.schedule') OR auth.has_permission('ce.calendar.view-all')
        THEN user_ids
      ELSE ARRAY(SELECT u FROM unnest(user_ids) AS u WHERE u = auth.uid())
    END
  $$;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION auth.free_busy_visible(uuid[]) TO ce_app;
--> statement-breakpoint
-- What free/busy and availability read, in one call (worker/services/freebusy.ts via
-- db/queries/busy.ts readCalendarsAndBusy). Every request opens a fresh Postgres session, which pays
-- for each catalog entry, buffer and work-memory page it touches first, so the answer is shaped to
-- touch little:
--   * one row per visible calendar: its sync state and zone (timed_ms and all_day_dates null);
--   * one row per visible user with a calendar (connection_id null): the timed busy blocks overlapping
--     the window merged per user (range_agg joins overlapping and touching blocks) as JSON
--     [[start_ms, end_ms], ...], read by an index-only scan of ce_calendar_busy_timed_idx, and the
--     all-day blocks as JSON [[start_date, end_date, busy_kind], ...] with a day of slack (the caller
--     resolves them in the owner's zone and clips). JSON rather than float8[]: the driver parses json
--     natively, ~10x faster than its array parser.
CREATE OR REPLACE FUNCTION public.ce_free_busy_read(user_ids uuid[], time_min timestamptz, time_max timestamptz)
  RETURNS TABLE (user_id uuid, connection_id uuid, provider text, sync_enabled boolean, sync_status text,
    last_sync_ms float8, calendar_time_zone text, timed_ms json, all_day_dates json)
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, public, pg_temp
  AS $$
    WITH gate AS (
      SELECT auth.org_id() AS org, auth.free_busy_visible(user_ids) AS visible
    ),
    answer AS (
      SELECT c.user_id, 0 AS part, c.created_at AS created, c.id AS connection_id, c.provider, c.sync_enabled,
             c.sync_status, (extract(epoch FROM c.last_sync_at) * 1000)::float8 AS last_sync_ms,
             c.calendar_time_zone, NULL::json AS timed_ms, NULL::json AS all_day_dates
        FROM gate, public.ce_calendar_connections c
       WHERE c.organization_id = gate.org AND c.user_id = ANY (gate.visible)
      UNION ALL
      SELECT u.user_id, 1, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
             array_to_json(ARRAY(SELECT ARRAY[(extract(epoch FROM lower(r)) * 1000)::float8,
                                              (extract(epoch FROM upper(r)) * 1000)::float8]
                                   FROM unnest(t.busy) AS r)),
             array_to_json(ARRAY(SELECT ARRAY[b.start_date::text, b.end_date::text, b.busy_kind]
                                   FROM public.ce_calendar_busy_occurrences b
                                  WHERE b.organization_id = gate.org AND b.user_id = u.user_id
                                    AND b.start_date IS NOT NULL
                                    AND b.start_date <= (time_max AT TIME ZONE 'UTC')::date + 1
                                    AND b.end_date >= (time_min AT TIME ZONE 'UTC')::date))
        FROM gate,
             (SELECT DISTINCT c.user_id FROM gate, public.ce_calendar_connections c
               WHERE c.organization_id = gate.org AND c.user_id = ANY (gate.visible)) AS u,
             LATERAL (SELECT range_agg(tstzrange(b.start_at, b.end_at)) AS busy
                        FROM public.ce_calendar_busy_occurrences b
                       WHERE b.organization_id = gate.org AND b.user_id = u.user_id
                         AND b.start_at IS NOT NULL AND b.start_at < time_max AND b.end_at > time_min) AS t
    )
    SELECT a.user_id, a.connection_id, a.provider, a.sync_enabled, a.sync_status, a.last_sync_ms,
           a.calendar_time_zone, a.timed_ms, a.all_day_dates
      FROM answer a
     ORDER BY a.user_id, a.part, a.created, a.connection_id
  $$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.ce_free_busy_read(uuid[], timestamptz, timestamptz) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION public.ce_free_busy_read(uuid[], timestamptz, timestamptz) TO ce_app;
--> statement-breakpoint
-- Live free/busy (`live: true`): what the worker needs to ask each calendar's provider, the provider
-- calendar id and, for Microsoft getSchedule, the mailbox address. Server-side only. Connections
-- waiting for a reconnect are left out (their token cannot answer).
CREATE OR REPLACE FUNCTION public.ce_calendar_live_targets(user_ids uuid[])
  RETURNS TABLE (user_id uuid, connection_id uuid, provider text, provider_calendar_id text, account_email text)
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, public, pg_temp
  AS $$
    WITH gate AS (
      SELECT auth.org_id() AS org, auth.free_busy_visible(user_ids) AS visible
    )
    SELECT c.user_id, c.id, c.provider, c.provider_calendar_id, c.account_email
      FROM gate, public.ce_calendar_connections c
     WHERE c.organization_id = gate.org
       AND c.user_id = ANY (gate.visible)
       AND c.sync_status <> 'reconnect_required'
     ORDER BY c.user_id, c.created_at, c.id
  $$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.ce_calendar_live_targets(uuid[]) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION public.ce_calendar_live_targets(uuid[]) TO ce_app;
--> statement-breakpoint
-- Busy blocks row by row (user, interval or dates, kind). Not on the request path (free/busy uses
-- ce_free_busy_read()); kept as the independent oracle the storage and merge tests compare against
-- (test/node/sync-storage.test.ts, test/node/availability-free-busy-read.test.ts).
CREATE OR REPLACE FUNCTION public.ce_busy_blocks(user_ids uuid[], time_min timestamptz, time_max timestamptz)
  RETURNS TABLE (user_id uuid, start_at timestamptz, end_at timestamptz, start_date date, end_date date,
    busy_kind text)
  LANGUAGE plpgsql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, public, pg_temp
  AS $$
  DECLARE
    caller_org uuid := auth.org_id();
    visible uuid[] := auth.free_busy_visible(user_ids);
  BEGIN
    IF caller_org IS NULL THEN
      RETURN;
    END IF;
    RETURN QUERY
      SELECT b.user_id, b.start_at, b.end_at, NULL::date, NULL::date, b.busy_kind
        FROM public.ce_calendar_busy_occurrences b
       WHERE b.organization_id = caller_org
         AND b.user_id = ANY (visible)
         AND b.start_at IS NOT NULL
         AND b.start_at < time_max AND b.end_at > time_min
      UNION ALL
      SELECT b.user_id, NULL::timestamptz, NULL::timestamptz, b.start_date, b.end_date, b.busy_kind
        FROM public.ce_calendar_busy_occurrences b
       WHERE b.organization_id = caller_org
         AND b.user_id = ANY (visible)
         AND b.start_date IS NOT NULL
         AND b.start_date <= (time_max AT TIME ZONE 'UTC')::date + 1
         AND b.end_date >= (time_min AT TIME ZONE 'UTC')::date;
  END
  $$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.ce_busy_blocks(uuid[], timestamptz, timestamptz) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION public.ce_busy_blocks(uuid[], timestamptz, timestamptz) TO ce_app;
--> statement-breakpoint
-- Calendars' sync state row by row. Not on the request path either; the free/busy profile benchmark
-- (bench/workers/freebusy-profile.bench.test.ts) runs it to time the two-call read that
-- ce_free_busy_read() replaced.
CREATE OR REPLACE FUNCTION public.ce_calendar_freshness(user_ids uuid[])
  RETURNS TABLE (user_id uuid, connection_id uuid, provider text, sync_enabled boolean, sync_status text,
    last_sync_at timestamptz, calendar_time_zone text)
  LANGUAGE plpgsql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, public, pg_temp
  AS $$
  DECLARE
    caller_org uuid := auth.org_id();
    visible uuid[] := auth.free_busy_visible(user_ids);
  BEGIN
    IF caller_org IS NULL THEN
      RETURN;
    END IF;
    RETURN QUERY
      SELECT c.user_id, c.id, c.provider, c.sync_enabled, c.sync_status, c.last_sync_at, c.calendar_time_zone
        FROM public.ce_calendar_connections c
       WHERE c.organization_id = caller_org
         AND c.user_id = ANY (visible)
       ORDER BY c.user_id, c.created_at, c.id;
  END
  $$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.ce_calendar_freshness(uuid[]) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION public.ce_calendar_freshness(uuid[]) TO ce_app;
