-- Meeting Idempotency-Keys are kept 24 h (issue 15). The cron sweeps older ones for every organization
-- at once; the table is under RLS (own organization only), so the sweep is a SECURITY DEFINER function
-- like ce_purge_expired_oauth_states. The age is never below 24 h whatever the caller passes.
CREATE OR REPLACE FUNCTION public.ce_purge_expired_meeting_keys(max_age interval DEFAULT interval '24 hours')
  RETURNS integer
  LANGUAGE sql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, public, pg_temp
  AS $$
    WITH removed AS (
      DELETE FROM public.ce_meeting_idempotency_keys
       WHERE created_at < now() - greatest(max_age, interval '24 hours')
      RETURNING 1
    )
    SELECT count(*)::integer FROM removed
  $$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.ce_purge_expired_meeting_keys(interval) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION public.ce_purge_expired_meeting_keys(interval) TO ce_app;
