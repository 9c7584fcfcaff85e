-- Databases migrated before issue 12 got a login role with a fixed password (`ce_worker` /
-- `ce_worker_local`) from the old migrator. Migrations create no login roles now; this one retires
-- that role where it exists: no login, no password (it keeps no privileges of its own beyond ce_app
-- membership, which is revoked too). Roles are cluster-wide, so this is safe to run on every database
-- of the cluster. A migration role without CREATEROLE cannot alter roles: then a warning names the
-- manual step (ALTER ROLE ce_worker NOLOGIN PASSWORD NULL) instead of failing the migration.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'ce_worker') THEN
    BEGIN
      ALTER ROLE ce_worker NOLOGIN PASSWORD NULL;
      REVOKE ce_app FROM ce_worker;
    EXCEPTION WHEN insufficient_privilege THEN
      RAISE WARNING 'ce_worker still has LOGIN and a fixed password: run ALTER ROLE ce_worker NOLOGIN PASSWORD NULL as a role administrator';
    END;
  END IF;
END
$$;
