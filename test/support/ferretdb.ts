/**
 * A real MongoDB wire-protocol server for tests: $MONGODB_URI when set, else the project's
 * embedded FerretDB (tools/ferretdb), built on first use and started on a free loopback port.
 * Never skipped: a server that cannot be had is a failing test, under CI or not.
 */
import { randomUUID } from "node:crypto"
import { MongoClient } from "mongodb"
import { startFerretDB, type RunningFerretDB } from "../../tools/ferretdb/launch.ts"

export interface TestMongo {
  readonly uri: string
  /** "ferretdb" or "external" ($MONGODB_URI). */
  readonly kind: "ferretdb" | "external"
  /** A database name no other test uses, so tests can share one server. */
  readonly freshDatabase: (prefix?: string) => string
  readonly client: () => Promise<MongoClient>
  readonly stop: () => Promise<void>
}

export const startTestMongo = async (): Promise<TestMongo> => {
  const external = process.env.MONGODB_URI?.trim()
  const clients: MongoClient[] = []
  const client = async (uri: string) => {
    const c = new MongoClient(uri, { serverSelectionTimeoutMS: 10_000 })
    await c.connect()
    clients.push(c)
    return c
  }
  const freshDatabase = (prefix = "t") => `${prefix}_${randomUUID().replace(/-/g, "").slice(0, 12)}`
  const closeClients = () => Promise.all(clients.map((c) => c.close().catch(() => undefined))).then(() => undefined)
  if (external)
    return { uri: external, kind: "external", freshDatabase, client: () => client(external), stop: closeClients }
  const server = await startFerretDB()
  return {
    uri: server.uri,
    kind: "ferretdb",
    freshDatabase,
    client: () => client(server.uri),
    stop: async () => {
      await closeClients()
      await server.stop()
    }
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** SIGKILL, as a crash would; resolves once the process is gone (polled, not slept on). */
export const killFerretDB = async (server: RunningFerretDB) => {
  process.kill(server.pid, "SIGKILL")
  while (alive(server.pid)) await new Promise((r) => setTimeout(r, 10))
}

/** The same server again after a crash: same port, same SQLite files. */
export const restartFerretDB = (server: RunningFerretDB) =>
  startFerretDB({ port: server.port, dataDir: server.dataDir, keepData: true })
