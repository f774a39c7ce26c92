import { MongoClient } from "mongodb"
const c = new MongoClient("mongodb://127.0.0.1:27999/", { serverSelectionTimeoutMS: 3000 })
await c.connect()
const db = c.db("probe")
const col = db.collection("level-2")
console.log(await col.createIndexes([{ name: "id_unique", key: { id: 1 }, unique: true }, { name: "fit", key: { fit_score: -1 } }]))
try { console.log(await db.collection("cache").createIndex({ expires_at: 1 }, { expireAfterSeconds: 0 })) } catch (e) { console.log("ttl:", (e as Error).message) }
const ops = (n: number) => Array.from({ length: n }, (_, i) => ({ updateOne: { filter: { _id: `j${i}` as never }, update: { $set: { id: `j${i}`, title: "t" + i, posted_at: new Date() }, $setOnInsert: { first_seen: new Date(0) } }, upsert: true } }))
let t = Date.now(); let r = await col.bulkWrite(ops(2000), { ordered: false }); console.log(r.upsertedCount, r.matchedCount, r.modifiedCount, Date.now() - t, "ms")
t = Date.now(); r = await col.bulkWrite(ops(2000), { ordered: false }); console.log(r.upsertedCount, r.matchedCount, r.modifiedCount, Date.now() - t, "ms")
try { await col.bulkWrite([{ insertOne: { document: { _id: "x" as never, id: "j1" } } }, { insertOne: { document: { _id: "y" as never, id: "ok" } } }], { ordered: false }) } catch (e) { console.log((e as Error).name, (e as any).writeErrors?.length, (e as any).result?.insertedCount) }
console.log(await col.findOne({ _id: "j1" as never }))
await c.close()
