-- Free/busy read in one call (issue 14, `ratio_p95_to_floor`). Every request opens a fresh Postgres
-- session, and a fresh session pays for each catalog entry, buffer and work memory page it touches
-- for the first time; the profile (bench/workers/freebusy-profile.bench.test.ts) showed the
-- per-row plpgsql ce_busy_blocks() (heap fetches for busy_kind, a materialised tuple store, then a
-- second copy for the merge) costing ~60 ms more on a fresh session than on a warm one.
-- This function answers what free/busy and availability need and nothing else:
--   * one row per visible calendar: its sync state and zone (as ce_calendar_freshness());
--   * one row per visible user with a calendar: the timed busy blocks overlapping the window merged per user
--     (range_agg joins overlapping and touching blocks) as JSON [[start_ms, end_ms], ...], read by an
--     index-only scan of ce_calendar_busy_timed_idx, and the all-day blocks as JSON
--     [[start_date, end_date, busy_kind], ...] (with a day of slack: the caller resolves them in the
--     owner's zone and clips). JSON rather than float8[]: the driver parses it natively, ~10x faster
--     than its array parser.
-- Same gate as ce_busy_blocks(): the caller's organization only; own calendars always, others'
-- with ce.calendar.schedule or view-all. No title, attendee, location, email or event id can come
-- out of it: the columns are user, sync state, instants and dates.
DROP FUNCTION IF EXISTS public.ce_free_busy_read(uuid[], timestamptz, timestamptz);
--> statement-breakpoint
CREATE FUNCTION public.ce_free_busy_read(user_ids uuid[], time_min timestamptz, time_max timestamptz)
  RETURNS TABLE (user_id uuid, connection_id uuid, provider text, sync_enabled boolean, sync_status text,
    last_sync_ms float8, calendar_time_zone text, timed_ms json, all_day_dates json)
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, public, pg_temp
  AS $$
    WITH gate AS (
      SELECT auth.org_id() AS org,
             CASE WHEN auth.has_permission('ce.calendar.schedule') OR auth.has_permission('ce.calendar.view-all')
                  THEN user_ids
                  ELSE ARRAY(SELECT u FROM unnest(user_ids) AS u WHERE u = auth.uid()) END AS visible
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
