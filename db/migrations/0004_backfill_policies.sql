-- Custom SQL migration file, put your code below! ---- The vault backfill (PF-101 WS4) moves legacy tokens of every user's connections in an organization.
-- It runs with server-made claims {"job":"vault_backfill"}; the auth middleware never copies a `job`
-- claim from a user's JWT, so no request can obtain these rights.
CREATE OR REPLACE FUNCTION auth.job() RETURNS text
  LANGUAGE sql STABLE
  AS $$ SELECT auth.claims() ->> 'job' $$;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION auth.job() TO ce_app;
--> statement-breakpoint
CREATE POLICY connections_backfill_read ON ce_calendar_connections FOR SELECT TO ce_app
  USING (organization_id = auth.org_id() AND auth.job() = 'vault_backfill');
--> statement-breakpoint
CREATE POLICY connections_backfill_update ON ce_calendar_connections FOR UPDATE TO ce_app
  USING (organization_id = auth.org_id() AND auth.job() = 'vault_backfill')
  WITH CHECK (organization_id = auth.org_id() AND auth.job() = 'vault_backfill');
--> statement-breakpoint
CREATE OR REPLACE FUNCTION public.ce_backfill_pending_organizations() RETURNS SETOF uuid
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, public, pg_temp
  AS $$ SELECT DISTINCT organization_id FROM public.ce_calendar_connections WHERE migration_required ORDER BY 1 $$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.ce_backfill_pending_organizations() FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION public.ce_backfill_pending_organizations() TO ce_app;
