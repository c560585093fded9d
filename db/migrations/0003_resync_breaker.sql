-- G4: a group unbound while its connector managed groups in an active target cannot be bound again.
ALTER TABLE "connector_groups" ADD COLUMN "unbound_while_managed" boolean DEFAULT false NOT NULL;--> statement-breakpoint
UPDATE "connector_groups" cg SET "unbound_while_managed" = true FROM "connectors" c WHERE c."id" = cg."connector_id" AND cg."unbound_at" IS NOT NULL AND c."group_management";--> statement-breakpoint
-- S4: the circuit breaker's settings, window, holds.
ALTER TABLE "connectors" ADD COLUMN "breaker_enabled" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "connectors" ADD COLUMN "breaker_percent" integer DEFAULT 10 NOT NULL;--> statement-breakpoint
ALTER TABLE "connectors" ADD COLUMN "breaker_min_users" integer DEFAULT 25 NOT NULL;--> statement-breakpoint
ALTER TABLE "connectors" ADD COLUMN "breaker_window_minutes" integer DEFAULT 60 NOT NULL;--> statement-breakpoint
ALTER TABLE "connectors" ADD COLUMN "notify_email" text;--> statement-breakpoint
CREATE TABLE "deactivation_claims" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"connector_id" text NOT NULL,
	"user_id" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "holds" (
	"id" text PRIMARY KEY NOT NULL,
	"connector_id" text NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"reason" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"notified_at" timestamp with time zone,
	"decided_at" timestamp with time zone,
	"decided_by" text,
	"decision_reason" text
);
--> statement-breakpoint
CREATE TABLE "held_deactivations" (
	"connector_id" text NOT NULL,
	"user_id" text NOT NULL,
	"hold_id" text NOT NULL,
	"reason" text NOT NULL,
	"held_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "held_deactivations_connector_id_user_id_pk" PRIMARY KEY("connector_id","user_id")
);
--> statement-breakpoint
-- S1-S3: resync runs, plans and their reports; the target's users as a run read them.
CREATE TABLE "resync_runs" (
	"id" text PRIMARY KEY NOT NULL,
	"connector_id" text NOT NULL,
	"mode" text NOT NULL,
	"status" text DEFAULT 'running' NOT NULL,
	"plan_id" text,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"counts" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"fingerprint" text,
	"error" text,
	"workflow_id" text
);
--> statement-breakpoint
CREATE TABLE "resync_items" (
	"run_id" text NOT NULL,
	"seq" integer NOT NULL,
	"object_type" text NOT NULL,
	"object_id" text NOT NULL,
	"step" jsonb,
	"op" text NOT NULL,
	"method" text,
	"path" text,
	"attributes" jsonb,
	"outcome" text NOT NULL,
	"code" text,
	"message" text,
	CONSTRAINT "resync_items_run_id_seq_pk" PRIMARY KEY("run_id","seq")
);
--> statement-breakpoint
CREATE TABLE "target_snapshot" (
	"run_id" text NOT NULL,
	"remote_id" text NOT NULL,
	"user_name_lc" text NOT NULL,
	"email_lc" text,
	"active" boolean NOT NULL,
	"resource" jsonb NOT NULL,
	CONSTRAINT "target_snapshot_run_id_remote_id_pk" PRIMARY KEY("run_id","remote_id")
);
--> statement-breakpoint
ALTER TABLE "deactivation_claims" ADD CONSTRAINT "deactivation_claims_connector_id_connectors_id_fk" FOREIGN KEY ("connector_id") REFERENCES "public"."connectors"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "holds" ADD CONSTRAINT "holds_connector_id_connectors_id_fk" FOREIGN KEY ("connector_id") REFERENCES "public"."connectors"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "held_deactivations" ADD CONSTRAINT "held_deactivations_connector_id_connectors_id_fk" FOREIGN KEY ("connector_id") REFERENCES "public"."connectors"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "held_deactivations" ADD CONSTRAINT "held_deactivations_hold_id_holds_id_fk" FOREIGN KEY ("hold_id") REFERENCES "public"."holds"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "resync_runs" ADD CONSTRAINT "resync_runs_connector_id_connectors_id_fk" FOREIGN KEY ("connector_id") REFERENCES "public"."connectors"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "resync_items" ADD CONSTRAINT "resync_items_run_id_resync_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."resync_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "target_snapshot" ADD CONSTRAINT "target_snapshot_run_id_resync_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."resync_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "deactivation_claims_window_idx" ON "deactivation_claims" USING btree ("connector_id","at");--> statement-breakpoint
CREATE INDEX "held_deactivations_hold_idx" ON "held_deactivations" USING btree ("hold_id");--> statement-breakpoint
CREATE INDEX "resync_runs_connector_idx" ON "resync_runs" USING btree ("connector_id","started_at");--> statement-breakpoint
CREATE INDEX "target_snapshot_user_idx" ON "target_snapshot" USING btree ("run_id","user_name_lc");--> statement-breakpoint
CREATE INDEX "target_snapshot_email_idx" ON "target_snapshot" USING btree ("run_id","email_lc");
