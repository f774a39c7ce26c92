import type { Db } from "mongodb"

/**
 * Writes a queue action into the `level-2` document's `status` field, the field the user's own UI
 * already sets ("under processing"), with the time it changed. Only those two fields are touched,
 * so the sink's next delivery of the job leaves the action in place.
 */
export const writeLevelTwoStatus = async (db: Db, jobId: string, status: string, at: Date): Promise<boolean> => {
  const r = await db.collection("level-2").updateOne({ id: jobId }, { $set: { status, status_updated_at: at } })
  return r.matchedCount === 1
}

export const readLevelTwoStatus = async (db: Db, jobId: string): Promise<string | null> => {
  const doc = await db.collection("level-2").findOne({ id: jobId }, { projection: { status: 1 } })
  return (doc?.status as string | undefined) ?? null
}
