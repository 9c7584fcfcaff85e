-- Expired OAuth states are removed by the Cron Trigger (issue 12 item 6). States belong to one user
-- (RLS), so the cron, which acts for no user, calls this SECURITY DEFINER function: it deletes only
-- states past their expiry by more than the grace period (a late callback within it still gets the
-- precise "state_expired" answer) and returns how many it removed.
CREATE OR REPLACE FUNCTION public.ce_purge_expired_oauth_states(grace interval DEFAULT interval '1 hour')
  RETURNS integer
  LANGUAGE sql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, public, pg_temp
  AS $$
    WITH removed AS (
      DELETE FROM public.ce_calendar_oauth_states
       WHERE expires_at < now() - greatest(grace, interval '0')
      RETURNING 1
    )
    SELECT count(*)::integer FROM removed
  $$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.ce_purge_expired_oauth_states(interval) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION public.ce_purge_expired_oauth_states(interval) TO ce_app;
