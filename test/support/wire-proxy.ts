/**
 * A loopback TCP proxy in front of a MongoDB wire-protocol server that sees each OP_MSG command
 * and its reply, so a test can act at an exact point of a write: after the server answered the
 * Nth `update`, kill the server, drop the reply and close the socket, hold the reply back (a hung
 * server) or change it (a writeConcernError). The driver talks to the proxy's fixed port, so the
 * outbox target (a hash of the URI) stays the same when the server behind it is restarted.
 */
import { createServer, connect, type Socket } from "node:net"
import { BSON, type Document } from "mongodb"

const OP_MSG = 2013

/** What to do with a command's reply: pass it on, swallow it and close the client's socket, never answer, or answer this instead. */
export type ReplyAction = "forward" | "close" | "hang" | { readonly rewrite: Document }

export interface WireEvent {
  readonly command: string
  /** 1-based count of this command name through the proxy since the last `reset()`. */
  readonly n: number
}

export interface WireProxyHooks {
  /** Called before a request goes upstream and awaited; the request is sent when the hook calls `forward` or returns. */
  onRequest?: (e: WireEvent, forward: () => void) => void | Promise<void>
  onReply?: (e: WireEvent & { readonly reply: Document }) => ReplyAction | Promise<ReplyAction>
}

export interface WireProxy {
  readonly port: number
  readonly uri: string
  hooks: WireProxyHooks
  /** Sets the counters back to zero and removes the hooks. */
  readonly reset: () => void
  readonly close: () => Promise<void>
}

/** Splits a byte stream into wire-protocol messages (int32 length prefix). */
const framer = (onFrame: (f: Buffer) => void) => {
  let buf: Buffer = Buffer.alloc(0)
  return (chunk: Buffer) => {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk])
    while (buf.length >= 4 && buf.length >= buf.readInt32LE(0)) {
      const len = buf.readInt32LE(0)
      onFrame(buf.subarray(0, len))
      buf = buf.subarray(len)
    }
  }
}

/** The body (kind-0 section) of an OP_MSG and its offset, or undefined for other opcodes. */
const body = (f: Buffer): { at: number; len: number } | undefined => {
  if (f.readInt32LE(12) !== OP_MSG) return undefined
  let at = 20
  while (at < f.length) {
    const kind = f[at]
    if (kind === 0) return { at: at + 1, len: f.readInt32LE(at + 1) }
    at += 1 + f.readInt32LE(at + 1)
  }
  return undefined
}

/** First key of a BSON document: the command name. */
const firstKey = (f: Buffer, at: number) => {
  const start = at + 5
  return f.toString("utf8", start, f.indexOf(0, start))
}

const reframe = (f: Buffer, doc: Document) => {
  const bson = BSON.serialize(doc)
  const out = Buffer.alloc(16 + 4 + 1 + bson.length)
  out.writeInt32LE(out.length, 0)
  f.copy(out, 4, 4, 16) // requestID, responseTo, opCode
  out.writeUInt32LE(0, 16) // no checksum
  out[20] = 0
  Buffer.from(bson).copy(out, 21)
  return out
}

export const startWireProxy = async (upstreamPort: () => number, hooks: WireProxyHooks = {}): Promise<WireProxy> => {
  const counts = new Map<string, number>()
  const sockets = new Set<Socket>()
  const proxy: WireProxy = {
    port: 0,
    uri: "",
    hooks,
    reset: () => {
      counts.clear()
      proxy.hooks = {}
    },
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy()
        server.close(() => r())
      })
  }
  const server = createServer((client) => {
    const upstream = connect(upstreamPort(), "127.0.0.1")
    sockets.add(client).add(upstream)
    const end = () => {
      client.destroy()
      upstream.destroy()
      sockets.delete(client)
      sockets.delete(upstream)
    }
    client.on("error", end).on("close", end)
    upstream.on("error", end).on("close", end)
    // Requests go upstream in order; replies are matched to them by responseTo.
    const pending = new Map<number, WireEvent>()
    let chain: Promise<unknown> = Promise.resolve()
    const inOrder = (f: () => unknown) => {
      chain = chain.then(f).catch(end)
    }
    client.on(
      "data",
      framer((f) =>
        inOrder(async () => {
          const b = body(f)
          if (!b) return void upstream.write(f)
          const command = firstKey(f, b.at)
          const e: WireEvent = { command, n: (counts.get(command) ?? 0) + 1 }
          counts.set(command, e.n)
          pending.set(f.readInt32LE(4), e)
          let sent = false
          const forward = () => {
            if (!sent) {
              sent = true
              upstream.write(f)
            }
          }
          if (proxy.hooks.onRequest) await proxy.hooks.onRequest(e, forward)
          forward()
        })
      )
    )
    upstream.on(
      "data",
      framer((f) =>
        inOrder(async () => {
          const e = pending.get(f.readInt32LE(8))
          const b = body(f)
          if (!e || !b || !proxy.hooks.onReply) return void client.write(f)
          pending.delete(f.readInt32LE(8))
          const action = await proxy.hooks.onReply({ ...e, reply: BSON.deserialize(f.subarray(b.at, b.at + b.len)) })
          if (action === "forward") client.write(f)
          else if (action === "close") end()
          else if (action === "hang") return
          else client.write(reframe(f, action.rewrite))
        })
      )
    )
  })
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()))
  const port = (server.address() as { port: number }).port
  return Object.assign(proxy, { port, uri: `mongodb://127.0.0.1:${port}/` })
}
