-- No-op inside the migrator's transaction: openDatabase turns foreign keys off around migrations, so
-- dropping the old table does not fire parent_id's ON DELETE SET NULL.
PRAGMA foreign_keys=OFF;
--> statement-breakpoint
CREATE TABLE `__new_tasks` (
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
	`idempotency_expires_at` integer,
	`idempotency_released_at` integer,
	`blocked_count` integer DEFAULT 0 NOT NULL,
	`on_dependency_failure` text DEFAULT 'fail' NOT NULL,
	`created_at` integer NOT NULL,
	`claimed_at` integer,
	`heartbeat_at` integer,
	`finished_at` integer,
	FOREIGN KEY (`parent_id`) REFERENCES `tasks`(`id`) ON UPDATE no action ON DELETE set null,
	CONSTRAINT "tasks_priority_range" CHECK("__new_tasks"."priority" BETWEEN 1 AND 10),
	CONSTRAINT "tasks_status_valid" CHECK("__new_tasks"."status" = 'PENDING' OR "__new_tasks"."status" = 'RUNNING' OR "__new_tasks"."status" = 'DONE' OR "__new_tasks"."status" = 'FAILED' OR "__new_tasks"."status" = 'CANCELLED' OR "__new_tasks"."status" = 'WAITING_HUMAN' OR "__new_tasks"."status" = 'BLOCKED' OR "__new_tasks"."status" = 'SKIPPED'),
	CONSTRAINT "tasks_on_dependency_failure_valid" CHECK("__new_tasks"."on_dependency_failure" IN ('fail', 'skip')),
	CONSTRAINT "tasks_blocked_count_valid" CHECK("__new_tasks"."blocked_count" >= 0),
	CONSTRAINT "tasks_attempts_valid" CHECK("__new_tasks"."attempts" >= 0 AND "__new_tasks"."max_attempts" >= 1)
);
--> statement-breakpoint
-- Hand-fixed after drizzle-kit 0.31.5: it listed the new columns in the SELECT too, and wrote the
-- DESC index keys as quoted column names. New columns take their defaults.
INSERT INTO `__new_tasks`("id", "skill", "payload_json", "priority", "status", "assigned_to", "claimed_by", "attempts", "max_attempts", "timeout_ms", "result_json", "error", "parent_id", "idempotency_key", "created_at", "claimed_at", "heartbeat_at", "finished_at") SELECT "id", "skill", "payload_json", "priority", "status", "assigned_to", "claimed_by", "attempts", "max_attempts", "timeout_ms", "result_json", "error", "parent_id", "idempotency_key", "created_at", "claimed_at", "heartbeat_at", "finished_at" FROM `tasks`;
--> statement-breakpoint
-- Keep the AUTOINCREMENT high-water mark, so ids of deleted tasks are never handed out again.
DELETE FROM sqlite_sequence WHERE name = '__new_tasks';
--> statement-breakpoint
INSERT INTO sqlite_sequence (name, seq) SELECT '__new_tasks', seq FROM sqlite_sequence WHERE name = 'tasks';
--> statement-breakpoint
DROP TABLE `tasks`;
--> statement-breakpoint
ALTER TABLE `__new_tasks` RENAME TO `tasks`;
--> statement-breakpoint
PRAGMA foreign_keys=ON;
--> statement-breakpoint
CREATE INDEX `tasks_pending_idx` ON `tasks` ("priority" DESC,`id`) WHERE status = 'PENDING' AND assigned_to IS NULL;
--> statement-breakpoint
CREATE INDEX `tasks_pending_skill_idx` ON `tasks` (`skill`,"priority" DESC,`id`) WHERE status = 'PENDING' AND assigned_to IS NULL;
--> statement-breakpoint
CREATE INDEX `tasks_assigned_idx` ON `tasks` (`assigned_to`,"priority" DESC,`id`) WHERE status = 'PENDING' AND assigned_to IS NOT NULL;
--> statement-breakpoint
CREATE INDEX `tasks_running_idx` ON `tasks` (`claimed_by`,`heartbeat_at`) WHERE status = 'RUNNING';
--> statement-breakpoint
CREATE UNIQUE INDEX `tasks_idempotency_key_unique` ON `tasks` (`idempotency_key`) WHERE idempotency_key IS NOT NULL AND idempotency_released_at IS NULL;
--> statement-breakpoint
CREATE INDEX `tasks_parent_idx` ON `tasks` (`parent_id`) WHERE parent_id IS NOT NULL;
--> statement-breakpoint
CREATE TABLE `task_dependencies` (
	`task_id` integer NOT NULL,
	`depends_on_id` integer NOT NULL,
	PRIMARY KEY(`task_id`, `depends_on_id`),
	FOREIGN KEY (`task_id`) REFERENCES `tasks`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`depends_on_id`) REFERENCES `tasks`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `task_dependencies_depends_on_idx` ON `task_dependencies` (`depends_on_id`,`task_id`);
