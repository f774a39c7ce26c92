/** The conformance suite (test/support/conformance.ts) over every source registered in app/connectors.ts. */
import { app } from "../app/index.ts"
import { conformanceSuite } from "./support/conformance.ts"

conformanceSuite(app)
