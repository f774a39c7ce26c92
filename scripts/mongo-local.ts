/**
 * `npm run mongo:local`: a local MongoDB-compatible server (the project's embedded FerretDB, SQLite
 * backend) on a loopback port; prints the URI and runs until stopped (Ctrl-C).
 *   --port N      listen on N (default: a free port)
 *   --data DIR    keep the data in DIR (default: a temp dir removed on exit)
 *   --build       only build (or find) the cached binary and print its path; CI runs this before the tests
 */
import { ensureBinary, startFerretDB } from "../tools/ferretdb/launch.ts"

const args = process.argv.slice(2)
const opt = (name: string) => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : undefined
}

if (args.includes("--build")) {
  const t0 = Date.now()
  const { path, builtMs } = await ensureBinary((s) => console.error(s))
  console.log(builtMs !== undefined ? `built ${path} in ${((Date.now() - t0) / 1000).toFixed(1)}s` : `cached ${path}`)
} else {
  const port = opt("--port") ? Number(opt("--port")) : undefined
  const dataDir = opt("--data")
  const server = await startFerretDB({ port, dataDir, keepData: dataDir !== undefined })
  console.error(`FerretDB (SQLite backend) on 127.0.0.1:${server.port}, data in ${server.dataDir}; Ctrl-C to stop`)
  console.log(server.uri)
  console.error(`try: MONGODB_URI=${server.uri} npm run demo`)
  const stop = () => void server.stop().then(() => process.exit(0))
  process.once("SIGINT", stop)
  process.once("SIGTERM", stop)
  setInterval(() => {}, 1 << 30)
}
