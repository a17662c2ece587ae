CREATE TABLE `message_reads` (
	`agent` text NOT NULL,
	`message_id` integer NOT NULL,
	`read_at` integer NOT NULL,
	PRIMARY KEY(`agent`, `message_id`),
	FOREIGN KEY (`message_id`) REFERENCES `messages`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `messages` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`channel` text NOT NULL,
	`sender` text NOT NULL,
	`recipient` text,
	`body` text NOT NULL,
	`created_at` integer NOT NULL,
	`read_at` integer,
	CONSTRAINT "messages_kind_valid" CHECK("messages"."kind" IN ('direct', 'broadcast', 'note')),
	CONSTRAINT "messages_recipient_valid" CHECK(("messages"."kind" = 'direct') = ("messages"."recipient" IS NOT NULL))
);
--> statement-breakpoint
CREATE INDEX `messages_inbox_idx` ON `messages` (`recipient`,`read_at`,`id`) WHERE "messages"."recipient" IS NOT NULL;--> statement-breakpoint
CREATE INDEX `messages_channel_idx` ON `messages` (`channel`,`created_at`);--> statement-breakpoint
CREATE INDEX `messages_broadcast_idx` ON `messages` (`id`) WHERE "messages"."kind" = 'broadcast';