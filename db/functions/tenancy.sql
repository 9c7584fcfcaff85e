-- Used by the event and busy-occurrence policies. SECURITY DEFINER so the check does not depend on
-- the caller seeing the connection row (view-all holders read events of connections they cannot
-- write); search_path is pinned so a caller cannot shadow the table.
CREATE OR REPLACE FUNCTION public.ce_user_owns_calendar_connection(connection_id uuid) RETURNS boolean
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, public, pg_temp
  AS $$
    SELECT EXISTS (
      SELECT 1 FROM public.ce_calendar_connections c
      WHERE c.id = connection_id
        AND c.user_id = auth.uid()
        AND c.organization_id = auth.org_id()
    )
  $$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.ce_user_owns_calendar_connection(uuid) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION public.ce_user_owns_calendar_connection(uuid) TO ce_app;
