import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Effect } from "effect"
import { createServer, type Server } from "node:http"
import { brotliCompressSync, constants, deflateRawSync, deflateSync, gzipSync } from "node:zlib"
import { randomBytes } from "node:crypto"
import { send } from "../../sources/transport.ts"
import { Http } from "../../sources/http.ts"

// The connector base no longer uses `fetch`, so what `fetch` did for free is tested here:
// content-encodings and redirects, on a loopback server.
const body = JSON.stringify({ jobs: [{ id: 1, title: "Nurse — São Paulo" }] })
// Over 256 KB even compressed, so it takes the streaming decoders rather than the one-call ones.
const big = JSON.stringify({ jobs: [{ id: 2, content: randomBytes(400 * 1024).toString("base64") }] })
let server: Server
let base = ""
const seen: Array<{ method: string; url: string; body: string; contentType?: string }> = []

beforeAll(async () => {
  server = createServer((req, res) => {
    let reqBody = ""
    req.on("data", (c) => (reqBody += c))
    req.on("end", () => {
      seen.push({ method: req.method!, url: req.url!, body: reqBody, contentType: req.headers["content-type"] })
      const accepts = String(req.headers["accept-encoding"] ?? "")
      const send = (encoding: string, data: Buffer) => {
        res.writeHead(200, { "content-type": "application/json", "content-encoding": encoding })
        res.end(data)
      }
      switch (req.url) {
        case "/gzip":
          return accepts.includes("gzip") ? send("gzip", gzipSync(body)) : res.end(body)
        case "/br":
          return send("br", brotliCompressSync(body))
        case "/deflate":
          return send("deflate", deflateSync(body))
        case "/deflate-raw":
          return send("deflate", deflateRawSync(body))
        case "/big/gzip":
          return send("gzip", gzipSync(big))
        case "/big/br":
          return send("br", brotliCompressSync(big, { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } }))
        case "/big/deflate":
          return send("deflate", deflateSync(big))
        case "/big/deflate-raw":
          return send("deflate", deflateRawSync(big))
        case "/big/twice":
          return send(
            "gzip, br",
            brotliCompressSync(gzipSync(big), { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } })
          )
        case "/twice":
          return send("gzip, br", brotliCompressSync(gzipSync(body)))
        case "/zstd-unknown":
          return send("compress", Buffer.from(body))
        case "/moved":
          res.writeHead(301, { location: "/gzip" })
          return res.end("moved")
        case "/see-other":
          res.writeHead(303, { location: `${base}/plain` })
          return res.end()
        case "/keep-method":
          res.writeHead(307, { location: "/plain" })
          return res.end()
        case "/loop":
          res.writeHead(302, { location: "/loop" })
          return res.end()
        case "/hop/6":
          res.writeHead(200, { "content-type": "application/json" })
          return res.end(body)
        case "/slow":
          return setTimeout(() => res.end(body), 2_000)
        default:
          if (req.url!.startsWith("/hop/")) {
            res.writeHead(302, { location: `/hop/${Number(req.url!.slice(5)) + 1}` })
            return res.end()
          }
          res.writeHead(200, { "content-type": "application/json" })
          return res.end(body)
      }
    })
  })
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok))
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`
})
afterAll(() => {
  server.closeAllConnections()
  server.close()
})

const text = async (path: string, init: Partial<Parameters<typeof send>[1]> = {}) => {
  const r = await send(`${base}${path}`, { method: "GET", headers: {}, signal: new AbortController().signal, ...init })
  return { ...r, text: new TextDecoder().decode(r.bytes) }
}

describe("HTTP transport", () => {
  it("asks for compressed bodies and decodes gzip, br, deflate (zlib or raw) and stacked codings", async () => {
    for (const path of ["/gzip", "/br", "/deflate", "/deflate-raw", "/twice"]) {
      const r = await text(path)
      expect({ path, status: r.status, text: r.text }).toEqual({ path, status: 200, text: body })
    }
  })

  it("decodes bodies over 256 KB on the wire as they stream, in every coding", async () => {
    for (const path of ["/big/gzip", "/big/br", "/big/deflate", "/big/deflate-raw", "/big/twice"]) {
      const r = await text(path)
      expect({ path, status: r.status, same: r.text === big }).toEqual({ path, status: 200, same: true })
    }
  })

  it("refuses a coding it cannot decode rather than returning garbage", async () => {
    await expect(text("/zstd-unknown")).rejects.toThrow(/unsupported content-encoding compress/)
  })

  it("follows redirects and reports the final URL; 303 turns a POST into a GET without its body", async () => {
    const moved = await text("/moved")
    expect([moved.status, moved.url, moved.text]).toEqual([200, `${base}/gzip`, body])
    seen.length = 0
    const other = await text("/see-other", {
      method: "POST",
      body: '{"q":1}',
      headers: { "content-type": "application/json" }
    })
    expect(other.url).toBe(`${base}/plain`)
    expect(seen.map((s) => [s.method, s.url, s.body, s.contentType])).toEqual([
      ["POST", "/see-other", '{"q":1}', "application/json"],
      ["GET", "/plain", "", undefined]
    ])
    seen.length = 0
    await text("/keep-method", { method: "POST", body: "x", headers: { "content-type": "text/plain" } })
    expect(seen.map((s) => [s.method, s.body])).toEqual([
      ["POST", "x"],
      ["POST", "x"]
    ])
  })

  it("ends a redirect loop, and a chain of more than 5 hops, with a RedirectRefused", async () => {
    await expect(text("/loop")).rejects.toMatchObject({ why: "Loop", message: expect.stringMatching(/redirect loop/) })
    await expect(text("/hop/0")).rejects.toMatchObject({
      why: "TooMany",
      message: expect.stringMatching(/more than 5 redirects/)
    })
    const five = await text("/hop/1")
    expect([five.status, five.url]).toEqual([200, `${base}/hop/6`])
  })

  it("through the connector base: a slow server is a retriable Timeout naming the request", async () => {
    const r = await Effect.runPromise(
      Effect.flatMap(Http, (http) =>
        http.request({
          url: `${base}/slow`,
          unit: "board slow",
          timeoutMs: 200,
          retry: { times: 0, baseMs: 1, capMs: 1 }
        })
      ).pipe(Effect.flip, Effect.provide(Http.layer()))
    )
    expect(r).toMatchObject({ _tag: "Retriable", reason: "Timeout" })
    expect(r.message).toBe(`board slow: GET ${base}/slow timed out after 200 ms`)
  })
})
