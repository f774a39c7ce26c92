import type { Migration } from "../../sinks/migrations.ts"

/**
 * What the person did with each queue item, and when they last looked. `content_hash` is the
 * version of the posting they acted on: a changed posting comes back even when dismissed.
 */
export const queueMigration: Migration = {
  id: "0070_queue_status",
  sql: `
create table queue_status (
  job_key varchar primary key,
  status varchar not null check (status in ('applied', 'dismiss', 'snooze', 'interested')),
  content_hash varchar not null,
  snooze_until date,
  updated_at timestamp not null
);
create table queue_looks (
  id integer primary key,
  last_looked timestamp not null
);
`
}
