CREATE TABLE "ce_meeting_idempotency_keys" (
	"organization_id" uuid NOT NULL,
	"idempotency_key" text NOT NULL,
	"user_id" uuid NOT NULL,
	"request_hash" text NOT NULL,
	"activity_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ce_meeting_idempotency_keys_organization_id_idempotency_key_pk" PRIMARY KEY("organization_id","idempotency_key")
);
--> statement-breakpoint
ALTER TABLE "ce_activities" ADD COLUMN "connection_id" uuid;--> statement-breakpoint
ALTER TABLE "ce_activities" ADD COLUMN "status" text DEFAULT 'scheduled' NOT NULL;--> statement-breakpoint
ALTER TABLE "ce_activities" ADD COLUMN "time_zone" text;--> statement-breakpoint
ALTER TABLE "ce_activities" ADD COLUMN "description" text;--> statement-breakpoint
ALTER TABLE "ce_activities" ADD COLUMN "location" text;--> statement-breakpoint
ALTER TABLE "ce_activities" ADD COLUMN "attendees" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "ce_activities" ADD COLUMN "conference" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "ce_activities" ADD COLUMN "conference_url" text;--> statement-breakpoint
ALTER TABLE "ce_activities" ADD COLUMN "version" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "ce_activities" ADD COLUMN "cancelled_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "ce_calendar_events" ADD COLUMN "outbox_operation" text;--> statement-breakpoint
ALTER TABLE "ce_calendar_events" ADD COLUMN "outbox_attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "ce_meeting_idempotency_keys" ADD CONSTRAINT "ce_meeting_idempotency_keys_activity_id_ce_activities_id_fk" FOREIGN KEY ("activity_id") REFERENCES "public"."ce_activities"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ce_activities" ADD CONSTRAINT "ce_activities_connection_id_ce_calendar_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."ce_calendar_connections"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ce_activities" ADD CONSTRAINT "ce_activities_status" CHECK ("ce_activities"."status" in ('scheduled', 'cancelled'));--> statement-breakpoint
ALTER TABLE "ce_calendar_events" ADD CONSTRAINT "ce_calendar_events_outbox_operation" CHECK ("ce_calendar_events"."outbox_operation" in ('create', 'update', 'delete'));--> statement-breakpoint
-- Meetings (issue 15): idempotency keys belong to the user who sent them, within their organization.
-- Another user's key in the same organization stays invisible; reusing it conflicts on the primary
-- key, which the service answers with 409 like any other body mismatch.
GRANT SELECT, INSERT, UPDATE, DELETE ON ce_meeting_idempotency_keys TO ce_app;
--> statement-breakpoint
ALTER TABLE ce_meeting_idempotency_keys ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE ce_meeting_idempotency_keys FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY meeting_keys_own ON ce_meeting_idempotency_keys FOR ALL TO ce_app
  USING (organization_id = auth.org_id() AND user_id = auth.uid())
  WITH CHECK (organization_id = auth.org_id() AND user_id = auth.uid());
--> statement-breakpoint
-- The connection object finds a connection's meetings and owed provider writes quickly.
CREATE INDEX ce_activities_connection_idx ON ce_activities (connection_id) WHERE connection_id IS NOT NULL;
--> statement-breakpoint
CREATE INDEX ce_calendar_events_outbox_idx ON ce_calendar_events (connection_id) WHERE outbox_operation IS NOT NULL;
