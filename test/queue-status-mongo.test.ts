import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { readLevelTwoStatus, writeLevelTwoStatus } from "../sinks/mongo/status.ts"
import { startTestMongo, type TestMongo } from "./support/ferretdb.ts"

let mongo: TestMongo
beforeAll(async () => {
  mongo = await startTestMongo()
}, 120_000)
afterAll(async () => {
  await mongo?.stop()
})

describe("queue status in the level-2 document (FerretDB)", () => {
  it("sets the user's status field and keeps the rest of the document", async () => {
    const db = (await mongo.client()).db(mongo.freshDatabase("queue"))
    await db
      .collection("level-2")
      .insertOne({ id: "j1", title: "Data Engineer", company: "Acme", status: "under processing" })
    expect(await readLevelTwoStatus(db, "j1")).toBe("under processing")
    expect(await writeLevelTwoStatus(db, "j1", "dismiss", new Date("2026-03-10T09:00:00Z"))).toBe(true)
    const doc = await db.collection("level-2").findOne({ id: "j1" })
    expect(doc).toMatchObject({ id: "j1", title: "Data Engineer", company: "Acme", status: "dismiss" })
    expect(await writeLevelTwoStatus(db, "missing", "applied", new Date())).toBe(false)
  })
})
