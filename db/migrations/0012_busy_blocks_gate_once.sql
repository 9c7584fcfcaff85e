-- Free/busy speed (issue 14 benchmark): ce_busy_blocks() and ce_calendar_freshness() decided the
-- caller's rights per row (auth.uid() / auth.has_permission() parse the JSON claims on every call).
-- Same signature, same answers: the rights are now decided once, into the list of users the caller
-- may see, and the range reads are plain index scans on (organization_id, user_id, start…).
CREATE OR REPLACE FUNCTION public.ce_busy_blocks(user_ids uuid[], time_min timestamptz, time_max timestamptz)
  RETURNS TABLE (user_id uuid, start_at timestamptz, end_at timestamptz, start_date date, end_date date,
    busy_kind text)
  LANGUAGE plpgsql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, public, pg_temp
  AS $$
  DECLARE
    caller_org uuid := auth.org_id();
    visible uuid[];
  BEGIN
    IF caller_org IS NULL THEN
      RETURN;
    END IF;
    IF auth.has_permission('ce.calendar.schedule') OR auth.has_permission('ce.calendar.view-all') THEN
      visible := user_ids;
    ELSE
      visible := ARRAY(SELECT u FROM unnest(user_ids) AS u WHERE u = auth.uid());
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
CREATE OR REPLACE FUNCTION public.ce_calendar_freshness(user_ids uuid[])
  RETURNS TABLE (user_id uuid, connection_id uuid, provider text, sync_enabled boolean, sync_status text,
    last_sync_at timestamptz, calendar_time_zone text)
  LANGUAGE plpgsql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, public, pg_temp
  AS $$
  DECLARE
    caller_org uuid := auth.org_id();
    visible uuid[];
  BEGIN
    IF caller_org IS NULL THEN
      RETURN;
    END IF;
    IF auth.has_permission('ce.calendar.schedule') OR auth.has_permission('ce.calendar.view-all') THEN
      visible := user_ids;
    ELSE
      visible := ARRAY(SELECT u FROM unnest(user_ids) AS u WHERE u = auth.uid());
    END IF;
    RETURN QUERY
      SELECT c.user_id, c.id, c.provider, c.sync_enabled, c.sync_status, c.last_sync_at, c.calendar_time_zone
        FROM public.ce_calendar_connections c
       WHERE c.organization_id = caller_org
         AND c.user_id = ANY (visible)
       ORDER BY c.user_id, c.created_at, c.id;
  END
  $$;
