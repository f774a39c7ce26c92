import { Effect } from "effect"
import type { Migration } from "../../sinks/migrations.ts"
import { Warehouse } from "../../sinks/warehouse.ts"

/**
 * Triggers a person paused (the dashboard's Schedules page): a paused trigger's fires are skipped, by
 * `jobsignal up` and `jobsignal schedule` alike, until it is resumed. Kept apart from schedule_state so
 * a trigger that never fired can be paused, and so pausing leaves the catch-up bookkeeping alone.
 */
export const schedulePausesMigration: Migration = {
  id: "0102_schedule_pauses",
  sql: `
create table if not exists schedule_pauses (
  trigger varchar primary key,
  paused_at timestamptz not null,
  paused_by varchar not null
)
`
}

export interface Pause {
  readonly trigger: string
  readonly paused_at: string
  readonly paused_by: string
}

export const pausedTriggers = Effect.flatMap(Warehouse, (w) =>
  w.query<Pause>(
    "select trigger, strftime(paused_at, '%Y-%m-%d %H:%M:%SZ') as paused_at, paused_by from schedule_pauses order by trigger"
  )
)

/** Pauses (or resumes) one trigger; answers whether that changed anything. */
export const setPaused = (trigger: string, paused: boolean, by: string) =>
  Effect.flatMap(Warehouse, (w) =>
    Effect.gen(function* () {
      const was = (yield* w.query("select 1 from schedule_pauses where trigger = $1", [trigger])).length > 0
      if (paused && !was)
        yield* w.exec("insert into schedule_pauses (trigger, paused_at, paused_by) values ($1, now(), $2)", [
          trigger,
          by
        ])
      if (!paused && was) yield* w.exec("delete from schedule_pauses where trigger = $1", [trigger])
      return was !== paused
    })
  )
