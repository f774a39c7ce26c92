import { startFerretDB } from "./tools/ferretdb/launch.ts"
import { MongoClient } from "mongodb"
import { COLLECTIONS } from "./sinks/mongo/collections.ts"
const s = await startFerretDB()
const c = new MongoClient(s.uri); await c.connect()
const db = c.db("x")
for (let round = 0; round < 2; round++) {
  for (const def of COLLECTIONS) {
    try { console.log(round, def.name, await db.collection(def.name).createIndexes(def.indexes.map((i) => ({ name: i.name, key: i.key, ...(i.unique ? { unique: true } : {}) })) as never)) } catch (e) { console.log("ERR", def.name, (e as Error).message) }
  }
  try { await db.collection("company_cache").createIndex({ expires_at: 1 }, { name: "expires_at_ttl", expireAfterSeconds: 0 }) } catch (e) { console.log("ttl ERR", (e as Error).message) }
}
await c.close(); await s.stop()
