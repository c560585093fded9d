CREATE TABLE "connector_groups" (
	"connector_id" text NOT NULL,
	"group_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"unbound_at" timestamp with time zone,
	"override_reason" text,
	CONSTRAINT "connector_groups_connector_id_group_id_pk" PRIMARY KEY("connector_id","group_id")
);
--> statement-breakpoint
CREATE TABLE "connectors" (
	"id" text PRIMARY KEY NOT NULL,
	"label" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"show_in_user_portal" boolean DEFAULT true NOT NULL,
	"team_name" text NOT NULL,
	"team_domain" text NOT NULL,
	"sso_idp_url" text NOT NULL,
	"plan" text DEFAULT 'business_plus' NOT NULL,
	"scim_base_url" text,
	"scim_token_encrypted" text,
	"idm_status" text DEFAULT 'inactive' NOT NULL,
	"group_management" boolean DEFAULT true NOT NULL,
	"users_choose_display_name" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "directory_users" (
	"id" text PRIMARY KEY NOT NULL,
	"username" text NOT NULL,
	"email" text NOT NULL,
	"firstname" text DEFAULT '' NOT NULL,
	"middlename" text DEFAULT '' NOT NULL,
	"lastname" text DEFAULT '' NOT NULL,
	"displayname" text DEFAULT '' NOT NULL,
	"suspended" boolean DEFAULT false NOT NULL,
	"password_expired" boolean DEFAULT false NOT NULL,
	"job_title" text DEFAULT '' NOT NULL,
	"location" text DEFAULT '' NOT NULL,
	"addresses" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"phone_numbers" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"employee_identifier" text DEFAULT '' NOT NULL,
	"department" text DEFAULT '' NOT NULL,
	"company" text DEFAULT '' NOT NULL,
	"guest" boolean DEFAULT false NOT NULL,
	"deleted_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "group_members" (
	"group_id" text NOT NULL,
	"user_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "group_members_group_id_user_id_pk" PRIMARY KEY("group_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "insights_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"type" text NOT NULL,
	"connector_id" text,
	"object_type" text NOT NULL,
	"object_id" text NOT NULL,
	"outcome" text NOT NULL,
	"error_code" text,
	"message" text NOT NULL,
	"workflow_id" text,
	"run_id" text,
	"attempt" integer
);
--> statement-breakpoint
CREATE TABLE "rate_buckets" (
	"key" text PRIMARY KEY NOT NULL,
	"tokens" double precision NOT NULL,
	"refreshed_at" timestamp (6) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sync_intents" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"connector_id" text NOT NULL,
	"object_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"available_at" timestamp with time zone DEFAULT now() NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text
);
--> statement-breakpoint
CREATE TABLE "user_groups" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"deleted_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "user_links" (
	"connector_id" text NOT NULL,
	"user_id" text NOT NULL,
	"slack_id" text,
	"state" text DEFAULT 'pending' NOT NULL,
	"last_error_code" text,
	"last_error" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "user_links_connector_id_user_id_pk" PRIMARY KEY("connector_id","user_id")
);
--> statement-breakpoint
ALTER TABLE "connector_groups" ADD CONSTRAINT "connector_groups_connector_id_connectors_id_fk" FOREIGN KEY ("connector_id") REFERENCES "public"."connectors"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "connector_groups" ADD CONSTRAINT "connector_groups_group_id_user_groups_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."user_groups"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "group_members" ADD CONSTRAINT "group_members_group_id_user_groups_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."user_groups"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "group_members" ADD CONSTRAINT "group_members_user_id_directory_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."directory_users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_links" ADD CONSTRAINT "user_links_connector_id_connectors_id_fk" FOREIGN KEY ("connector_id") REFERENCES "public"."connectors"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_links" ADD CONSTRAINT "user_links_user_id_directory_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."directory_users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "connector_groups_group_idx" ON "connector_groups" USING btree ("group_id");--> statement-breakpoint
CREATE UNIQUE INDEX "directory_users_username_uq" ON "directory_users" USING btree (lower("username"));--> statement-breakpoint
CREATE INDEX "directory_users_email_idx" ON "directory_users" USING btree (lower("email"));--> statement-breakpoint
CREATE INDEX "group_members_user_idx" ON "group_members" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "insights_events_at_idx" ON "insights_events" USING btree ("at");--> statement-breakpoint
CREATE INDEX "insights_events_object_idx" ON "insights_events" USING btree ("object_type","object_id");--> statement-breakpoint
CREATE INDEX "sync_intents_available_idx" ON "sync_intents" USING btree ("available_at");--> statement-breakpoint
CREATE UNIQUE INDEX "user_links_slack_uq" ON "user_links" USING btree ("connector_id","slack_id");--> statement-breakpoint
CREATE INDEX "user_links_state_idx" ON "user_links" USING btree ("connector_id","state");