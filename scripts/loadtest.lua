-- wrk script of scripts/loadtest: every connection rotates through a fixed mix of requests a
-- researcher's session makes (keyword and phrase searches, facets with filters and date ranges,
-- histograms, incidents, facet value lookups, spelling and wildcard queries, article and incident
-- pages), each thread starting at a different place in the mix.
--
--   wrk -t2 -c8 -d300s --latency -s scripts/loadtest.lua http://127.0.0.1:PORT -- ARTICLE_IDS INCIDENT_IDS [check]
--
-- ARTICLE_IDS and INCIDENT_IDS are comma-separated ids taken from the index under test. With
-- "check" (run it with -t1 -c1), every answer that is not a 2xx is printed with the path that got
-- it. At the end one line "loadtest: key=value ..." sums up requests, errors and latency for
-- scripts/loadtest to read.

local mix = {
  -- keywords
  "/api/search?q=rocket",
  "/api/search?q=drone&per_page=10",
  "/api/search?q=Erbil",
  "/api/search?q=coalition%20forces&facets=group,location",
  -- phrases
  "/api/search?q=%22air%20base%22",
  "/api/search?q=%22security%20officials%22&sort=-date",
  -- facets, filters and date ranges
  "/api/search?q=attack&location=iq&date_from=2016&date_to=2019",
  "/api/search?group=kataib-hezbollah&weapon=rocket&date_from=2019-01&date_to=2024-12&facet_size=20",
  "/api/search?location=sy&published_from=2018&killed_min=1&sort=date",
  "/api/search?q=drone&bbox=38,29,49,38&role=any",
  -- histograms
  "/api/search?q=missile&histogram=month",
  "/api/search?location=ye&date_from=2020&date_to=2021&histogram=week",
  "/api/search?histogram=year&facets=none",
  -- incidents
  "/api/incidents?q=rocket&facets=group,location&histogram=month",
  "/api/incidents?location=iq&sort=-date",
  -- facet values
  "/api/facets/group?prefix=kat",
  "/api/facets/location?prefix=er&date_from=2018",
  "/api/facets/weapon?prefix=dr",
  "/api/facets/source",
  -- spelling suggestion, wildcard, second page
  "/api/search?q=rokcet",
  "/api/search?q=attack*&facets=weapon",
  "/api/search?q=officials&per_page=20&cursor=bzIw",
}

local threads = {}
local counter = 1

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  paths = {}
  for _, p in ipairs(mix) do table.insert(paths, p) end
  for id in string.gmatch(args[1] or "", "[^,]+") do table.insert(paths, "/api/articles/" .. id) end
  for id in string.gmatch(args[2] or "", "[^,]+") do table.insert(paths, "/api/incidents/" .. id) end
  check = args[3] == "check"
  at = ((id - 1) * 7) % #paths
  non2xx = 0
  last = nil
end

function request()
  at = at % #paths + 1
  last = paths[at]
  return wrk.format("GET", last)
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    if check then
      io.write(string.format("loadtest: %s -> %d %s\n", last, status, string.sub(body or "", 1, 300)))
    end
  end
end

function done(summary, latency, requests)
  local non = 0
  for _, t in ipairs(threads) do non = non + t:get("non2xx") end
  local e = summary.errors
  io.write(string.format(
    "loadtest: requests=%d duration_s=%.1f rps=%.1f non2xx=%d connect=%d read=%d write=%d status=%d timeout=%d " ..
    "p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f mean_ms=%.2f\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6), non,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, latency.mean / 1000))
end
