// Engine-level search helpers: date bounds, cursors, snippets; and a Searcher over a small index.
#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "schema.h"
#include "search.h"
#include "test_support.h"

using namespace incidex;
using namespace incidex::testing;

TEST_CASE("date bounds expand years and months to their first and last days") {
  CHECK(date_bound("2024", false, "date_from") == "20240000");
  CHECK(date_bound("2024", true, "date_to") == "20241231");
  CHECK(date_bound("2024-02", false, "date_from") == "20240200");
  CHECK(date_bound("2024-02", true, "date_to") == "20240231");
  CHECK(date_bound("2024-02-29", true, "date_to") == "20240229");
  for (const char* bad : {"24", "2024-2", "2024-13", "2023-02-29", "2024/01/01", "abcd", "2024-01-01x"}) {
    CAPTURE(std::string(bad));
    CHECK_THROWS_AS(date_bound(bad, false, "date_from"), SearchError);
  }
  try {
    date_bound("2024-13", false, "published_from");
  } catch (const SearchError& e) {
    CHECK(e.param() == "published_from");
    CHECK(std::string(e.what()).find("2024-13") != std::string::npos);
  }
}

TEST_CASE("cursors round-trip and reject anything else") {
  for (unsigned o : {0u, 1u, 20u, 12345u, 99999999u}) CHECK(decode_cursor(encode_cursor(o)) == o);
  CHECK_THROWS_AS(decode_cursor(""), SearchError);
  CHECK_THROWS_AS(decode_cursor("!!"), SearchError);
  CHECK_THROWS_AS(decode_cursor("abc"), SearchError);
}

TEST_CASE("snippets mark folded and stemmed matches and escape HTML") {
  const std::string text = "Militants fired rockets at <the> base. Kata\xE2\x80\x99ib Hezbollah denied it. The attack failed.";
  Xapian::QueryParser qp;
  qp.set_stemmer(Xapian::Stem("english"));
  qp.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
  const auto q = qp.parse_query("kataib rocket");
  const std::string s = make_snippet(text, q, 40);
  CHECK(s.find("<mark>Kata\xE2\x80\x99ib</mark>") != std::string::npos);
  CHECK(s.find("<mark>rockets</mark>") != std::string::npos);  // stem match
  CHECK(s.find("&lt;the&gt;") != std::string::npos);
  CHECK(s.find("<the>") == std::string::npos);
  // Mention spans are marked too (code points 0-9: "Militants").
  CHECK(make_snippet(text, Xapian::Query(), 40, {{0, 9}}).find("<mark>Militants</mark>") != std::string::npos);
}

TEST_CASE("a Searcher answers over a small index: totals, filters, get, facet values") {
  TempDir dir;
  const std::string db = (dir.path / "db").string();
  const auto n = index_sample_corpus(db, [](std::size_t i) { return i < 20; });
  Searcher s(db, shipped_gazetteer());
  SearchRequest all;
  CHECK(s.search(all).total == n);
  SearchRequest none;
  none.q = "zzzznotaword";
  CHECK(s.search(none).total == 0);
  SearchRequest bad;
  bad.q = "(attack AND";
  CHECK_THROWS_AS(s.search(bad), SearchError);
  const auto first = s.search(all).hits.at(0).record["id"].get<std::string>();
  REQUIRE(s.get(first));
  CHECK(s.get(first)->at("id") == first);
  CHECK_FALSE(s.get("no-such-id"));
  SearchRequest by_country = all;
  by_country.filters[Facet::place] = {"iq"};
  CHECK(s.search(by_country).total <= n);
  CHECK(s.doc_count() == n);
}

TEST_CASE("the time limit ends counting early and marks the counts approximate") {
  TempDir dir;
  const std::string db = (dir.path / "db").string();
  const auto n = index_sample_corpus(db, [](std::size_t i) { return i < 20; });
  Searcher s(db, shipped_gazetteer());
  SearchRequest unbounded;
  unbounded.time_limit = 0;
  unbounded.filters[Facet::place] = {"iq"};  // one disjunctive pass besides the main one
  const SearchResult full = s.search(unbounded);
  CHECK(full.exact);
  CHECK(full.total > 0);
  CHECK(full.total <= n);

  SearchRequest generous = unbounded;
  generous.time_limit = 60;
  const SearchResult same = s.search(generous);
  CHECK(same.exact);
  CHECK(same.total == full.total);
  CHECK(same.facets.at(Facet::group).values.size() == full.facets.at(Facet::group).values.size());

  SearchRequest instant = unbounded;
  instant.time_limit = 1e-9;  // expired before the first document is checked
  const SearchResult cut = s.search(instant);
  CHECK_FALSE(cut.exact);
  CHECK(cut.total < full.total);
  FacetResult values = s.facet_values(instant, Facet::place, "", 10);
  CHECK(values.values.empty());
}

namespace {

// Total, facet counts, histogram and hit ids of a result, as comparable lines.
std::vector<std::string> summary(const SearchResult& r) {
  std::vector<std::string> out = {std::to_string(r.total), r.exact ? "exact" : "approximate"};
  for (const auto& [f, fr] : r.facets)
    for (const auto& v : fr.values) out.push_back(std::string(facet_name(f)) + ":" + v.id + "=" + std::to_string(v.count));
  for (const auto& b : r.histogram) out.push_back(b.key + "=" + std::to_string(b.count));
  for (const auto& h : r.hits) out.push_back("hit " + h.record.value("id", ""));
  return out;
}

// Waits (up to 10 s) until the database's shared value columns exist.
bool columns_built(const std::string& db) {
  const Xapian::Database reader(db);
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!shared_columns(db, reader, {}) && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  return shared_columns(db, reader, {}) != nullptr;
}

// The sample corpus, searched on one thread and on three (split from the first document on).
struct OneAndThreeThreads {
  TempDir dir;
  std::string db = (dir.path / "db").string();
  std::size_t articles = index_sample_corpus(db);
  Searcher one{db, shipped_gazetteer()}, three{db, shipped_gazetteer()};
  OneAndThreeThreads() {
    one.set_parallel_counting(1, 1);
    three.set_parallel_counting(1, 3);
  }
};

}  // namespace

TEST_CASE("facet counts and histograms are the same before and after the value columns are built") {
  TempDir dir;
  const std::string db = (dir.path / "db").string();
  index_sample_corpus(db, [](std::size_t) { return true; });
  Searcher s(db, shipped_gazetteer());
  std::vector<SearchRequest> requests(3);
  requests[0].histogram = Interval::month;
  requests[1].any_role = true;
  requests[1].q = "attack";
  requests[2].filters[Facet::place] = {"iq"};  // a disjunctive pass for locations
  requests[2].histogram = Interval::year;
  std::vector<std::vector<std::string>> before;
  // The first search asks for the columns and counts without them (later ones may already use them).
  for (const auto& r : requests) before.push_back(summary(s.search(r)));

  REQUIRE(columns_built(db));
  for (size_t i = 0; i < requests.size(); ++i) {
    CAPTURE(i);
    CHECK(summary(s.search(requests[i])) == before[i]);  // counted through the columns
    CHECK(before[i].size() > 5);
  }
}

TEST_CASE_FIXTURE(OneAndThreeThreads, "counting split between threads gives the same results as on one thread") {
  std::vector<SearchRequest> requests(4);
  requests[0].histogram = Interval::month;
  requests[1].q = "rocket OR drone";
  requests[1].any_role = true;
  requests[2].filters[Facet::place] = {"iq", "sy"};  // a disjunctive pass too
  requests[2].histogram = Interval::year;
  requests[3].q = "attack";
  requests[3].sort = SortOrder::date_desc;
  requests[3].offset = 5;
  for (size_t i = 0; i < requests.size(); ++i) {
    CAPTURE(i);
    const auto a = summary(one.search(requests[i])), b = summary(three.search(requests[i]));
    CHECK(a == b);
    CHECK(a.size() > 10);
  }
  const FacetResult va = one.facet_values(requests[1], Facet::group, "", 20), vb = three.facet_values(requests[1], Facet::group, "", 20);
  REQUIRE(va.values.size() == vb.values.size());
  for (size_t i = 0; i < va.values.size(); ++i) CHECK(va.values[i].count == vb.values[i].count);
  CHECK(one.stats(5) == three.stats(5));
}

TEST_CASE_FIXTURE(OneAndThreeThreads, "hits ranked on several threads come in the order of one ranking over the whole database") {
  const auto ranked = [](const SearchResult& r) {
    std::vector<std::tuple<std::string, double, std::string, std::string>> out;
    for (const Hit& h : r.hits) out.emplace_back(h.record.value("id", ""), h.score, h.snippet, h.record.dump());
    return out;
  };
  for (const std::string q : {"", "attack", "rocket OR drone OR base", "\"air base\""})
    for (SortOrder sort : {SortOrder::relevance, SortOrder::date_desc, SortOrder::date_asc})
      for (unsigned offset : {0u, 7u}) {
        for (bool counted : {true, false}) {
          CAPTURE(q);
          CAPTURE(static_cast<int>(sort));
          CAPTURE(offset);
          CAPTURE(counted);
          SearchRequest r;
          r.q = q;
          r.sort = sort;
          r.offset = offset;
          r.per_page = 30;
          if (!counted) r.facets.clear();  // no counting: hits and total only
          const SearchResult a = one.search(r), b = three.search(r);
          CHECK(a.total == b.total);
          CHECK(a.exact == b.exact);
          CHECK(ranked(a) == ranked(b));  // same documents, scores, order, records and snippets (read on 3 threads)
          CHECK(!a.hits.empty());
          if (!q.empty()) CHECK(a.hits.front().snippet.find("<mark>") != std::string::npos);
        }
      }
}

TEST_CASE("counting by walking posting lists gives what Xapian's matcher counts") {
  TempDir dir;
  const std::string db = (dir.path / "db").string();
  index_sample_corpus(db, [](std::size_t) { return true; });
  REQUIRE(columns_built(db));
  Searcher walked(db, shipped_gazetteer()), matched(db, shipped_gazetteer());
  matched.set_direct_counting(false);
  std::vector<SearchRequest> requests(13);
  requests[0].histogram = Interval::month;  // every article
  requests[1].q = "attack";
  requests[2].q = "rocket drone -base";  // two clauses and an excluded term
  requests[2].any_role = true;
  requests[3].q = "rocket OR drone";
  requests[3].filters[Facet::place] = {"iq", "sy"};  // and a disjunctive pass for places
  requests[3].histogram = Interval::year;
  requests[4].q = "attack";
  requests[4].filters[Facet::group] = {"kataib-hezbollah"};
  requests[4].filters[Facet::weapon] = {"rocket", "drone"};
  requests[4].date_from = "20230101";
  requests[4].date_to = "20241231";
  requests[5].date_from = "20240201";  // a date range alone, open above
  requests[6].q = "\"air base\"";  // a phrase: matched either way
  requests[7].q = "attack";
  requests[7].killed_min = 1;  // a value the columns do not hold: matched either way
  requests[8].q = "zzzunknownword";
  requests[9].q = "attack -rocket";
  requests[9].facets.clear();  // nothing to count but the total
  requests[10] = requests[4];     // ranked while walked, by date, and a second page
  requests[10].sort = SortOrder::date_desc;
  requests[11].q = "rocket drone";
  requests[11].sort = SortOrder::date_asc;
  requests[12].q = "attack";
  requests[12].offset = 7;
  requests[12].per_page = 5;
  for (size_t i = 0; i < requests.size(); ++i) {
    CAPTURE(i);
    const SearchResult ra = walked.search(requests[i]), rb = matched.search(requests[i]);
    const auto a = summary(ra), b = summary(rb);
    CHECK(a == b);
    if (i < 8 || i > 9) CHECK(a.size() > 5);
    if (i == 9) CHECK(std::stoul(a.front()) > 3);
    REQUIRE(ra.hits.size() == rb.hits.size());
    for (size_t k = 0; k < ra.hits.size(); ++k) CHECK(ra.hits[k].score == rb.hits[k].score);  // weighed the same
  }
  for (Facet f : {Facet::place, Facet::weapon}) {
    const FacetResult va = walked.facet_values(requests[4], f, "", 50), vb = matched.facet_values(requests[4], f, "", 50);
    REQUIRE(va.values.size() == vb.values.size());
    CHECK(!va.values.empty());
    for (size_t i = 0; i < va.values.size(); ++i) CHECK(va.values[i].count == vb.values[i].count);
  }
  CHECK(walked.stats(5) == matched.stats(5));

  SearchRequest instant = requests[3];
  instant.time_limit = 1e-9;  // expired before the first document is counted
  const SearchResult cut = walked.search(instant);
  CHECK_FALSE(cut.exact);
  CHECK(cut.total < walked.search(requests[3]).total);
}

TEST_CASE("event date ranges find exactly the documents whose date value lies in them") {
  TempDir dir;
  const std::string db = (dir.path / "db").string();
  std::vector<std::string> values;  // event date values, as make_document stores them
  {
    Xapian::WritableDatabase w(db, Xapian::DB_CREATE);
    for (int i = 0; i < 600; ++i) {
      const int y = 2022 + i % 4, m = 1 + (i / 4) % 12, d = 1 + (i / 48) % 28;
      const bool month_only = i % 7 == 0, undated = i % 11 == 0;
      const std::string ymd = undated ? "" : fmt::format("{:04d}{:02d}{:02d}", y, m, month_only ? 0 : d);
      Xapian::Document doc;
      doc.add_boolean_term(std::string(schema::kTypePrefix) + std::string(schema::kArticleType));
      if (!ymd.empty()) {
        doc.add_value(schema::kEventDate, ymd);
        if (!month_only) doc.add_boolean_term(std::string(schema::kDayPrefix) + ymd);
        doc.add_boolean_term(std::string(schema::kMonthPrefix) + ymd.substr(0, 6));
        doc.add_boolean_term(std::string(schema::kYearPrefix) + ymd.substr(0, 4));
      }
      w.add_document(doc);
      values.push_back(ymd);
    }
    w.commit();
  }
  Searcher s(db, shipped_gazetteer());
  const auto check_ranges = [&] {
    const std::vector<std::pair<std::string, std::string>> ranges = {
        {"2024", "2024"}, {"2023", "2024"}, {"2024-01", "2024-02"}, {"2024-01-15", "2024-03-10"},
        {"2024-02-10", ""}, {"", "2023-12-31"}, {"2019", ""}, {"2024-03", "2024-03"}, {"1990", "1991"},
        {"2022-12-31", "2023-01-01"}, {"2024-01-15", "2025-12-31"}, {"2023-01-15", ""}, {"", ""}};
    for (const auto& [from, to] : ranges) {
      CAPTURE(from);
      CAPTURE(to);
      SearchRequest r;
      r.date_from = from.empty() ? "" : date_bound(from, false, "date_from");
      r.date_to = to.empty() ? "" : date_bound(to, true, "date_to");
      Xapian::doccount want = 0;
      for (const auto& v : values)
        if ((from.empty() && to.empty()) ||
            (!v.empty() && (r.date_from.empty() || v >= r.date_from) && (r.date_to.empty() || v <= r.date_to)))
          ++want;
      CHECK(s.search(r).total == want);
      if (!from.empty() || !to.empty()) CHECK(want < values.size());
    }
  };
  check_ranges();  // the first searches run before the value columns exist: by Xapian's value ranges
  REQUIRE(columns_built(db));
  check_ranges();  // read from the columns
}
