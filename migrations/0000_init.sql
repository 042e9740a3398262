CREATE TABLE `entries` (
	`key` text PRIMARY KEY NOT NULL,
	`namespace` text NOT NULL,
	`model` text DEFAULT '' NOT NULL,
	`prompt` text DEFAULT '' NOT NULL,
	`body` blob,
	`location` text NOT NULL,
	`codec` text NOT NULL,
	`checksum` text NOT NULL,
	`size` integer NOT NULL,
	`stored_size` integer NOT NULL,
	`created_at` integer NOT NULL,
	`stored_at` integer NOT NULL,
	`expires_at` integer,
	`last_hit_at` integer,
	`hit_count` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE INDEX `entries_namespace_idx` ON `entries` (`namespace`);--> statement-breakpoint
CREATE INDEX `entries_expires_idx` ON `entries` (`expires_at`);--> statement-breakpoint
CREATE INDEX `entries_last_hit_idx` ON `entries` (`last_hit_at`);