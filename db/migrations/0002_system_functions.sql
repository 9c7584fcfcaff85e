-- Custom SQL migration file, put your code below! ---- Background jobs run under RLS with one organization's claims at a time; these SECURITY DEFINER
-- functions only tell them which organizations have work, never any row content.
CREATE OR REPLACE FUNCTION public.ce_vault_rotation_organizations(current_version integer) RETURNS SETOF uuid
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, public, pg_temp
  AS $$ SELECT DISTINCT organization_id FROM public.pf_credentials WHERE key_version < current_version $$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.ce_vault_rotation_organizations(integer) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION public.ce_vault_rotation_organizations(integer) TO ce_app;
