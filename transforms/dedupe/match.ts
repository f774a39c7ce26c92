import { MIN_SAMPLED_PAIRS, type AtsSource } from "./sql.ts"

/**
 * The dedupe pass as ordered SQL statements over the staged rows selected by `input` ($n params).
 *
 * 1. `_dd_in`: the latest staged row per (source, source id), with its match keys: block = folded
 *    company + title token set; places from the location and place-only title suffixes; the ATS URL
 *    without tracking parameters; the company domain when a source gives one.
 * 2. Sightings already attached keep their job (a canonical id never moves).
 * 3. New sightings are linked to each other and to existing jobs when they share a block (or an ATS
 *    URL), their places are compatible, their domains do not conflict and their descriptions overlap.
 * 4. Linked new sightings form clusters (leader = first by ATS-first order); a cluster joins the best
 *    matching existing job, else becomes a job whose id is its leader's sighting id.
 * 5. Jobs are upserted from each job's best staged sighting (ATS first), keep every sighting in
 *    `sources`, and get a `content_hash` over what a reader sees.
 */
export const DESCRIPTION_THRESHOLD = 0.5
/** Two sightings of one ATS URL are one job only if their titles mostly agree (some boards reuse a URL). */
export const URL_TITLE_OVERLAP = 0.6

/** Same expression as `sightingId` in model/posting.ts, so SQL and TypeScript agree on ids. */
export const SIGHTING_ID_SQL = "substr(sha256(source || ':' || source_id), 1, 20)"
const compatible = (x: string, y: string) => `
  not (${x}.dom is not null and ${y}.dom is not null and ${x}.dom <> ${y}.dom)
  and places_compatible(${x}.sp, ${x}.wp, ${y}.sp, ${y}.wp)`

export const CONTENT_COLUMNS = [
  "url",
  "apply_url",
  "title",
  "company",
  "location",
  "remote",
  "posted_at",
  "posted_after",
  "posted_before",
  "updated_at",
  "description_text",
  "salary_min",
  "salary_max",
  "salary_currency",
  "salary_period",
  "employment_type",
  "department"
] as const

/** SQL list of the ATS kinds; `null` when there are none, so `source in (null)` is never true. */
const atsList = (ats: ReadonlyArray<AtsSource>) =>
  ats.length === 0 ? "null" : ats.map((a) => `'${a.kind.replaceAll("'", "''")}'`).join(", ")

export const stageInput = (inputSql: string, ats: ReadonlyArray<AtsSource>) => [
  `create or replace temp table _dd_raw as
   select rowid as srow, source, source_id, url, apply_url, company, company_domain, posted_at, fetched_at,
          coalesce(title, '') as tkey_in, coalesce(location, '') as lkey_in
   from stg_jobs where ${inputSql}
   qualify row_number() over (partition by source, source_id order by fetched_at desc, updated_at desc nulls last, rowid desc) = 1`,
  // Keys are computed once per distinct location, (title, location) and company: postings repeat them.
  `create or replace temp table _dd_loc as
   select lkey_in, loc_tokens(nullif(lkey_in, '')) as locs0 from (select distinct lkey_in from _dd_raw)`,
  // Place names known from any location field: "Engineer (San Francisco)" names a place even when its own location is empty.
  `create or replace temp table _dd_places as
   select distinct t as tok from (
     select unnest(locs0) as t from _dd_loc
     union all select unnest(dd_tokens(loc_tokens)) from job_sightings where loc_tokens is not null)
   where len(t) > 2`,
  `create or replace temp table _dd_tl as
   select row_number() over () as tl, t.tkey_in, t.lkey_in, l.locs0, title_segments(t.tkey_in) as segs
   from (select distinct tkey_in, lkey_in from _dd_raw) t join _dd_loc l using (lkey_in)`,
  `create or replace temp table _dd_place_seg as
   select tl, i from (
     select tl, i, locs0, unnest(loc_tokens0(segs[i])) as tok
     from (select tl, segs, locs0, unnest(range(2, len(segs) + 1)) as i from _dd_tl where len(segs) > 1))
   group by tl, i
   having bool_and(list_contains(locs0, tok) or tok in (select tok from _dd_places) or is_place_word(tok))`,
  `create or replace temp table _dd_tkey as
   with k as (
     select t.*, coalesce(p.idx, []::bigint[]) as place_idx
     from _dd_tl t left join (select tl, list(i) as idx from _dd_place_seg group by tl) p using (tl)
   )
   -- Places named in the title stand in for an empty location field; a filled one is more precise.
   select *, strong_places(dd_tokens(loc_tokens)) as sp, weak_places(dd_tokens(loc_tokens)) as wp from (
     select tkey_in, lkey_in, title_key(segs, place_idx) as tkey,
            array_to_string(list_sort(case when len(locs0) > 0 then locs0
              else list_distinct(flatten(list_transform(list_filter(segs, (s, i) -> list_contains(place_idx, i)), s -> loc_tokens(s)))) end), ' ') as loc_tokens
     from k)`,
  `create or replace temp table _dd_co as
   select ckey_in, company_name_key(ckey_in) as ck from (select distinct coalesce(company, '') as ckey_in from _dd_raw)`,
  `create or replace temp table _dd_in as
   select r.srow, ${SIGHTING_ID_SQL} as sighting_id, r.posted_at, r.fetched_at,
          case when r.source in (${atsList(ats)}) then 0 else 1 end as rank,
          -- A link carrying tracking parameters (a mirror, a newsletter) is the worse of two equal sightings.
          regexp_matches(coalesce(r.apply_url, r.url, ''), '[?&](utm_[a-z]+|gh_src|src|ref)=') as tracked,
          c.ck || '|' || t.tkey as dedupe_key,
          domain_key(r.company_domain) as dom,
          coalesce(ats_url_key(r.apply_url), ats_url_key(r.url)) as url_key,
          t.loc_tokens, t.sp, t.wp
   from _dd_raw r join _dd_tkey t using (tkey_in, lkey_in) join _dd_co c on c.ckey_in = coalesce(r.company, '')`,
  "drop table _dd_raw",
  "drop table _dd_tl",
  "drop table _dd_place_seg",
  "drop table _dd_tkey",
  "drop table _dd_co",
  "drop table _dd_loc",
  // o: the leader order (ATS first, earliest posted, then id) as a compact integer, so every later
  // join and comparison is on one bigint; a cluster's id is its leader's sighting id.
  `create or replace temp table _dd_new as
   select row_number() over (order by i.rank, epoch_ms(i.posted_at) nulls last, i.sighting_id) as o,
          i.srow, i.sighting_id, i.dedupe_key, i.url_key, i.loc_tokens, i.dom, i.sp, i.wp
   from _dd_in i where not exists (select 1 from job_sightings s where s.sighting_id = i.sighting_id)`
]

export const linkNew = [
  `create or replace temp table _dd_pairs as
   select a.o as a, b.o as b from _dd_new a join _dd_new b on a.dedupe_key = b.dedupe_key and a.o < b.o
   union
   select a.o, b.o from _dd_new a join _dd_new b on a.url_key = b.url_key and a.o < b.o`,
  // Candidates among existing sightings, by block or ATS URL.
  `create or replace temp table _dd_cand as
   select n.o, e.job_id, bool_or(e.url_key = n.url_key and title_overlap(e.dedupe_key, n.dedupe_key) >= ${URL_TITLE_OVERLAP}) as same_url,
          bool_or(e.dedupe_key = n.dedupe_key and loc_compatible(dd_tokens(n.loc_tokens), dd_tokens(e.loc_tokens))
                  and not (n.dom is not null and domain_key(e.company_domain) is not null and n.dom <> domain_key(e.company_domain))) as block_ok
   from _dd_new n join (
     -- Two equi-joins, not one join on "a or b", which DuckDB would run as a nested loop.
     select n.o, e.sighting_id from _dd_new n join job_sightings e on e.dedupe_key = n.dedupe_key
     union select n.o, e.sighting_id from _dd_new n join job_sightings e on e.url_key = n.url_key
   ) m on m.o = n.o join job_sightings e on e.sighting_id = m.sighting_id
   group by n.o, e.job_id`,
  `create or replace temp table _dd_sh as
   select o, word_pair_set(w) as sh from (
     select n.o, desc_words(s.description_text) as w
     from _dd_new n join stg_jobs s on s.rowid = n.srow
     where n.o in (select a from _dd_pairs union select b from _dd_pairs union select o from _dd_cand))`,
  `create or replace temp table _dd_job_sh as
   select job_id, first_seen, word_pair_set(w) as sh from (
     select j.id as job_id, j.first_seen, desc_words(j.description_text) as w from jobs j where j.id in (select job_id from _dd_cand))`,
  `create or replace temp table _dd_links as
   select p.a, p.b, coalesce(x.url_key = y.url_key, false) as same_url,
          coalesce(len(sx.sh) >= ${MIN_SAMPLED_PAIRS}, false) as info_a, coalesce(len(sy.sh) >= ${MIN_SAMPLED_PAIRS}, false) as info_b
   from _dd_pairs p
   join _dd_new x on x.o = p.a join _dd_new y on y.o = p.b
   left join _dd_sh sx on sx.o = p.a left join _dd_sh sy on sy.o = p.b
   where (x.url_key = y.url_key and title_overlap(x.dedupe_key, y.dedupe_key) >= ${URL_TITLE_OVERLAP})
      or (x.dedupe_key = y.dedupe_key and ${compatible("x", "y")}
          and coalesce(desc_containment(sx.sh, sy.sh) >= ${DESCRIPTION_THRESHOLD}, true))`,
  `create or replace temp table _dd_old_links as
   select c.o, c.job_id, c.same_url, desc_containment(s.sh, j.sh) as sim, j.first_seen
   from _dd_cand c join _dd_job_sh j using (job_id) left join _dd_sh s on s.o = c.o
   where c.same_url or (c.block_ok and coalesce(desc_containment(s.sh, j.sh) >= ${DESCRIPTION_THRESHOLD}, true))`,
  // Phase 1, links that are evidence on their own (same ATS URL, or both sides described, or neither):
  // leader = the first sighting linked to (one sharing the ATS URL first); three hops close chains a-b-c-d.
  `create or replace temp table _dd_c1 as
   with lk as (select * from _dd_links where same_url or info_a = info_b),
        nodes as (select a as o from _dd_links union select b from _dd_links),
        l1 as (select n.o, coalesce(first(k.a order by k.same_url desc, k.a), n.o) as l from nodes n left join lk k on k.b = n.o group by n.o),
        l2 as (select x.o, y.l from l1 x join l1 y on y.o = x.l),
        l3 as (select x.o, y.l from l2 x join l2 y on y.o = x.l)
   select o, l as c1 from l3`,
  // Phase 2: a cluster with no description joins at most one described cluster, so an undescribed
  // copy never bridges two openings that share a title and place but differ in description.
  `create or replace temp table _dd_cluster as
   with info as (select distinct c.c1 from _dd_c1 c join _dd_sh s using (o) where len(s.sh) >= ${MIN_SAMPLED_PAIRS}),
        mixed as (select case when info_a then b else a end as u, case when info_a then a else b end as i
                  from _dd_links where not same_url and info_a <> info_b),
        attach as (select cu.c1 as k, first(ci.c1 order by m.i) as target
                   from mixed m join _dd_c1 cu on cu.o = m.u join _dd_c1 ci on ci.o = m.i
                   where cu.c1 not in (select c1 from info) group by cu.c1)
   select c.o, coalesce(t.target, c.c1) as cluster from _dd_c1 c left join attach t on t.k = c.c1`,
  `create or replace temp table _dd_cluster_job as
   select coalesce(c.cluster, ol.o) as cluster, first(ol.job_id order by ol.same_url desc, ol.sim desc nulls last, ol.first_seen, ol.job_id) as job_id
   from _dd_old_links ol left join _dd_cluster c using (o) group by all`,
  `create or replace temp table _dd_assign as
   select i.srow, i.sighting_id, i.rank, i.tracked, i.dedupe_key, i.url_key, i.loc_tokens, i.dom, i.fetched_at,
          coalesce(js.job_id, cj.job_id, l.sighting_id) as job_id, js.job_id is null as new_sighting
   from _dd_in i
   left join job_sightings js on js.sighting_id = i.sighting_id
   left join _dd_new n on n.srow = i.srow
   left join _dd_cluster c on c.o = n.o
   left join _dd_cluster_job cj on cj.cluster = coalesce(c.cluster, n.o)
   left join _dd_new l on l.o = coalesce(c.cluster, n.o)`,
  ...[
    "_dd_in",
    "_dd_new",
    "_dd_pairs",
    "_dd_cand",
    "_dd_sh",
    "_dd_job_sh",
    "_dd_links",
    "_dd_old_links",
    "_dd_c1",
    "_dd_cluster",
    "_dd_cluster_job"
  ].map((t) => `drop table ${t}`)
]

/** New sightings are inserted; ones seen again move their last_seen. A sighting's job never changes. */
export const writeSightings = [
  `insert into job_sightings (sighting_id, job_id, source, source_id, node, url, first_seen, last_seen, last_run_id,
                             dedupe_key, url_key, loc_tokens, company_domain, title, company)
   select a.sighting_id, a.job_id, s.source, s.source_id, s.node, s.url, s.fetched_at, s.fetched_at, s.run_id,
          a.dedupe_key, a.url_key, a.loc_tokens, a.dom, s.title, s.company
   from _dd_assign a join stg_jobs s on s.rowid = a.srow where a.new_sighting`,
  `update job_sightings set
     last_seen = greatest(job_sightings.last_seen, a.fetched_at), url = a.url, last_run_id = a.run_id, node = a.node,
     title = a.title, company = a.company, url_key = a.url_key, loc_tokens = a.loc_tokens, dedupe_key = a.dedupe_key, company_domain = a.dom
   from (select a.*, s.url, s.run_id, s.node, s.title, s.company from _dd_assign a join stg_jobs s on s.rowid = a.srow where not a.new_sighting) a
   where job_sightings.sighting_id = a.sighting_id`
]

/**
 * What a reader sees of a job: content, apply URL, company key and the set of sightings (not seen
 * dates). DuckDB's 64-bit hash over the columns (md5 over their concatenation is ~10× slower at 1M
 * rows); a DuckDB upgrade that changes hash() would mark every job changed once, nothing worse.
 */
const contentHash = (t: string, sightingSet: string) => `lpad(to_hex(hash(
  ${CONTENT_COLUMNS.filter((c) => c !== "updated_at")
    .map((c) => `${t}.${c}`)
    .join(", ")},
  ${t}.company_key, ${sightingSet})), 16, '0')`

/** The best sighting's content wins when it outranks the job's (ATS over board) or is the job's own source. */
const takeIfRep = (c: string) =>
  `${c} = case when b.rank < coalesce(jobs.rep_rank, 1) or (b.source = jobs.source and b.source_id = jobs.source_id)
          then coalesce(b.${c}, jobs.${c}) else coalesce(jobs.${c}, b.${c}) end`

const SIGHTING_JSON =
  "{'first_seen': first_seen, 'source': source, 'source_id': source_id, 'url': url, 'last_seen': last_seen}"
const SIGHTING_KEY = "source || ':' || source_id || ':' || coalesce(url, '')"

/** The best sighting's content columns, by the names jobs uses (apply URL: the ATS link when it is an ATS). */
const bestContent = [
  ...CONTENT_COLUMNS.map((c) =>
    c === "apply_url"
      ? "case when b.rank = 0 then coalesce(s.apply_url, s.url) else s.apply_url end as apply_url"
      : `s.${c}`
  ),
  "company_key(s.company, b.dom) as company_key"
].join(", ")

export const writeJobs = [
  // Keys only: content is read from stg_jobs while writing (materializing 1M descriptions would not fit).
  `create or replace temp table _dd_best as
   select a.job_id, a.srow, a.rank, a.dedupe_key,
          min(a.fetched_at) over (partition by a.job_id) as first_fetch, max(a.fetched_at) over (partition by a.job_id) as last_fetch,
          max(a.dom) over (partition by a.job_id) as dom, count(*) over (partition by a.job_id) as n,
          a.job_id in (select id from _dd_before) as existing
   from _dd_assign a
   qualify row_number() over (partition by a.job_id order by a.rank, a.tracked, a.fetched_at desc, a.sighting_id) = 1`,
  // Most jobs are new with one sighting: their sources are written from that row as the insert goes;
  // only the others go through an aggregate (list states of 1M groups do not fit the memory limit).
  // Unordered lists sorted afterwards, as ordered aggregates are slow; a one-element list is the same either way.
  `create or replace temp table _dd_agg as
   select job_id, to_json(list_sort(list(${SIGHTING_JSON}))) as sources, array_to_string(list_sort(list(${SIGHTING_KEY})), chr(30)) as sighting_set
   from job_sightings where job_id in (select job_id from _dd_best where existing or n > 1) group by job_id`,
  `insert into jobs (id, source, source_id, ${CONTENT_COLUMNS.join(", ")}, company_key, dedupe_key, rep_rank, first_seen, last_seen, last_run_id, sources, content_hash)
   select v.*, ${contentHash("v", "v.sighting_set")} from (
     select b.job_id, s.source, s.source_id, ${bestContent}, b.dedupe_key, b.rank,
            b.first_fetch, b.last_fetch, s.run_id,
            coalesce(g.sources, to_json([{'first_seen': s.fetched_at, 'source': s.source, 'source_id': s.source_id, 'url': s.url, 'last_seen': s.fetched_at}])) as sources,
            coalesce(g.sighting_set, s.source || ':' || s.source_id || ':' || coalesce(s.url, '')) as sighting_set
     from _dd_best b join stg_jobs s on s.rowid = b.srow left join _dd_agg g using (job_id) where not b.existing) v`.replace(
    "select v.*,",
    `select ${["job_id", "source", "source_id", ...CONTENT_COLUMNS, "company_key", "dedupe_key", "rank", "first_fetch", "last_fetch", "run_id", "sources"].map((c) => `v.${c}`).join(", ")},`
  ),
  `update jobs set
     ${CONTENT_COLUMNS.map(takeIfRep).join(",\n     ")},
     ${takeIfRep("company_key")},
     source = case when b.rank < coalesce(jobs.rep_rank, 1) then b.source else jobs.source end,
     source_id = case when b.rank < coalesce(jobs.rep_rank, 1) then b.source_id else jobs.source_id end,
     rep_rank = least(b.rank, coalesce(jobs.rep_rank, 1)),
     dedupe_key = coalesce(jobs.dedupe_key, b.dedupe_key),
     last_seen = greatest(jobs.last_seen, b.last_fetch), last_run_id = b.run_id
   from (select b.job_id, b.rank, b.dedupe_key, b.last_fetch, s.run_id, s.source, s.source_id, ${bestContent}
         from _dd_best b join stg_jobs s on s.rowid = b.srow where b.existing) b
   where jobs.id = b.job_id`,
  // Only jobs whose sightings or content changed get new sources and hash, so a rerun rewrites nothing more.
  `update jobs set sources = g.sources, content_hash = ${contentHash("jobs", "g.sighting_set")}
   from _dd_agg g where jobs.id = g.job_id and jobs.id in (select id from _dd_before)
     and (jobs.content_hash is distinct from ${contentHash("jobs", "g.sighting_set")} or jobs.sources::varchar is distinct from g.sources::varchar)`
]

export const TEMP_TABLES = [
  "_dd_raw",
  "_dd_loc",
  "_dd_places",
  "_dd_tl",
  "_dd_place_seg",
  "_dd_tkey",
  "_dd_co",
  "_dd_in",
  "_dd_new",
  "_dd_pairs",
  "_dd_cand",
  "_dd_sh",
  "_dd_job_sh",
  "_dd_links",
  "_dd_old_links",
  "_dd_c1",
  "_dd_cluster",
  "_dd_cluster_job",
  "_dd_assign",
  "_dd_best",
  "_dd_agg",
  "_dd_before"
]
