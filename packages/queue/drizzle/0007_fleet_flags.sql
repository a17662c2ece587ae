CREATE TABLE `fleet_flags` (
	`name` text PRIMARY KEY NOT NULL,
	`set_by` text NOT NULL,
	`set_at` integer NOT NULL
);
