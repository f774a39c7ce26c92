import { HttpRouter, HttpServerRequest } from "@effect/platform"
import { Effect, Schema } from "effect"

/** The API's request helpers: a client mistake is a BadRequest (its status and message reach the client). */

export class BadRequest extends Schema.TaggedError<BadRequest>()("BadRequest", {
  status: Schema.Number,
  message: Schema.String
}) {}

/** Mutations say so: a request without `confirm: true` changes nothing. */
export const needConfirm = (b: { confirm?: boolean }, what: string) =>
  b.confirm === true
    ? Effect.void
    : Effect.fail(
        new BadRequest({
          status: 400,
          message: `${what} changes data: send confirm: true once the person has confirmed`
        })
      )

export const body = <A, I>(schema: Schema.Schema<A, I>) =>
  HttpServerRequest.schemaBodyJson(schema).pipe(
    Effect.mapError((e) => new BadRequest({ status: 400, message: `bad request body: ${e.message}` }))
  )

export const param = (name: string) => HttpRouter.params.pipe(Effect.map((p) => p[name] ?? ""))

export const search = Effect.map(HttpServerRequest.ParsedSearchParams, (p) => (k: string) => {
  const v = p[k]
  return (Array.isArray(v) ? v[0] : v) || undefined
})

export const notFound = (what: string) => new BadRequest({ status: 404, message: `${what} not found` })
