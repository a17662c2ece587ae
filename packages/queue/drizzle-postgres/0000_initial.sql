CREATE TABLE "agents" (
	"name" text PRIMARY KEY NOT NULL,
	"role" text NOT NULL,
	"status" text DEFAULT 'STARTING' NOT NULL,
	"pid" integer,
	"host" text NOT NULL,
	"last_heartbeat" bigint,
	"current_task_id" bigint,
	"started_at" bigint,
	"restarts" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "agents_status_valid" CHECK ("agents"."status" IN ('STARTING', 'IDLE', 'BUSY', 'OFFLINE', 'STOPPING'))
);
--> statement-breakpoint
CREATE TABLE "alerts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"severity" text NOT NULL,
	"message" text NOT NULL,
	"source" text NOT NULL,
	"created_at" bigint NOT NULL,
	"acknowledged_at" bigint,
	CONSTRAINT "alerts_severity_valid" CHECK ("alerts"."severity" IN ('info', 'warning', 'critical'))
);
--> statement-breakpoint
CREATE TABLE "fleet_flags" (
	"name" text PRIMARY KEY NOT NULL,
	"set_by" text NOT NULL,
	"set_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "locks" (
	"name" text PRIMARY KEY NOT NULL,
	"owner" text NOT NULL,
	"acquired_at" bigint NOT NULL,
	"expires_at" bigint
);
--> statement-breakpoint
CREATE TABLE "message_reads" (
	"agent" text NOT NULL,
	"message_id" bigint NOT NULL,
	"read_at" bigint NOT NULL,
	CONSTRAINT "message_reads_agent_message_id_pk" PRIMARY KEY("agent","message_id")
);
--> statement-breakpoint
CREATE TABLE "messages" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"channel" text NOT NULL,
	"sender" text NOT NULL,
	"recipient" text,
	"body" text NOT NULL,
	"created_at" bigint NOT NULL,
	"read_at" bigint,
	CONSTRAINT "messages_kind_valid" CHECK ("messages"."kind" IN ('direct', 'broadcast', 'note')),
	CONSTRAINT "messages_recipient_valid" CHECK (("messages"."kind" = 'direct') = ("messages"."recipient" IS NOT NULL))
);
--> statement-breakpoint
CREATE TABLE "task_dependencies" (
	"task_id" bigint NOT NULL,
	"depends_on_id" bigint NOT NULL,
	CONSTRAINT "task_dependencies_task_id_depends_on_id_pk" PRIMARY KEY("task_id","depends_on_id")
);
--> statement-breakpoint
CREATE TABLE "tasks" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"skill" text NOT NULL,
	"payload_json" text NOT NULL,
	"priority" integer DEFAULT 5 NOT NULL,
	"status" text DEFAULT 'PENDING' NOT NULL,
	"assigned_to" text,
	"claimed_by" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"max_attempts" integer DEFAULT 3 NOT NULL,
	"timeout_ms" bigint DEFAULT 600000 NOT NULL,
	"result_json" text,
	"error" text,
	"parent_id" bigint,
	"idempotency_key" text,
	"idempotency_expires_at" bigint,
	"idempotency_released_at" bigint,
	"blocked_count" integer DEFAULT 0 NOT NULL,
	"on_dependency_failure" text DEFAULT 'fail' NOT NULL,
	"created_at" bigint NOT NULL,
	"claimed_at" bigint,
	"heartbeat_at" bigint,
	"finished_at" bigint,
	CONSTRAINT "tasks_priority_range" CHECK ("tasks"."priority" BETWEEN 1 AND 10),
	CONSTRAINT "tasks_status_valid" CHECK (status IN ('PENDING', 'RUNNING', 'DONE', 'FAILED', 'CANCELLED', 'WAITING_HUMAN', 'BLOCKED', 'SKIPPED')),
	CONSTRAINT "tasks_on_dependency_failure_valid" CHECK ("tasks"."on_dependency_failure" IN ('fail', 'skip')),
	CONSTRAINT "tasks_blocked_count_valid" CHECK ("tasks"."blocked_count" >= 0),
	CONSTRAINT "tasks_attempts_valid" CHECK ("tasks"."attempts" >= 0 AND "tasks"."max_attempts" >= 1)
);
--> statement-breakpoint
ALTER TABLE "message_reads" ADD CONSTRAINT "message_reads_message_id_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."messages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_dependencies" ADD CONSTRAINT "task_dependencies_task_id_tasks_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."tasks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_dependencies" ADD CONSTRAINT "task_dependencies_depends_on_id_tasks_id_fk" FOREIGN KEY ("depends_on_id") REFERENCES "public"."tasks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_parent_id_tasks_id_fk" FOREIGN KEY ("parent_id") REFERENCES "public"."tasks"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "alerts_active_idx" ON "alerts" USING btree ("created_at") WHERE "alerts"."acknowledged_at" IS NULL;--> statement-breakpoint
CREATE INDEX "messages_inbox_idx" ON "messages" USING btree ("recipient","read_at","id") WHERE "messages"."recipient" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "messages_channel_idx" ON "messages" USING btree ("channel","created_at");--> statement-breakpoint
CREATE INDEX "messages_broadcast_idx" ON "messages" USING btree ("id") WHERE "messages"."kind" = 'broadcast';--> statement-breakpoint
CREATE INDEX "task_dependencies_depends_on_idx" ON "task_dependencies" USING btree ("depends_on_id","task_id");--> statement-breakpoint
CREATE INDEX "tasks_pending_idx" ON "tasks" USING btree ("priority" DESC NULLS LAST,"id") WHERE status = 'PENDING' AND assigned_to IS NULL;--> statement-breakpoint
CREATE INDEX "tasks_pending_skill_idx" ON "tasks" USING btree ("skill","priority" DESC NULLS LAST,"id") WHERE status = 'PENDING' AND assigned_to IS NULL;--> statement-breakpoint
CREATE INDEX "tasks_assigned_idx" ON "tasks" USING btree ("assigned_to","priority" DESC NULLS LAST,"id") WHERE status = 'PENDING' AND assigned_to IS NOT NULL;--> statement-breakpoint
CREATE INDEX "tasks_running_idx" ON "tasks" USING btree ("claimed_by","heartbeat_at") WHERE status = 'RUNNING';--> statement-breakpoint
CREATE UNIQUE INDEX "tasks_idempotency_key_unique" ON "tasks" USING btree ("idempotency_key") WHERE idempotency_key IS NOT NULL AND idempotency_released_at IS NULL;--> statement-breakpoint
CREATE INDEX "tasks_parent_idx" ON "tasks" USING btree ("parent_id") WHERE parent_id IS NOT NULL;