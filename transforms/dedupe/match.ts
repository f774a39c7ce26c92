import { ATS_SOURCES } from "./sql.ts"

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

const SIGHTING_ID = "substr(sha256(source || ':' || source_id), 1, 20)"
const ats = ATS_SOURCES.map((s) => `'${s}'`).join(", ")
const compatible = (x: string, y: string) => `
  not (${x}.dom is not null and ${y}.dom is not null and ${x}.dom <> ${y}.dom)
  and loc_compatible(dd_tokens(${x}.loc_tokens), dd_tokens(${y}.loc_tokens))`

export const CONTENT_COLUMNS = [
  "url", "apply_url", "title", "company", "location", "remote", "posted_at", "posted_after", "posted_before", "updated_at",
  "description_text", "salary_min", "salary_max", "salary_currency", "salary_period", "employment_type", "department"
] as const

export const stageInput = (inputSql: string) => [
  `create or replace temp table _dd_raw as
   select rowid as srow, source, source_id, node, run_id, url, apply_url, title, company, company_domain, posted_at, fetched_at,
          loc_tokens(location) as locs0, title_segments(title) as segs
   from stg_jobs where ${inputSql}
   qualify row_number() over (partition by source, source_id order by fetched_at desc, updated_at desc nulls last, rowid desc) = 1`,
  // Place names known from any location field: "Engineer (San Francisco)" names a place even when its own location is empty.
  `create or replace temp table _dd_places as
   select distinct t as tok from (
     select unnest(locs0) as t from _dd_raw
     union all select unnest(dd_tokens(loc_tokens)) from job_sightings where loc_tokens is not null)
   where len(t) > 2`,
  `create or replace temp table _dd_place_seg as
   select srow, i from (
     select srow, i, locs0, unnest(loc_tokens0(segs[i])) as tok
     from (select srow, segs, locs0, unnest(range(2, len(segs) + 1)) as i from _dd_raw where len(segs) > 1))
   group by srow, i
   having bool_and(list_contains(locs0, tok) or tok in (select tok from _dd_places) or is_place_word(tok))`,
  `create or replace temp table _dd_in as
   with k as (
     select r.*, coalesce(p.idx, []::bigint[]) as place_idx
     from _dd_raw r left join (select srow, list(i) as idx from _dd_place_seg group by srow) p using (srow)
   ), k2 as (
     -- Places named in the title stand in for an empty location field; a filled one is more precise.
     select *, title_key(segs, place_idx) as tkey,
            case when len(locs0) > 0 then locs0 else list_distinct(flatten(list_transform(list_filter(segs, (s, i) -> list_contains(place_idx, i)), s -> loc_tokens(s)))) end as locs
     from k
   )
   select srow, ${SIGHTING_ID} as sighting_id, source, source_id, node, run_id, url, apply_url, title, company, posted_at, fetched_at,
          case when source in (${ats}) then 0 else 1 end as rank,
          company_name_key(company) || '|' || tkey as dedupe_key,
          domain_key(company_domain) as dom,
          coalesce(ats_url_key(apply_url), ats_url_key(url)) as url_key,
          array_to_string(list_sort(locs), ' ') as loc_tokens
   from k2`,
  `create or replace temp table _dd_new as
   select i.*, row_number() over (order by rank, posted_at nulls last, sighting_id) as ord
   from _dd_in i where not exists (select 1 from job_sightings s where s.sighting_id = i.sighting_id)`
]

export const linkNew = [
  `create or replace temp table _dd_pairs as
   select a.ord as a, b.ord as b from _dd_new a join _dd_new b on a.dedupe_key = b.dedupe_key and a.ord < b.ord
   union
   select a.ord, b.ord from _dd_new a join _dd_new b on a.url_key = b.url_key and a.ord < b.ord`,
  // Candidates among existing sightings, by block or ATS URL.
  `create or replace temp table _dd_cand as
   select n.ord, e.job_id, bool_or(e.url_key = n.url_key and title_overlap(e.dedupe_key, n.dedupe_key) >= ${URL_TITLE_OVERLAP}) as same_url,
          bool_or(e.dedupe_key = n.dedupe_key and loc_compatible(dd_tokens(n.loc_tokens), dd_tokens(e.loc_tokens))
                  and not (n.dom is not null and domain_key(e.company_domain) is not null and n.dom <> domain_key(e.company_domain))) as block_ok
   from _dd_new n join job_sightings e on e.dedupe_key = n.dedupe_key or e.url_key = n.url_key
   group by n.ord, e.job_id`,
  `create or replace temp table _dd_sh as
   select ord, word_pair_set(w) as sh from (
     select n.ord, desc_words(s.description_text) as w
     from _dd_new n join stg_jobs s on s.rowid = n.srow
     where n.ord in (select a from _dd_pairs union select b from _dd_pairs union select ord from _dd_cand))`,
  `create or replace temp table _dd_job_sh as
   select job_id, first_seen, word_pair_set(w) as sh from (
     select j.id as job_id, j.first_seen, desc_words(j.description_text) as w from jobs j where j.id in (select job_id from _dd_cand))`,
  `create or replace temp table _dd_links as
   select p.a, p.b, coalesce(x.url_key = y.url_key, false) as same_url,
          coalesce(len(sx.sh) >= 12, false) as info_a, coalesce(len(sy.sh) >= 12, false) as info_b
   from _dd_pairs p
   join _dd_new x on x.ord = p.a join _dd_new y on y.ord = p.b
   left join _dd_sh sx on sx.ord = p.a left join _dd_sh sy on sy.ord = p.b
   where (x.url_key = y.url_key and title_overlap(x.dedupe_key, y.dedupe_key) >= ${URL_TITLE_OVERLAP})
      or (x.dedupe_key = y.dedupe_key and ${compatible("x", "y")}
          and coalesce(desc_containment(sx.sh, sy.sh) >= ${DESCRIPTION_THRESHOLD}, true))`,
  `create or replace temp table _dd_old_links as
   select c.ord, c.job_id, c.same_url, desc_containment(s.sh, j.sh) as sim, j.first_seen
   from _dd_cand c join _dd_job_sh j using (job_id) left join _dd_sh s on s.ord = c.ord
   where c.same_url or (c.block_ok and coalesce(desc_containment(s.sh, j.sh) >= ${DESCRIPTION_THRESHOLD}, true))`,
  // Phase 1, links that are evidence on their own (same ATS URL, or both sides described, or neither):
  // leader = the first sighting linked to (one sharing the ATS URL first); three hops close chains a-b-c-d.
  `create or replace temp table _dd_c1 as
   with lk as (select * from _dd_links where same_url or info_a = info_b),
        l1 as (select n.ord, coalesce(first(k.a order by k.same_url desc, k.a), n.ord) as l from _dd_new n left join lk k on k.b = n.ord group by n.ord),
        l2 as (select x.ord, y.l from l1 x join l1 y on y.ord = x.l),
        l3 as (select x.ord, y.l from l2 x join l2 y on y.ord = x.l)
   select ord, l as c1 from l3`,
  // Phase 2: a cluster with no description joins at most one described cluster, so an undescribed
  // copy never bridges two openings that share a title and place but differ in description.
  `create or replace temp table _dd_cluster as
   with info as (select distinct c.c1 from _dd_c1 c join _dd_sh s using (ord) where len(s.sh) >= 12),
        mixed as (select case when info_a then b else a end as u, case when info_a then a else b end as i
                  from _dd_links where not same_url and info_a <> info_b),
        attach as (select cu.c1 as k, first(ci.c1 order by m.i) as target
                   from mixed m join _dd_c1 cu on cu.ord = m.u join _dd_c1 ci on ci.ord = m.i
                   where cu.c1 not in (select c1 from info) group by cu.c1)
   select c.ord, coalesce(t.target, c.c1) as cluster from _dd_c1 c left join attach t on t.k = c.c1`,
  `create or replace temp table _dd_cluster_job as
   select c.cluster, first(o.job_id order by o.same_url desc, o.sim desc nulls last, o.first_seen, o.job_id) as job_id
   from _dd_cluster c join _dd_old_links o using (ord) group by c.cluster`,
  `create or replace temp table _dd_assign as
   select i.*, coalesce(js.job_id, cj.job_id, lead.sighting_id) as job_id, js.job_id is null as new_sighting
   from _dd_in i
   left join job_sightings js on js.sighting_id = i.sighting_id
   left join _dd_new n on n.sighting_id = i.sighting_id
   left join _dd_cluster c on c.ord = n.ord
   left join _dd_cluster_job cj on cj.cluster = c.cluster
   left join _dd_new lead on lead.ord = c.cluster`
]

export const writeSightings = `
  insert into job_sightings (sighting_id, job_id, source, source_id, node, url, first_seen, last_seen, last_run_id,
                             dedupe_key, url_key, loc_tokens, company_domain, title, company)
  select a.sighting_id, a.job_id, a.source, a.source_id, a.node, a.url, a.fetched_at, a.fetched_at, a.run_id,
         a.dedupe_key, a.url_key, a.loc_tokens, a.dom, a.title, a.company
  from _dd_assign a
  on conflict (sighting_id) do update set
    last_seen = greatest(job_sightings.last_seen, excluded.last_seen), url = excluded.url, last_run_id = excluded.last_run_id,
    node = excluded.node, title = excluded.title, company = excluded.company, url_key = excluded.url_key,
    loc_tokens = excluded.loc_tokens, dedupe_key = excluded.dedupe_key, company_domain = excluded.company_domain`

const takeIfRep = (c: string) =>
  `${c} = case when excluded.rep_rank < coalesce(jobs.rep_rank, 1) or (excluded.source = jobs.source and excluded.source_id = jobs.source_id)
          then coalesce(excluded.${c}, jobs.${c}) else coalesce(jobs.${c}, excluded.${c}) end`

export const writeJobs = [
  `create or replace temp table _dd_best as
   select a.job_id, a.srow, a.rank, a.dedupe_key,
          min(a.fetched_at) over (partition by a.job_id) as first_fetch, max(a.fetched_at) over (partition by a.job_id) as last_fetch,
          max(a.dom) over (partition by a.job_id) as dom, a.run_id
   from _dd_assign a
   qualify row_number() over (partition by a.job_id order by a.rank, a.fetched_at desc, a.sighting_id) = 1`,
  `insert into jobs (id, source, source_id, ${CONTENT_COLUMNS.join(", ")}, company_key, dedupe_key, rep_rank, first_seen, last_seen, last_run_id)
   select b.job_id, s.source, s.source_id, s.url,
          case when b.rank = 0 then coalesce(s.apply_url, s.url) else s.apply_url end,
          ${CONTENT_COLUMNS.slice(2).map((c) => `s.${c}`).join(", ")},
          company_key(s.company, b.dom), b.dedupe_key, b.rank, b.first_fetch, b.last_fetch, b.run_id
   from _dd_best b join stg_jobs s on s.rowid = b.srow
   on conflict (id) do update set
     ${CONTENT_COLUMNS.map(takeIfRep).join(",\n     ")},
     ${takeIfRep("company_key")},
     source = case when excluded.rep_rank < coalesce(jobs.rep_rank, 1) then excluded.source else jobs.source end,
     source_id = case when excluded.rep_rank < coalesce(jobs.rep_rank, 1) then excluded.source_id else jobs.source_id end,
     rep_rank = least(excluded.rep_rank, coalesce(jobs.rep_rank, 1)),
     dedupe_key = coalesce(jobs.dedupe_key, excluded.dedupe_key),
     last_seen = greatest(jobs.last_seen, excluded.last_seen), last_run_id = excluded.last_run_id`,
  `update jobs set sources = agg.sources, content_hash = md5(concat_ws(chr(31),
     ${CONTENT_COLUMNS.filter((c) => c !== "updated_at").map((c) => `coalesce(jobs.${c}::varchar, '')`).join(", ")},
     coalesce(jobs.company_key, ''), agg.sighting_set))
   from (
     select job_id,
            to_json(list({'source': source, 'source_id': source_id, 'url': url, 'first_seen': first_seen, 'last_seen': last_seen} order by first_seen, source, source_id)) as sources,
            string_agg(source || ':' || source_id || ':' || coalesce(url, ''), chr(30) order by source, source_id) as sighting_set
     from job_sightings where job_id in (select job_id from _dd_best) group by job_id
   ) agg where jobs.id = agg.job_id`
]

export const TEMP_TABLES = ["_dd_raw", "_dd_places", "_dd_place_seg", "_dd_in", "_dd_new", "_dd_pairs", "_dd_cand", "_dd_sh", "_dd_job_sh", "_dd_links", "_dd_old_links", "_dd_c1", "_dd_cluster", "_dd_cluster_job", "_dd_assign", "_dd_best", "_dd_before"]
