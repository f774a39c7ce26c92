import { core, orderMigrations, shared, type Migration } from "../sinks/migrations.ts"
import { analyticsViews, scheduleState } from "../sinks/views.ts"
import { mongoMigration } from "../sinks/mongo/outbox.ts"
import { dqMigration } from "../dq/gate.ts"
import { dedupeMigration } from "../transforms/dedupe/migration.ts"
import { llmMigration } from "../transforms/llm/migration.ts"
import { signalsMigration } from "../transforms/signals/migration.ts"
import { layersMigration } from "../transforms/intel/migration.ts"

/**
 * Every area's schema changes, in the order they apply (sorted by id; a duplicate id throws at start-up).
 * Hand this to `Warehouse.layer({ path, migrations })`.
 */
export const migrations: ReadonlyArray<Migration> = orderMigrations([
  core, shared, dedupeMigration, llmMigration, signalsMigration, layersMigration, scheduleState, analyticsViews, dqMigration, mongoMigration
])
