-- Custom SQL migration file, put your code below! --
-- Tenant isolation (SPEC §2). The worker logs in as a role that owns nothing and has no BYPASSRLS,
-- and every transaction starts with SET LOCAL ROLE ce_app plus the request's JWT claims.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ce_app') THEN
    CREATE ROLE ce_app NOLOGIN NOBYPASSRLS NOINHERIT;
  END IF;
END $$;
--> statement-breakpoint
CREATE SCHEMA IF NOT EXISTS auth;
--> statement-breakpoint
-- Claims as set by set_config('request.jwt.claims', ..., true). A pooled session returns '' (not NULL)
-- after a rolled-back set_config, hence nullif.
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
-- Used by event policies. SECURITY DEFINER so the check does not depend on the caller seeing the
-- connection row; search_path is pinned so a caller cannot shadow the table.
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
GRANT USAGE ON SCHEMA public, auth TO ce_app;
--> statement-breakpoint
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA auth TO ce_app;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION public.ce_user_owns_calendar_connection(uuid) TO ce_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON
  ce_module_settings, pf_credentials, pf_gws_connections, ce_calendar_connections,
  ce_activities, ce_calendar_events, pf_notifications, ce_calendar_oauth_states
  TO ce_app;
--> statement-breakpoint
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['ce_module_settings', 'pf_credentials', 'pf_gws_connections',
    'ce_calendar_connections', 'ce_activities', 'ce_calendar_events', 'pf_notifications',
    'ce_calendar_oauth_states']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
  END LOOP;
END $$;
--> statement-breakpoint
-- Module settings: everyone in the organization reads; only admins write.
CREATE POLICY settings_read ON ce_module_settings FOR SELECT TO ce_app
  USING (organization_id = auth.org_id());
--> statement-breakpoint
CREATE POLICY settings_admin_insert ON ce_module_settings FOR INSERT TO ce_app
  WITH CHECK (organization_id = auth.org_id() AND auth.is_org_admin());
--> statement-breakpoint
CREATE POLICY settings_admin_update ON ce_module_settings FOR UPDATE TO ce_app
  USING (organization_id = auth.org_id() AND auth.is_org_admin())
  WITH CHECK (organization_id = auth.org_id() AND auth.is_org_admin());
--> statement-breakpoint
CREATE POLICY settings_admin_delete ON ce_module_settings FOR DELETE TO ce_app
  USING (organization_id = auth.org_id() AND auth.is_org_admin());
--> statement-breakpoint
-- Vault rows are organization-scoped; no route ever returns them.
CREATE POLICY credentials_org ON pf_credentials FOR ALL TO ce_app
  USING (organization_id = auth.org_id())
  WITH CHECK (organization_id = auth.org_id());
--> statement-breakpoint
-- The org's Google client is read by anyone connecting (OAuth start/callback); admins change it.
CREATE POLICY gws_read ON pf_gws_connections FOR SELECT TO ce_app
  USING (organization_id = auth.org_id());
--> statement-breakpoint
CREATE POLICY gws_admin_insert ON pf_gws_connections FOR INSERT TO ce_app
  WITH CHECK (organization_id = auth.org_id() AND auth.is_org_admin());
--> statement-breakpoint
CREATE POLICY gws_admin_update ON pf_gws_connections FOR UPDATE TO ce_app
  USING (organization_id = auth.org_id() AND auth.is_org_admin())
  WITH CHECK (organization_id = auth.org_id() AND auth.is_org_admin());
--> statement-breakpoint
CREATE POLICY gws_admin_delete ON pf_gws_connections FOR DELETE TO ce_app
  USING (organization_id = auth.org_id() AND auth.is_org_admin());
--> statement-breakpoint
-- Connections: read by owner or view-all within the org; owner-only writes.
CREATE POLICY connections_read ON ce_calendar_connections FOR SELECT TO ce_app
  USING (organization_id = auth.org_id()
    AND (user_id = auth.uid() OR auth.has_permission('ce.calendar.view-all')));
--> statement-breakpoint
CREATE POLICY connections_owner_insert ON ce_calendar_connections FOR INSERT TO ce_app
  WITH CHECK (organization_id = auth.org_id() AND user_id = auth.uid());
--> statement-breakpoint
CREATE POLICY connections_owner_update ON ce_calendar_connections FOR UPDATE TO ce_app
  USING (organization_id = auth.org_id() AND user_id = auth.uid())
  WITH CHECK (organization_id = auth.org_id() AND user_id = auth.uid());
--> statement-breakpoint
CREATE POLICY connections_owner_delete ON ce_calendar_connections FOR DELETE TO ce_app
  USING (organization_id = auth.org_id() AND user_id = auth.uid());
--> statement-breakpoint
-- Events: read by the owner of their connection or view-all within the org; owner-only writes.
CREATE POLICY events_read ON ce_calendar_events FOR SELECT TO ce_app
  USING (organization_id = auth.org_id()
    AND (ce_user_owns_calendar_connection(connection_id) OR auth.has_permission('ce.calendar.view-all')));
--> statement-breakpoint
CREATE POLICY events_owner_insert ON ce_calendar_events FOR INSERT TO ce_app
  WITH CHECK (organization_id = auth.org_id() AND ce_user_owns_calendar_connection(connection_id));
--> statement-breakpoint
CREATE POLICY events_owner_update ON ce_calendar_events FOR UPDATE TO ce_app
  USING (organization_id = auth.org_id() AND ce_user_owns_calendar_connection(connection_id))
  WITH CHECK (organization_id = auth.org_id() AND ce_user_owns_calendar_connection(connection_id));
--> statement-breakpoint
CREATE POLICY events_owner_delete ON ce_calendar_events FOR DELETE TO ce_app
  USING (organization_id = auth.org_id() AND ce_user_owns_calendar_connection(connection_id));
--> statement-breakpoint
-- Activities: the owner, or view-all within the org, reads; the owner writes.
CREATE POLICY activities_read ON ce_activities FOR SELECT TO ce_app
  USING (organization_id = auth.org_id()
    AND (owner_user_id = auth.uid() OR auth.has_permission('ce.calendar.view-all')));
--> statement-breakpoint
CREATE POLICY activities_owner_write ON ce_activities FOR ALL TO ce_app
  USING (organization_id = auth.org_id() AND owner_user_id = auth.uid())
  WITH CHECK (organization_id = auth.org_id() AND owner_user_id = auth.uid());
--> statement-breakpoint
-- Notifications and OAuth states belong to one user.
CREATE POLICY notifications_own ON pf_notifications FOR ALL TO ce_app
  USING (organization_id = auth.org_id() AND user_id = auth.uid())
  WITH CHECK (organization_id = auth.org_id() AND user_id = auth.uid());
--> statement-breakpoint
CREATE POLICY oauth_states_own ON ce_calendar_oauth_states FOR ALL TO ce_app
  USING (organization_id = auth.org_id() AND user_id = auth.uid())
  WITH CHECK (organization_id = auth.org_id() AND user_id = auth.uid());
