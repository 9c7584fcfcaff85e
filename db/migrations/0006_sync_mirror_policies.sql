-- Custom SQL migration file, put your code below! --
-- Derived busy occurrences (issue 13) follow the events' rules: the connection's owner or view-all
-- reads; only the owner of the connection writes, and only rows for themselves.
GRANT SELECT, INSERT, UPDATE, DELETE ON ce_calendar_busy_occurrences TO ce_app;
--> statement-breakpoint
ALTER TABLE ce_calendar_busy_occurrences ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE ce_calendar_busy_occurrences FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY busy_read ON ce_calendar_busy_occurrences FOR SELECT TO ce_app
  USING (organization_id = auth.org_id()
    AND (ce_user_owns_calendar_connection(connection_id) OR auth.has_permission('ce.calendar.view-all')));
--> statement-breakpoint
CREATE POLICY busy_owner_insert ON ce_calendar_busy_occurrences FOR INSERT TO ce_app
  WITH CHECK (organization_id = auth.org_id() AND user_id = auth.uid()
    AND ce_user_owns_calendar_connection(connection_id));
--> statement-breakpoint
CREATE POLICY busy_owner_update ON ce_calendar_busy_occurrences FOR UPDATE TO ce_app
  USING (organization_id = auth.org_id() AND ce_user_owns_calendar_connection(connection_id))
  WITH CHECK (organization_id = auth.org_id() AND user_id = auth.uid()
    AND ce_user_owns_calendar_connection(connection_id));
--> statement-breakpoint
CREATE POLICY busy_owner_delete ON ce_calendar_busy_occurrences FOR DELETE TO ce_app
  USING (organization_id = auth.org_id() AND ce_user_owns_calendar_connection(connection_id));
--> statement-breakpoint
-- Colleagues' free/busy (issue 14, SPEC §2 `ce.calendar.schedule`): busy blocks only. The function
-- returns user, interval and kind of busy for users of the caller's organization; it cannot return a
-- title, attendee or location because it never selects them. Callers need `ce.calendar.schedule` or
-- `view-all` for others; everyone gets their own. All-day rows come back as dates (end exclusive),
-- filtered with a day of slack on each side so any owner zone is covered; the caller resolves them
-- with the owner's zone and clips.
CREATE OR REPLACE FUNCTION public.ce_busy_blocks(user_ids uuid[], time_min timestamptz, time_max timestamptz)
  RETURNS TABLE (user_id uuid, start_at timestamptz, end_at timestamptz, start_date date, end_date date,
    busy_kind text)
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, public, pg_temp
  AS $$
    SELECT b.user_id, b.start_at, b.end_at, NULL::date, NULL::date, b.busy_kind
      FROM public.ce_calendar_busy_occurrences b
     WHERE b.organization_id = auth.org_id()
       AND b.user_id = ANY (user_ids)
       AND (b.user_id = auth.uid() OR auth.has_permission('ce.calendar.schedule')
         OR auth.has_permission('ce.calendar.view-all'))
       AND b.start_at IS NOT NULL
       AND b.start_at < time_max AND b.end_at > time_min
    UNION ALL
    SELECT b.user_id, NULL::timestamptz, NULL::timestamptz, b.start_date, b.end_date, b.busy_kind
      FROM public.ce_calendar_busy_occurrences b
     WHERE b.organization_id = auth.org_id()
       AND b.user_id = ANY (user_ids)
       AND (b.user_id = auth.uid() OR auth.has_permission('ce.calendar.schedule')
         OR auth.has_permission('ce.calendar.view-all'))
       AND b.start_date IS NOT NULL
       AND b.start_date <= (time_max AT TIME ZONE 'UTC')::date + 1
       AND b.end_date >= (time_min AT TIME ZONE 'UTC')::date
  $$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.ce_busy_blocks(uuid[], timestamptz, timestamptz) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION public.ce_busy_blocks(uuid[], timestamptz, timestamptz) TO ce_app;
