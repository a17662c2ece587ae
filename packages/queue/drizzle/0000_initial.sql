CREATE TABLE `agents` (
	`name` text PRIMARY KEY NOT NULL,
	`role` text NOT NULL,
	`status` text DEFAULT 'STARTING' NOT NULL,
	`pid` integer,
	`host` text NOT NULL,
	`last_heartbeat` integer,
	`current_task_id` integer,
	`started_at` integer,
	`restarts` integer DEFAULT 0 NOT NULL,
	CONSTRAINT "agents_status_valid" CHECK("agents"."status" IN ('STARTING', 'IDLE', 'BUSY', 'OFFLINE', 'STOPPING'))
);
--> statement-breakpoint
CREATE TABLE `locks` (
	`name` text PRIMARY KEY NOT NULL,
	`owner` text NOT NULL,
	`acquired_at` integer NOT NULL,
	`expires_at` integer
);
--> statement-breakpoint
CREATE TABLE `tasks` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`skill` text NOT NULL,
	`payload_json` text NOT NULL,
	`priority` integer DEFAULT 5 NOT NULL,
	`status` text DEFAULT 'PENDING' NOT NULL,
	`assigned_to` text,
	`claimed_by` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`max_attempts` integer DEFAULT 3 NOT NULL,
	`timeout_ms` integer DEFAULT 600000 NOT NULL,
	`result_json` text,
	`error` text,
	`parent_id` integer,
	`idempotency_key` text,
	`created_at` integer NOT NULL,
	`claimed_at` integer,
	`heartbeat_at` integer,
	`finished_at` integer,
	FOREIGN KEY (`parent_id`) REFERENCES `tasks`(`id`) ON UPDATE no action ON DELETE set null,
	CONSTRAINT "tasks_priority_range" CHECK("tasks"."priority" BETWEEN 1 AND 10),
	CONSTRAINT "tasks_status_valid" CHECK("tasks"."status" IN ('PENDING', 'RUNNING', 'DONE', 'FAILED', 'CANCELLED', 'WAITING_HUMAN')),
	CONSTRAINT "tasks_attempts_valid" CHECK("tasks"."attempts" >= 0 AND "tasks"."max_attempts" >= 1)
);
--> statement-breakpoint
CREATE INDEX `tasks_pending_idx` ON `tasks` ("priority" DESC,`id`) WHERE status = 'PENDING' AND assigned_to IS NULL;--> statement-breakpoint
CREATE INDEX `tasks_pending_skill_idx` ON `tasks` (`skill`,"priority" DESC,`id`) WHERE status = 'PENDING' AND assigned_to IS NULL;--> statement-breakpoint
CREATE INDEX `tasks_assigned_idx` ON `tasks` (`assigned_to`,"priority" DESC,`id`) WHERE status = 'PENDING' AND assigned_to IS NOT NULL;--> statement-breakpoint
CREATE INDEX `tasks_running_idx` ON `tasks` (`claimed_by`,`heartbeat_at`) WHERE status = 'RUNNING';--> statement-breakpoint
CREATE UNIQUE INDEX `tasks_idempotency_key_unique` ON `tasks` (`idempotency_key`) WHERE idempotency_key IS NOT NULL;