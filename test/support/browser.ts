/**
 * Headless Chromium for the dashboard's end-to-end test: Debian's /usr/bin/chromium (never a
 * downloaded browser) driven by playwright-core, with a fresh profile and no background traffic.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { chromium, type BrowserContext, type Page } from "playwright-core"

export const CHROMIUM = process.env.JOBSIGNAL_CHROMIUM ?? "/usr/bin/chromium"
export const hasChromium = () => existsSync(CHROMIUM)

const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync"
]

export interface Browser {
  readonly page: Page
  readonly context: BrowserContext
  /** Writes test-results/ui/<name>.png (the whole page unless fullPage is false) and returns its path. */
  readonly screenshot: (name: string, opts?: { fullPage?: boolean }) => Promise<string>
  readonly close: () => Promise<void>
}

export const screenshotDir = join(import.meta.dirname, "..", "..", "test-results", "ui")

export const launchBrowser = async (): Promise<Browser> => {
  const profile = mkdtempSync(join(tmpdir(), "jobsignal-chromium-"))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1400, height: 900 },
    timeout: 60_000
  })
  const page = context.pages()[0] ?? (await context.newPage())
  page.setDefaultTimeout(30_000)
  mkdirSync(screenshotDir, { recursive: true })
  return {
    page,
    context,
    screenshot: async (name, opts = {}) => {
      const path = join(screenshotDir, `${name}.png`)
      await page.screenshot({ path, fullPage: opts.fullPage ?? true })
      return path
    },
    close: async () => {
      await context.close()
      rmSync(profile, { recursive: true, force: true })
    }
  }
}
