-- The request's identity, as every policy and SECURITY DEFINER function reads it. Each transaction
-- starts with set_config('role','ce_app',true) and set_config('request.jwt.claims', <claims>, true)
-- (db/tenant.ts), so these read only what the server put there.

-- A pooled session returns '' (not NULL) after a rolled-back set_config, hence nullif.
CREATE OR REPLACE FUNCTION auth.claims() RETURNS jsonb
  LANGUAGE sql STABLE
  AS $$ SELECT coalesce(nullif(current_setting('request.jwt.claims', true), '')::jsonb, '{}'::jsonb) $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION auth.uid() RETURNS uuid
  LANGUAGE sql STABLE
  AS $$ SELECT nullif(auth.claims() ->> 'sub', '')::uuid $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION auth.org_id() RETURNS uuid
  LANGUAGE sql STABLE
  AS $$ SELECT nullif(auth.claims() ->> 'org_id', '')::uuid $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION auth.has_permission(permission text) RETURNS boolean
  LANGUAGE sql STABLE
  AS $$ SELECT coalesce(auth.claims() -> 'permissions' ? permission, false) $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION auth.has_role(role_name text) RETURNS boolean
  LANGUAGE sql STABLE
  AS $$ SELECT coalesce(auth.claims() -> 'roles' ? role_name, false) $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION auth.is_org_admin() RETURNS boolean
  LANGUAGE sql STABLE
  AS $$ SELECT auth.has_role('org_admin') OR auth.has_role('platform_admin') $$;
--> statement-breakpoint
-- Background jobs run with server-made claims {"job": "<name>"} (the vault backfill: policies
-- connections_backfill_*). The auth middleware builds database claims from a fixed set of JWT fields
-- and never copies `job`, so no request can obtain these rights.
CREATE OR REPLACE FUNCTION auth.job() RETURNS text
  LANGUAGE sql STABLE
  AS $$ SELECT auth.claims() ->> 'job' $$;
--> statement-breakpoint
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA auth TO ce_app;
