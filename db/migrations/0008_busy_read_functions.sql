-- Free/busy freshness (issue 14): for each asked-about user of the caller's organization, their
-- calendars' sync state and zone, so a colleague's answer can say how fresh it is without reading
-- the connection rows (RLS shows those to their owner and view-all only). It never returns the
-- account email, cursor or credential ids: only what a busy answer needs. Same gate as
-- ce_busy_blocks(): own calendars always, others' with ce.calendar.schedule or view-all.
CREATE OR REPLACE FUNCTION public.ce_calendar_freshness(user_ids uuid[])
  RETURNS TABLE (user_id uuid, connection_id uuid, provider text, sync_enabled boolean, sync_status text,
    last_sync_at timestamptz, calendar_time_zone text)
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, public, pg_temp
  AS $$
    SELECT c.user_id, c.id, c.provider, c.sync_enabled, c.sync_status, c.last_sync_at, c.calendar_time_zone
      FROM public.ce_calendar_connections c
     WHERE c.organization_id = auth.org_id()
       AND c.user_id = ANY (user_ids)
       AND (c.user_id = auth.uid() OR auth.has_permission('ce.calendar.schedule')
         OR auth.has_permission('ce.calendar.view-all'))
     ORDER BY c.user_id, c.created_at, c.id
  $$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.ce_calendar_freshness(uuid[]) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION public.ce_calendar_freshness(uuid[]) TO ce_app;
--> statement-breakpoint
-- Live free/busy (`live: true`): what the worker needs to ask each calendar's provider — the
-- provider calendar id and, for Microsoft getSchedule, the mailbox address. Used server-side only;
-- never part of a response. Same gate as above.
CREATE OR REPLACE FUNCTION public.ce_calendar_live_targets(user_ids uuid[])
  RETURNS TABLE (user_id uuid, connection_id uuid, provider text, provider_calendar_id text, account_email text)
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, public, pg_temp
  AS $$
    SELECT c.user_id, c.id, c.provider, c.provider_calendar_id, c.account_email
      FROM public.ce_calendar_connections c
     WHERE c.organization_id = auth.org_id()
       AND c.user_id = ANY (user_ids)
       AND c.sync_status <> 'reconnect_required'
       AND (c.user_id = auth.uid() OR auth.has_permission('ce.calendar.schedule')
         OR auth.has_permission('ce.calendar.view-all'))
     ORDER BY c.user_id, c.created_at, c.id
  $$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.ce_calendar_live_targets(uuid[]) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION public.ce_calendar_live_targets(uuid[]) TO ce_app;
