import { core, coreTables, orderMigrations, shared, type Migration } from "../sinks/migrations.ts"
import { analyticsViews, scheduleState } from "../sinks/views.ts"
import { mongoMigration } from "../sinks/mongo/outbox.ts"
import { dqMigration } from "../dq/gate.ts"
import { dedupeMigration } from "../transforms/dedupe/migration.ts"
import { llmMigration } from "../transforms/llm/migration.ts"
import { llmBatches, llmCallsBatchMigration } from "../transforms/llm/batches.ts"
import { leadsAsOfMigration, signalsMigration } from "../transforms/signals/migration.ts"
import { layersMigration } from "../transforms/intel/migration.ts"
import { queueMigration } from "../transforms/queue/migration.ts"
import { withTableMigrations } from "../sinks/table.ts"
import { boardChecksMigration } from "../sinks/board-checks.ts"
import { schedulePausesMigration } from "../pipelines/schedule/pauses.ts"
import { connectors } from "./connectors.ts"

/**
 * Every area's schema changes, in the order they apply (sorted by id; a duplicate id throws at start-up), plus
 * those derived from the declared tables: the core ones and the registered sources' staging tables (their creation and added columns).
 * Hand this to `Warehouse.layer({ path, migrations })`.
 */
export const migrations: ReadonlyArray<Migration> = orderMigrations(
  withTableMigrations(
    [
      core,
      shared,
      dedupeMigration,
      llmMigration,
      llmCallsBatchMigration,
      signalsMigration,
      leadsAsOfMigration,
      layersMigration,
      scheduleState,
      schedulePausesMigration,
      analyticsViews,
      dqMigration,
      mongoMigration,
      queueMigration,
      boardChecksMigration
    ],
    [...coreTables, llmBatches, ...connectors.map((c) => c.table)]
  )
)
