/**
 * EDGAR's daily form index (`Archives/edgar/daily-index/YYYY/QTRn/form.YYYYMMDD.idx`): every filing
 * of one day, sorted by form type, in fixed-width columns. The Form D rows are the day's new raises.
 */
export interface IndexEntry {
  readonly form: "D" | "D/A"
  readonly company: string
  readonly cik: string
  readonly filed_at: string
  readonly accession: string
}

/** The index file of one day (YYYY-MM-DD) under `www` (sec.gov or the replay server). */
export const dailyIndexUrl = (www: string, day: string) => {
  const [y, m] = day.split("-").map(Number)
  return `${www}/Archives/edgar/daily-index/${y}/QTR${Math.floor((m - 1) / 3) + 1}/form.${day.replace(/-/g, "")}.idx`
}

/** Where a Form D's XML lives: `primary_doc.xml` in the filing's folder. */
export const primaryDocPath = (cik: string, accession: string) =>
  `/Archives/edgar/data/${Number(cik)}/${accession.replace(/-/g, "")}/primary_doc.xml`

const ROW = /^(D|D\/A)\s{2,}(.+?)\s{2,}(\d{1,10})\s+(\d{8})\s+(edgar\/data\/\S+)\s*$/

/** The Form D and D/A rows of a daily index; other forms and the header are left out. */
export const parseDailyIndex = (text: string): IndexEntry[] => {
  const out: IndexEntry[] = []
  for (const line of text.split(/\r?\n/)) {
    const m = ROW.exec(line)
    if (!m) continue
    const acc = /(\d{10}-\d{2}-\d{6})\.txt$/.exec(m[5])?.[1]
    if (!acc) continue
    out.push({
      form: m[1] as "D" | "D/A",
      company: m[2].trim(),
      cik: m[3].padStart(10, "0"),
      filed_at: `${m[4].slice(0, 4)}-${m[4].slice(4, 6)}-${m[4].slice(6, 8)}`,
      accession: acc
    })
  }
  return out
}
