-- Background jobs (cron, vault rotation) act for no user, while the tables are under forced RLS.
-- These SECURITY DEFINER functions tell a job which organizations have work (never any row content),
-- or delete what has expired in every organization at once; the job then works each organization
-- under that organization's own claims.

-- Vault key rotation (`npm run vault:rotate`): organizations with a credential sealed by an older key.
CREATE OR REPLACE FUNCTION public.ce_vault_rotation_organizations(current_version integer) RETURNS SETOF uuid
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, public, pg_temp
  AS $$ SELECT DISTINCT organization_id FROM public.pf_credentials WHERE key_version < current_version $$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.ce_vault_rotation_organizations(integer) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION public.ce_vault_rotation_organizations(integer) TO ce_app;
--> statement-breakpoint
-- Vault backfill (cron and the platform admin's "all"): organizations with legacy plaintext tokens.
CREATE OR REPLACE FUNCTION public.ce_backfill_pending_organizations() RETURNS SETOF uuid
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, public, pg_temp
  AS $$ SELECT DISTINCT organization_id FROM public.ce_calendar_connections WHERE migration_required ORDER BY 1 $$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.ce_backfill_pending_organizations() FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION public.ce_backfill_pending_organizations() TO ce_app;
--> statement-breakpoint
-- Cron: OAuth states more than `grace` past their expiry (a late callback within the grace still gets
-- the precise `state_expired` answer). Returns how many it removed.
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
--> statement-breakpoint
-- Cron: meeting Idempotency-Keys older than 24 h. The age is never below 24 h whatever the caller
-- passes (a key must answer a retry for a full day).
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
