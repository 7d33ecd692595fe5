// incidex-serve as scripts use it: a real server on an ephemeral loopback port over an index of
// the sample corpus. Facet counts are checked against brute-force counts over the exported records.
#include <doctest/doctest.h>
#include <httplib.h>

#include <map>
#include <set>
#include <sstream>

#include "api.h"
#include "incidents.h"
#include "schema.h"
#include "test_support.h"

using namespace incidex;
using namespace incidex::testing;
using nlohmann::json;

namespace {

// One index and one server for the whole file.
struct Fixture {
  TempDir dir;
  std::string db = (dir.path / "db").string();
  std::size_t articles = index_sample_corpus(db);
  bool linked = [this] {
    Xapian::WritableDatabase w(db, Xapian::DB_OPEN);
    IncidentLinker(w, shipped_gazetteer()).relink_all();
    return true;
  }();
  Server server{db};
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

httplib::Client client() {
  httplib::Client c("127.0.0.1", fixture().server.port());
  c.set_read_timeout(30, 0);
  return c;
}

json get_json(const std::string& path, int want_status = 200) {
  auto res = client().Get(path.c_str());
  REQUIRE(res);
  INFO(path, " -> ", res->body.substr(0, 300));
  CHECK(res->status == want_status);
  CHECK(res->get_header_value("Content-Type").find("application/json") == 0);
  return json::parse(res->body);
}

// Every article record, from the JSON Lines export.
std::vector<json> all_records(const std::string& query = "") {
  auto res = client().Get(("/api/export?format=jsonl" + query).c_str());
  REQUIRE(res);
  REQUIRE(res->status == 200);
  std::vector<json> out;
  std::istringstream in(res->body);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(json::parse(line));
  return out;
}

// Brute-force counts of main-role values (with ancestors) of a facet over records.
std::map<std::string, int> brute_counts(const std::vector<json>& records, Facet f) {
  const Gazetteer& g = shipped_gazetteer();
  std::map<std::string, int> out;
  for (const auto& r : records) {
    std::set<std::string> ids;
    if (f == Facet::source) {
      if (r["source_id"].is_string()) ids.insert(r["source_id"].get<std::string>());
    } else {
      const char* field = f == Facet::group ? "groups" : f == Facet::weapon ? "weapons" : "locations";
      for (const auto& v : r[field]) {
        if (v["role"] != "main") continue;
        ids.insert(v["id"].get<std::string>());
        for (const Entity* anc : g.ancestors(*g.find(f, v["id"].get<std::string>()))) ids.insert(anc->id);
      }
    }
    for (const auto& id : ids) ++out[id];
  }
  return out;
}

std::map<std::string, int> api_counts(const json& facet) {
  std::map<std::string, int> out;
  for (const auto& v : facet["values"]) out[v["id"].get<std::string>()] = v["count"].get<int>();
  return out;
}

bool has_main(const json& r, const char* field, const std::string& id) {
  for (const auto& v : r[field])
    if (v["role"] == "main" && v["id"] == id) return true;
  return false;
}

}  // namespace

TEST_CASE("an empty query browses everything, with exact totals and every documented field") {
  const json j = get_json("/api/search");
  CHECK(j["total"] == fixture().articles);
  CHECK(j["exact"] == true);
  CHECK(j["hits"].size() == 20);
  for (const char* k : {"total", "hits", "facets", "histogram", "suggestion", "took_ms", "next_cursor"})
    CHECK_MESSAGE(j.contains(k), k);
  const json& h = j["hits"][0];
  for (const char* k : {"id", "title", "source", "url", "published", "event_date", "snippet", "groups", "weapons", "locations", "incident"})
    CHECK_MESSAGE(h.contains(k), k);
}

TEST_CASE("facet counts equal brute-force counts over the whole match") {
  const auto records = all_records();
  REQUIRE(records.size() == fixture().articles);
  const json j = get_json("/api/search?facet_size=100");
  for (Facet f : kAllFacets) {
    CAPTURE(std::string(facet_name(f)));
    const auto want = brute_counts(records, f);
    const auto got = api_counts(j["facets"][std::string(facet_name(f))]);
    CHECK(got == want);
    CHECK(j["facets"][std::string(facet_name(f))]["other"] == 0);
  }
}

TEST_CASE("facet counts are disjunctive: a facet's own selection does not shrink its counts") {
  const json all = get_json("/api/search?facet_size=100");
  const json sel = get_json("/api/search?facet_size=100&group=kataib-hezbollah");
  CHECK(api_counts(sel["facets"]["group"]) == api_counts(all["facets"]["group"]));
  // Other facets are counted over the filtered articles.
  const auto filtered = all_records("&group=kataib-hezbollah");
  CHECK(sel["total"] == filtered.size());
  CHECK(api_counts(sel["facets"]["location"]) == brute_counts(filtered, Facet::place));
  // The selected value is flagged.
  bool flagged = false;
  for (const auto& v : sel["facets"]["group"]["values"])
    if (v["id"] == "kataib-hezbollah") flagged = v["selected"].get<bool>();
  CHECK(flagged);
}

TEST_CASE("selected values are listed even when outside the top values") {
  const json j = get_json("/api/search?facet_size=1&weapon=mortar");
  bool listed = false;
  for (const auto& v : j["facets"]["weapon"]["values"]) listed = listed || (v["id"] == "mortar" && v["selected"] == true);
  CHECK(listed);
}

TEST_CASE("filters: OR within a facet, AND across facets, places include everything under them") {
  const auto records = all_records();
  const auto count_where = [&](auto pred) {
    int n = 0;
    for (const auto& r : records) n += pred(r) ? 1 : 0;
    return n;
  };
  const auto under = [&](const json& r, const std::string& id) {
    const Gazetteer& g = shipped_gazetteer();
    for (const auto& v : r["locations"]) {
      if (v["role"] != "main") continue;
      if (v["id"] == id) return true;
      for (const Entity* a : g.ancestors(*g.find(Facet::place, v["id"].get<std::string>())))
        if (a->id == id) return true;
    }
    return false;
  };
  CHECK(get_json("/api/search?location=sy&facets=none")["total"] == count_where([&](const json& r) { return under(r, "sy"); }));
  CHECK(get_json("/api/search?location=sy&location=jo&facets=none")["total"] ==
        count_where([&](const json& r) { return under(r, "sy") || under(r, "jo"); }));
  CHECK(get_json("/api/search?location=sy,jo&facets=none")["total"] ==
        count_where([&](const json& r) { return under(r, "sy") || under(r, "jo"); }));
  CHECK(get_json("/api/search?location=sy&group=islamic-resistance-in-iraq&facets=none")["total"] ==
        count_where([&](const json& r) {
          return under(r, "sy") && (has_main(r, "groups", "islamic-resistance-in-iraq") ||
                                    has_main(r, "groups", "kataib-hezbollah") || has_main(r, "groups", "kataib-sayyid-al-shuhada") ||
                                    has_main(r, "groups", "harakat-hezbollah-al-nujaba"));
        }) - 0);
  CHECK(get_json("/api/search?source=tigris-wire&facets=none")["total"] ==
        count_where([](const json& r) { return r["source_id"] == "tigris-wire"; }));
  // role=any also finds background mentions.
  CHECK(get_json("/api/search?group=islamic-state&role=any&facets=none")["total"].get<int>() >=
        get_json("/api/search?group=islamic-state&facets=none")["total"].get<int>());
}

TEST_CASE("a bounding box keeps articles whose main location lies inside it") {
  const auto records = all_records();
  // Jordan and south-eastern Syria: 36..40 E, 31..34 N.
  int inside = 0;
  for (const auto& r : records) {
    const json* best = nullptr;
    int rank = -1;
    static const std::vector<std::string> kRank = {"country", "sea", "region", "province", "district", "town", "airport", "base", "site"};
    for (const auto& v : r["locations"]) {
      if (v["role"] != "main") continue;
      const int k = static_cast<int>(std::find(kRank.begin(), kRank.end(), v["kind"].get<std::string>()) - kRank.begin());
      if (k > rank) {
        rank = k;
        best = &v;
      }
    }
    if (best && (*best)["lat"].is_number()) {
      const double lat = (*best)["lat"], lon = (*best)["lon"];
      inside += lon >= 36 && lon <= 40 && lat >= 31 && lat <= 34;
    }
  }
  CHECK(inside > 0);
  CHECK(get_json("/api/search?bbox=36,31,40,34&facets=none")["total"] == inside);
}

TEST_CASE("location facet values carry their parent, to build the country → province → place tree") {
  const json j = get_json("/api/search?facet_size=100&facets=location");
  bool town_with_parent = false, country_without = false;
  for (const auto& v : j["facets"]["location"]["values"]) {
    if (v["id"] == "sy-rmelan") town_with_parent = v["parent"].is_string();
    if (v["id"] == "sy") country_without = v["parent"].is_null();
  }
  CHECK(town_with_parent);
  CHECK(country_without);
}

TEST_CASE("date, publication and casualty filters") {
  const auto records = all_records();
  const auto count_where = [&](auto pred) {
    int n = 0;
    for (const auto& r : records) n += pred(r) ? 1 : 0;
    return n;
  };
  const auto event = [](const json& r) { return r["event_date"].is_string() ? r["event_date"].get<std::string>() : std::string(); };
  CHECK(get_json("/api/search?date_from=2024&date_to=2024&facets=none")["total"] ==
        count_where([&](const json& r) { return event(r).rfind("2024", 0) == 0; }));
  CHECK(get_json("/api/search?date_from=2024-01&date_to=2024-01&facets=none")["total"] ==
        count_where([&](const json& r) { return event(r).rfind("2024-01", 0) == 0; }));
  CHECK(get_json("/api/search?date_from=2024-01-28&date_to=2024-01-28&facets=none")["total"] ==
        count_where([&](const json& r) { return event(r) == "2024-01-28"; }));
  CHECK(get_json("/api/search?published_from=2021-01-01&published_to=2021-12-31&facets=none")["total"] ==
        count_where([](const json& r) { return r["published"].is_string() && r["published"].get<std::string>().rfind("2021", 0) == 0; }));
  CHECK(get_json("/api/search?killed_min=3&facets=none")["total"] ==
        count_where([](const json& r) { return r["killed"].is_number() && r["killed"].get<int>() >= 3; }));
}

TEST_CASE("free text: spelling variants, phrases, title:, wildcards, exclusion") {
  const int kataib = get_json("/api/search?q=Kataib%20Hezbollah&facets=none")["total"];
  CHECK(kataib > 0);
  CHECK(get_json("/api/search?q=Kata%27ib%20Hezbollah&facets=none")["total"] == kataib);
  CHECK(get_json("/api/search?q=Qataiba%20Hezbollah&facets=none")["total"] == kataib);
  const int rmelan = get_json("/api/search?q=Rmelan&facets=none")["total"];
  CHECK(rmelan > 0);
  CHECK(get_json("/api/search?q=Rumalyn&facets=none")["total"] == rmelan);
  CHECK(get_json("/api/search?q=%22Tower%2022%22&facets=none")["total"].get<int>() > 0);
  CHECK(get_json("/api/search?q=title:drone&facets=none")["total"].get<int>() > 0);
  CHECK(get_json("/api/search?q=attack*&facets=none")["total"].get<int>() >=
        get_json("/api/search?q=attack&facets=none")["total"].get<int>());
  const int drones = get_json("/api/search?q=drone&facets=none")["total"];
  const int drones_not_jordan = get_json("/api/search?q=drone%20-Jordan&facets=none")["total"];
  CHECK(drones_not_jordan < drones);
  CHECK(get_json("/api/search?q=drone%20OR%20rocket&facets=none")["total"].get<int>() >= drones);
}

TEST_CASE("snippets mark matched words, including other spellings of the same name") {
  const json j = get_json("/api/search?q=Kataib&facets=none&per_page=100");
  bool curly = false;
  for (const auto& h : j["hits"]) {
    const std::string s = h["snippet"];
    CHECK(s.find("<mark>") != std::string::npos);
    curly = curly || s.find("<mark>Kata\xE2\x80\x99ib</mark>") != std::string::npos || s.find("<mark>Kata'ib</mark>") != std::string::npos;
  }
  CHECK(curly);
}

TEST_CASE("sorting by event date") {
  const json asc = get_json("/api/search?sort=date&per_page=100&facets=none");
  const json desc = get_json("/api/search?sort=-date&per_page=100&facets=none");
  std::vector<std::string> a, d;
  for (const auto& h : asc["hits"]) if (h["event_date"].is_string()) a.push_back(h["event_date"]);
  for (const auto& h : desc["hits"]) if (h["event_date"].is_string()) d.push_back(h["event_date"]);
  CHECK(std::is_sorted(a.begin(), a.end()));
  CHECK(std::is_sorted(d.rbegin(), d.rend()));
}

TEST_CASE("cursor paging visits every hit exactly once") {
  std::set<std::string> seen;
  std::size_t pages = 0, hits = 0;
  std::string cursor;
  while (true) {
    const json j = get_json("/api/search?q=attack&per_page=7&facets=none" + (cursor.empty() ? "" : "&cursor=" + cursor));
    for (const auto& h : j["hits"]) {
      seen.insert(h["id"].get<std::string>());
      ++hits;
    }
    ++pages;
    if (j["next_cursor"].is_null()) {
      CHECK(hits == j["total"].get<std::size_t>());
      break;
    }
    cursor = j["next_cursor"];
    REQUIRE(pages < 100);
  }
  CHECK(seen.size() == hits);
  CHECK(pages > 1);
}

TEST_CASE("histogram: zero-filled, ordered, summing to the dated matches") {
  const auto records = all_records();
  int dated = 0;
  for (const auto& r : records) dated += r["event_date"].is_string() ? 1 : 0;
  for (const char* interval : {"day", "week", "month", "year"}) {
    CAPTURE(std::string(interval));
    const json j = get_json(std::string("/api/search?facets=none&per_page=1&histogram=") + interval);
    int sum = 0;
    std::vector<std::string> keys;
    for (const auto& b : j["histogram"]) {
      sum += b["count"].get<int>();
      keys.push_back(b["key"]);
    }
    CHECK(sum == dated);
    CHECK(std::is_sorted(keys.begin(), keys.end()));
    CHECK(std::set<std::string>(keys.begin(), keys.end()).size() == keys.size());
  }
  const json months = get_json("/api/search?facets=none&per_page=1&histogram=month&date_from=2024-01&date_to=2024-06");
  REQUIRE(months["histogram"].size() == 6);  // zero-filled from January to June
  CHECK(months["histogram"][0]["key"] == "2024-01");
  CHECK(months["histogram"][5]["key"] == "2024-06");
}

TEST_CASE("facet value search by name or alias prefix") {
  const json j = get_json("/api/facets/group?prefix=qata");
  REQUIRE(j["values"].size() >= 1);
  CHECK(j["values"][0]["id"] == "kataib-hezbollah");
  const json k = get_json("/api/facets/location?prefix=rumal");
  REQUIRE(k["values"].size() >= 1);
  CHECK(k["values"][0]["id"] == "sy-rmelan");
  get_json("/api/facets/colour", 404);
}

TEST_CASE("an article with its full text and every mention") {
  const json s = get_json("/api/search?q=Rmelan&per_page=1&facets=none");
  const std::string id = s["hits"][0]["id"];
  const json a = get_json("/api/articles/" + id);
  CHECK(a["id"] == id);
  CHECK_FALSE(a["text"].get<std::string>().empty());
  CHECK(a["locations"][0]["mentions"][0].contains("begin"));
  get_json("/api/articles/no-such-article", 404);
}

TEST_CASE("export streams every match in CSV, JSON Lines and GeoJSON") {
  const int total = get_json("/api/search?location=iq&facets=none")["total"];
  auto csv = client().Get("/api/export?format=csv&location=iq");
  REQUIRE(csv);
  CHECK(csv->status == 200);
  CHECK(std::count(csv->body.begin(), csv->body.end(), '\n') == total + 1);  // header + rows
  CHECK(csv->body.rfind("id,event_date,date_precision,groups,weapons,location,", 0) == 0);
  CHECK(all_records("&location=iq").size() == static_cast<std::size_t>(total));
  auto geo = client().Get("/api/export?format=geojson&location=iq");
  REQUIRE(geo);
  const json g = json::parse(geo->body);
  CHECK(g["type"] == "FeatureCollection");
  CHECK(g["features"].size() == static_cast<std::size_t>(total));
  CHECK(g["features"][0]["geometry"]["type"] == "Point");
}

TEST_CASE("errors are JSON with a code, a message and the parameter") {
  struct Row { std::string path; int status; std::string code, param; };
  const Row rows[] = {
      {"/api/search?per_page=101", 400, "invalid_number", "per_page"},
      {"/api/search?per_pag=10", 400, "unknown_parameter", "per_pag"},
      {"/api/search?date_from=2024-13", 400, "invalid_date", "date_from"},
      {"/api/search?date_from=2024-02&date_to=2024-01", 400, "invalid_range", "date_to"},
      {"/api/search?cursor=%21%21", 400, "invalid_cursor", "cursor"},
      {"/api/search?q=(attack%20AND", 400, "query_syntax", "q"},
      {"/api/search?group=no-such-group", 400, "unknown_value", "group"},
      {"/api/search?sort=size", 400, "invalid_value", "sort"},
      {"/api/search?histogram=hour", 400, "invalid_value", "histogram"},
      {"/api/search?q=a&q=b", 400, "repeated_parameter", "q"},
      {"/api/export?format=xml", 400, "invalid_value", "format"},
      {"/api/search?bbox=1,2,3", 400, "invalid_value", "bbox"},
      {"/api/search?bbox=40,30,30,40", 400, "invalid_value", "bbox"},
      {"/api/nothing-here", 404, "not_found", ""},
  };
  for (const auto& r : rows) {
    const json j = get_json(r.path, r.status);
    CHECK(j["error"]["code"] == r.code);
    CHECK_FALSE(j["error"]["message"].get<std::string>().empty());
    if (r.param.empty()) CHECK(j["error"]["param"].is_null());
    else CHECK(j["error"]["param"] == r.param);
  }
  auto huge = client().Get(("/api/search?q=" + std::string(20000, 'a')).c_str());
  REQUIRE(huge);
  CHECK(huge->status == 414);
  auto body = client().Post("/api/search", std::string(100000, 'x'), "text/plain");
  REQUIRE(body);
  CHECK(body->status == 413);
  CHECK(json::parse(body->body)["error"].is_object());
}

TEST_CASE("stats, health and an OpenAPI document that lists exactly the routes") {
  const json st = get_json("/api/stats");
  CHECK(st["articles"] == fixture().articles);
  CHECK(st["documents"] == st["articles"].get<int>() + st["incidents"].get<int>());
  CHECK(st["facets"]["group"]["top"].size() > 0);
  CHECK(get_json("/api/health")["status"] == "ok");
  const json api = get_json("/api/openapi.json");
  CHECK(api["openapi"].get<std::string>().rfind("3.", 0) == 0);
  std::set<std::string> documented, served(api_routes().begin(), api_routes().end());
  for (const auto& [path, _] : api["paths"].items()) documented.insert(path);
  CHECK(documented == served);
}

TEST_CASE("articles indexed while the server runs appear without a restart") {
  TempDir dir;
  const std::string db = (dir.path / "db").string();
  index_sample_corpus(db, [](std::size_t i) { return i < 10; });
  Server server(db);
  httplib::Client c("127.0.0.1", server.port());
  const auto total = [&] { return json::parse(c.Get("/api/search?facets=none")->body)["total"].get<int>(); };
  CHECK(total() == 10);
  {
    const Analyzer analyzer(shipped_gazetteer());
    IndexWriter writer(db, shipped_gazetteer(), 1);
    for (int i = 0; i < 3; ++i) {
      RawArticle raw;
      raw.id = "live-" + std::to_string(i);
      raw.title = "Drone strikes base near Rmelan";
      raw.text = "A drone struck the base on Monday.";
      raw.format = "json";
      Analysis a = analyzer.analyze(std::move(raw));
      writer.add(a, analyzer.explain(a));
      writer.commit();  // several commits: readers must cope with discarded revisions
    }
  }
  int seen = 0;
  for (int tries = 0; tries < 50 && (seen = total()) != 13; ++tries) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(seen == 13);
  CHECK(json::parse(c.Get("/api/articles/live-2")->body)["id"] == "live-2");
}

TEST_CASE("two shards served by xapian-tcpsrv give the same totals and facet counts as one index") {
  TempDir dir;
  const std::string a = (dir.path / "a").string(), b = (dir.path / "b").string();
  index_sample_corpus(a, [](std::size_t i) { return i % 2 == 0; });
  index_sample_corpus(b, [](std::size_t i) { return i % 2 == 1; });
  const int pa = free_port(), pb = free_port();
  const std::string tcpsrv = "/usr/bin/xapian-tcpsrv";
  REQUIRE(fs::exists(tcpsrv));
  auto shard_a = std::make_unique<Process>(std::vector<std::string>{tcpsrv, "--interface", "127.0.0.1", "--port", std::to_string(pa), "--idle-timeout", "0", "--quiet", a});
  Process shard_b({tcpsrv, "--interface", "127.0.0.1", "--port", std::to_string(pb), "--idle-timeout", "0", "--quiet", b});
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const auto stub = dir.write("shards.stub", "remote 127.0.0.1:" + std::to_string(pa) + "\nremote 127.0.0.1:" + std::to_string(pb) + "\n");
  Server server(stub.string());
  httplib::Client c("127.0.0.1", server.port());
  for (const std::string q : {"/api/search?facet_size=100", "/api/search?facet_size=100&q=rockets&location=sy",
                              "/api/search?facet_size=100&group=kataib-hezbollah&histogram=month"}) {
    CAPTURE(q);
    const json one = get_json(q);
    auto res = c.Get(q.c_str());
    REQUIRE(res);
    REQUIRE(res->status == 200);
    const json two = json::parse(res->body);
    CHECK(two["total"] == one["total"]);
    for (Facet f : kAllFacets)
      CHECK(api_counts(two["facets"][std::string(facet_name(f))]) == api_counts(one["facets"][std::string(facet_name(f))]));
    CHECK(two["histogram"] == one["histogram"]);
  }
  // A shard restart: the server reconnects.
  shard_a->stop();
  shard_a = std::make_unique<Process>(std::vector<std::string>{tcpsrv, "--interface", "127.0.0.1", "--port", std::to_string(pa), "--idle-timeout", "0", "--quiet", a});
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  int status = 0;
  for (int tries = 0; tries < 5 && status != 200; ++tries) {
    auto res = c.Get("/api/search?facets=none");
    status = res ? res->status : 0;
    if (status == 200) CHECK(json::parse(res->body)["total"] == fixture().articles);
  }
  CHECK(status == 200);
}

TEST_CASE("incidents: searchable and faceted like articles, each linked to its reports") {
  const json all = get_json("/api/incidents?facet_size=100&per_page=100");
  const int incidents = all["total"];
  CHECK(incidents > 0);
  CHECK(incidents < static_cast<int>(fixture().articles));
  std::size_t reports = 0;
  for (const auto& h : all["hits"]) {
    for (const char* k : {"id", "title", "event_date", "location", "groups", "weapons", "killed", "injured", "report_count",
                          "first_report", "last_report", "summary", "related"})
      CHECK_MESSAGE(h.contains(k), k);
    reports += h["report_count"].get<std::size_t>();
  }
  CHECK(reports == fixture().articles);  // every article belongs to exactly one incident
  CHECK(get_json("/api/incidents?location=jo&facets=none")["total"].get<int>() >= 1);
  CHECK(get_json("/api/incidents?q=Rumalyn&facets=none")["total"].get<int>() >= 1);

  // An incident page lists its reports, and each report's article points back to it.
  const json tower = get_json("/api/incidents?q=%22Tower%2022%22&per_page=1&facets=none");
  REQUIRE(tower["hits"].size() == 1);
  const std::string id = tower["hits"][0]["id"];
  const json inc = get_json("/api/incidents/" + id);
  CHECK(inc["reports"].size() >= 2);
  CHECK_FALSE(inc["facts"].empty());
  for (const char* k : {"responds_to", "responded_by", "recalls", "recalled_by"}) CHECK(inc["related"].contains(k));
  for (const auto& r : inc["reports"]) CHECK(get_json("/api/articles/" + r["id"].get<std::string>())["incident"] == id);
  // Article hits carry their incident id.
  const json hit = get_json("/api/search?q=%22Tower%2022%22&per_page=1&facets=none");
  CHECK(hit["hits"][0]["incident"].is_string());
  get_json("/api/incidents/no-such-incident", 404);
}

TEST_CASE("related incidents can be walked in both directions") {
  const json all = get_json("/api/incidents?per_page=100&facets=none");
  int walked = 0;
  for (const auto& h : all["hits"])
    for (const auto& y : h["related"]["responds_to"]) {
      const json answered = get_json("/api/incidents/" + y.get<std::string>());
      bool back = false;
      for (const auto& b : answered["related"]["responded_by"]) back = back || b["id"] == h["id"];
      CHECK(back);
      ++walked;
    }
  CHECK(walked > 0);
}

TEST_CASE("incidents export like articles") {
  const int total = get_json("/api/incidents?facets=none")["total"];
  auto csv = client().Get("/api/export?type=incident&format=csv");
  REQUIRE(csv);
  CHECK(std::count(csv->body.begin(), csv->body.end(), '\n') == total + 1);
  get_json("/api/export?type=story", 400);
}
