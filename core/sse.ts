/**
 * The `data:` payloads of a server-sent event stream, one string per event, as they arrive. Web streams only, so
 * the CLI (Node's fetch) and the dashboard (the browser's) read a task's events with the same code; the dashboard
 * cannot use EventSource, which sends no Authorization header.
 */
export async function* sseData(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let buffered = ""
  try {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return
      buffered += decoder.decode(value, { stream: true })
      let end: number
      while ((end = buffered.indexOf("\n\n")) >= 0) {
        const frame = buffered.slice(0, end)
        buffered = buffered.slice(end + 2)
        const data = frame
          .split("\n")
          .filter((l) => l.startsWith("data: "))
          .map((l) => l.slice(6))
          .join("\n")
        if (data) yield data
      }
    }
  } finally {
    reader.releaseLock()
  }
}
