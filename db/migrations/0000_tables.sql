CREATE TABLE "ce_activities" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"owner_user_id" uuid NOT NULL,
	"type" text DEFAULT 'meeting' NOT NULL,
	"subject" text NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ce_activities_type" CHECK ("ce_activities"."type" in ('meeting'))
);
--> statement-breakpoint
CREATE TABLE "ce_calendar_connections" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"provider" text NOT NULL,
	"account_email" text NOT NULL,
	"provider_calendar_id" text DEFAULT 'primary' NOT NULL,
	"sync_enabled" boolean DEFAULT true NOT NULL,
	"sync_status" text DEFAULT 'syncing' NOT NULL,
	"last_sync_at" timestamp with time zone,
	"last_error_code" text,
	"token_expires_at" timestamp with time zone,
	"sync_cursor" text,
	"gws_connection_id" uuid,
	"access_token_credential_id" uuid,
	"refresh_token_credential_id" uuid,
	"access_token_encrypted" text,
	"refresh_token_encrypted" text,
	"migration_required" boolean DEFAULT false NOT NULL,
	"migrated_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ce_calendar_connections_provider" CHECK ("ce_calendar_connections"."provider" in ('google', 'microsoft')),
	CONSTRAINT "ce_calendar_connections_sync_status" CHECK ("ce_calendar_connections"."sync_status" in ('syncing', 'paused', 'error', 'reconnect_required'))
);
--> statement-breakpoint
CREATE TABLE "ce_calendar_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"connection_id" uuid NOT NULL,
	"provider_event_id" text NOT NULL,
	"ical_uid" text,
	"title" text,
	"description" text,
	"location" text,
	"start_at" timestamp with time zone NOT NULL,
	"end_at" timestamp with time zone NOT NULL,
	"all_day" boolean DEFAULT false NOT NULL,
	"start_date" text,
	"end_date" text,
	"time_zone" text,
	"status" text DEFAULT 'confirmed' NOT NULL,
	"transparency" text DEFAULT 'opaque' NOT NULL,
	"attendees" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"organizer" jsonb,
	"recurrence" jsonb,
	"recurring_event_id" text,
	"original_start_at" timestamp with time zone,
	"sync_direction" text DEFAULT 'inbound' NOT NULL,
	"sync_status" text DEFAULT 'synced' NOT NULL,
	"activity_id" uuid,
	"provider_etag" text,
	"provider_updated_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ce_calendar_events_status" CHECK ("ce_calendar_events"."status" in ('confirmed', 'tentative', 'cancelled')),
	CONSTRAINT "ce_calendar_events_transparency" CHECK ("ce_calendar_events"."transparency" in ('opaque', 'transparent')),
	CONSTRAINT "ce_calendar_events_sync_direction" CHECK ("ce_calendar_events"."sync_direction" in ('inbound', 'outbound')),
	CONSTRAINT "ce_calendar_events_sync_status" CHECK ("ce_calendar_events"."sync_status" in ('synced', 'pending', 'error')),
	CONSTRAINT "ce_calendar_events_range" CHECK ("ce_calendar_events"."end_at" >= "ce_calendar_events"."start_at")
);
--> statement-breakpoint
CREATE TABLE "ce_calendar_oauth_states" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"provider" text NOT NULL,
	"state_hash" text NOT NULL,
	"code_verifier" text NOT NULL,
	"return_to" text,
	"gws_connection_id" uuid,
	"expires_at" timestamp with time zone NOT NULL,
	"consumed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ce_calendar_oauth_states_state_hash_unique" UNIQUE("state_hash"),
	CONSTRAINT "ce_calendar_oauth_states_provider" CHECK ("ce_calendar_oauth_states"."provider" in ('google', 'microsoft'))
);
--> statement-breakpoint
CREATE TABLE "ce_module_settings" (
	"organization_id" uuid PRIMARY KEY NOT NULL,
	"calendar_default_meeting_duration_minutes" integer DEFAULT 30 NOT NULL,
	"calendar_sync_poll_interval_minutes" integer DEFAULT 15 NOT NULL,
	"calendar_pre_meeting_notification_minutes" integer DEFAULT 15 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_by" uuid,
	CONSTRAINT "ce_module_settings_duration_range" CHECK ("ce_module_settings"."calendar_default_meeting_duration_minutes" between 15 and 480),
	CONSTRAINT "ce_module_settings_poll_range" CHECK ("ce_module_settings"."calendar_sync_poll_interval_minutes" between 5 and 60),
	CONSTRAINT "ce_module_settings_notification_range" CHECK ("ce_module_settings"."calendar_pre_meeting_notification_minutes" between 5 and 1440)
);
--> statement-breakpoint
CREATE TABLE "pf_credentials" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"ciphertext" text NOT NULL,
	"iv" text NOT NULL,
	"key_version" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "pf_credentials_kind" CHECK ("pf_credentials"."kind" in ('oauth_access_token', 'oauth_refresh_token', 'oauth_client_secret'))
);
--> statement-breakpoint
CREATE TABLE "pf_gws_connections" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"oauth_client_id" text NOT NULL,
	"oauth_client_secret_credential_id" uuid NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "pf_notifications" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"payload" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"dedupe_key" text,
	"scheduled_for" timestamp with time zone NOT NULL,
	"sent_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "ce_calendar_connections" ADD CONSTRAINT "ce_calendar_connections_gws_connection_id_pf_gws_connections_id_fk" FOREIGN KEY ("gws_connection_id") REFERENCES "public"."pf_gws_connections"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ce_calendar_connections" ADD CONSTRAINT "ce_calendar_connections_access_token_credential_id_pf_credentials_id_fk" FOREIGN KEY ("access_token_credential_id") REFERENCES "public"."pf_credentials"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ce_calendar_connections" ADD CONSTRAINT "ce_calendar_connections_refresh_token_credential_id_pf_credentials_id_fk" FOREIGN KEY ("refresh_token_credential_id") REFERENCES "public"."pf_credentials"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ce_calendar_events" ADD CONSTRAINT "ce_calendar_events_connection_id_ce_calendar_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."ce_calendar_connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ce_calendar_events" ADD CONSTRAINT "ce_calendar_events_activity_id_ce_activities_id_fk" FOREIGN KEY ("activity_id") REFERENCES "public"."ce_activities"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ce_calendar_oauth_states" ADD CONSTRAINT "ce_calendar_oauth_states_gws_connection_id_pf_gws_connections_id_fk" FOREIGN KEY ("gws_connection_id") REFERENCES "public"."pf_gws_connections"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pf_gws_connections" ADD CONSTRAINT "pf_gws_connections_oauth_client_secret_credential_id_pf_credentials_id_fk" FOREIGN KEY ("oauth_client_secret_credential_id") REFERENCES "public"."pf_credentials"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "ce_calendar_connections_account" ON "ce_calendar_connections" USING btree ("organization_id","user_id","provider","account_email");--> statement-breakpoint
CREATE INDEX "ce_calendar_connections_migration_idx" ON "ce_calendar_connections" USING btree ("organization_id") WHERE "ce_calendar_connections"."migration_required";--> statement-breakpoint
CREATE UNIQUE INDEX "ce_calendar_events_provider_event" ON "ce_calendar_events" USING btree ("connection_id","provider_event_id");--> statement-breakpoint
CREATE INDEX "ce_calendar_events_range_idx" ON "ce_calendar_events" USING btree ("organization_id","connection_id","start_at","end_at");--> statement-breakpoint
CREATE INDEX "pf_credentials_org_idx" ON "pf_credentials" USING btree ("organization_id");--> statement-breakpoint
CREATE UNIQUE INDEX "pf_gws_connections_one_active" ON "pf_gws_connections" USING btree ("organization_id") WHERE "pf_gws_connections"."active";--> statement-breakpoint
CREATE UNIQUE INDEX "pf_notifications_dedupe" ON "pf_notifications" USING btree ("organization_id","dedupe_key");--> statement-breakpoint
CREATE INDEX "pf_notifications_due_idx" ON "pf_notifications" USING btree ("scheduled_for") WHERE "pf_notifications"."sent_at" is null;