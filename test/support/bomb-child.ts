/**
 * Run as a child process by test/hostile-http.test.ts: serves decompression bombs and an endless body
 * on loopback, fetches each through the connector base with its default caps, and prints the error
 * and the peak RSS each one cost (sampled every 5 ms), as one JSON line.
 */
import { createServer } from "node:http"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { gzipSync } from "node:zlib"
import { Effect } from "effect"
import { Http } from "../../sources/http.ts"
import { fixturesDir } from "../../sources/replay.ts"

const member = gzipSync(Buffer.alloc(16 * 1024 * 1024), { level: 9 })
const gzip2GiB = Buffer.concat(Array.from({ length: 128 }, () => member))
const bodies: Record<string, { encoding?: string; bytes?: Buffer }> = {
  "br-2gib": { encoding: "br", bytes: readFileSync(join(fixturesDir, "hostile", "synthetic-zeros-2gib.br")) },
  "gzip-2gib": { encoding: "gzip", bytes: gzip2GiB },
  "gzip-gzip-3gib": {
    encoding: "gzip, gzip",
    bytes: gzipSync(Buffer.concat(Array.from({ length: 192 }, () => member)))
  },
  endless: {}
}

const server = createServer((req, res) => {
  const b = bodies[req.url!.slice(1)]
  res.writeHead(200, { "content-type": "application/json", ...(b.encoding ? { "content-encoding": b.encoding } : {}) })
  if (b.bytes) return void res.end(b.bytes)
  const chunk = Buffer.alloc(64 * 1024, " ")
  const more = () => {
    while (!res.destroyed && res.write(chunk));
  }
  res.on("drain", more)
  more()
})
await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok))
const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`

const out: Record<string, { tag: string; reason: string; message: string; peakRssMb: number }> = {}
for (const name of Object.keys(bodies)) {
  global.gc?.()
  let peak = process.memoryUsage.rss()
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss())
  }, 5)
  const e = await Effect.runPromise(
    Effect.flatMap(Http, (http) =>
      http.request({ url: `${base}/${name}`, unit: `bomb board ${name}`, retry: { times: 0, baseMs: 1, capMs: 1 } })
    ).pipe(Effect.flip, Effect.provide(Http.layer({ timeoutMs: 60_000 })))
  )
  clearInterval(sampler)
  peak = Math.max(peak, process.memoryUsage.rss())
  out[name] = { tag: e._tag, reason: e.reason, message: e.message, peakRssMb: Math.round(peak / 1024 / 1024) }
}
console.log(JSON.stringify(out))
server.closeAllConnections()
server.close()
