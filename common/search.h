// Searching an incidex database: free text with Xapian's query syntax (folded like the index),
// facet filters (OR within a facet, AND across facets; places include everything under them,
// weapon categories their types), date, publication and casualty ranges, sorting, cursor paging,
// exact disjunctive facet counts, an event-date histogram, highlighted snippets and a spelling
// suggestion.
//
// A Searcher owns its Xapian objects and is NOT thread-safe: give each thread its own (they can
// share one Gazetteer). It reopens the database before each search so that new commits are seen,
// and retries when a commit discards the revision being read. On large local databases a search
// ranks and counts on helper threads of its own, with database handles of its own
// (set_parallel_counting).
#pragma once

#include <xapian.h>

#include <array>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "conjunction.h"
#include "gazetteer.h"
#include "value_columns.h"
#include "value_counter.h"

namespace incidex {

// A request the user got wrong: `param` names the parameter, `message` says what and where.
class SearchError : public std::invalid_argument {
 public:
  SearchError(std::string param, std::string code, const std::string& message)
      : std::invalid_argument(message), param_(std::move(param)), code_(std::move(code)) {}
  const std::string& param() const { return param_; }
  const std::string& code() const { return code_; }

 private:
  std::string param_, code_;
};

enum class SortOrder { relevance, date_asc, date_desc };
enum class Interval { day, week, month, year };

struct SearchRequest {
  std::string q;                                     // empty: every document
  std::map<Facet, std::vector<std::string>> filters; // facet → ids (OR within, AND across)
  bool any_role = false;                             // role=any: background mentions count too
  std::string date_from, date_to;                    // event date bounds, "YYYYMMDD", inclusive
  std::string published_from, published_to;
  std::optional<int> killed_min;
  std::optional<std::array<double, 4>> bbox;         // min lon, min lat, max lon, max lat of the main location
  SortOrder sort = SortOrder::relevance;
  unsigned offset = 0;                               // from the cursor
  unsigned per_page = 20;
  std::vector<Facet> facets = {Facet::group, Facet::weapon, Facet::place, Facet::source};
  unsigned facet_size = 10;
  std::optional<Interval> histogram;
  std::string type = "article";                      // document type to search
  double time_limit = 2.0;                           // seconds for counting before counts turn approximate
};

struct Hit {
  Xapian::docid docid = 0;
  double score = 0;
  nlohmann::json record;  // the stored explain record (without the text)
  std::string snippet;    // HTML-escaped, matched words in <mark>
};

struct FacetCount {
  std::string id;
  std::string name;
  std::string parent;  // first parent id in the gazetteer ("" for none): builds trees
  Xapian::doccount count = 0;
  bool selected = false;
};

struct FacetResult {
  std::vector<FacetCount> values;
  std::size_t other = 0;  // distinct values not listed
};

struct Bucket {
  std::string key;  // "2024-01-28", "2024-W04", "2024-01", "2024"
  Xapian::doccount count = 0;
};

struct SearchResult {
  Xapian::doccount total = 0;
  bool exact = true;  // false when the time limit cut counting short
  std::vector<Hit> hits;
  std::map<Facet, FacetResult> facets;
  std::vector<Bucket> histogram;
  std::string suggestion;
  std::optional<unsigned> next_offset;
  double took_ms = 0;
};

struct TimeBound;  // a request's deadline (search.cpp)

class Searcher {
 public:
  // Opens `db` (a database folder or a stub file listing shards). Throws Xapian::Error.
  Searcher(std::string db, const Gazetteer& gazetteer);

  // Ranking (the hits) and counting (facets, histogram, totals) split the docid range between
  // `threads` threads, each with its own database handle, on single local databases of at least
  // `min_docs` documents.
  // Default: one thread per core (at most 4) from 50,000 documents.
  void set_parallel_counting(Xapian::doccount min_docs, unsigned threads);
  // Counting passes whose query is a conjunction of terms under filters the value columns hold
  // walk the posting lists themselves (conjunction.h) instead of running Xapian's matcher, once
  // the columns are built. On by default; the counts are the same either way.
  void set_direct_counting(bool on) { direct_counting_ = on; }
  // Runs a search. Throws SearchError for a bad query; Xapian::Error for database failures.
  SearchResult search(const SearchRequest& r);

  // Throws SearchError when the request's query cannot be parsed; does not search.
  void check(const SearchRequest& r);

  // Calls `row` with the stored record of every matching document (all of them, in docid
  // order, one at a time), for exports. Filters as search(); sort and paging are ignored.
  void for_each(const SearchRequest& r, const std::function<void(const nlohmann::json&, const Xapian::Document&)>& row);

  // The stored record and text of one document by id; nullopt when there is none.
  std::optional<nlohmann::json> get(const std::string& id, const std::string& type = "article");

  // Facet values whose name or any alias starts with `prefix` (folded, word by word), with
  // counts under the request's filters (its own facet's selection ignored), most frequent first.
  FacetResult facet_values(const SearchRequest& r, Facet f, const std::string& prefix, unsigned limit);

  // Stored records of documents carrying `term` (at most `limit`), e.g. the incidents whose
  // related.responds_to names one ("XR<id>").
  std::vector<nlohmann::json> records_with_term(const std::string& term, unsigned limit = 50);

  // Document count; reopens first.
  Xapian::doccount doc_count();

  // Index overview: document count, distinct values and the `top` most frequent values of each
  // facet (main role), and the first and last event dates.
  nlohmann::json stats(unsigned top);

  const Gazetteer& gazetteer() const { return gazetteer_; }

 private:
  // Reopens the database at its latest revision (afresh when a remote shard went away).
  void reopen();
  template <class F>
  auto with_retry(F&& f) -> decltype(f());
  Xapian::Query text_query(const SearchRequest& r, std::string* suggestion);
  Xapian::Query filter_query(const SearchRequest& r, std::optional<Facet> except);
  Xapian::Query full_query(const SearchRequest& r, std::string* suggestion);
  // The documents of `text` under the request's filters (without facet `except`'s selection) as a
  // Conjunction over the value columns — the same documents as the query filter_query() makes —
  // or nullopt when the query has another shape, filters on values that are not in columns, or
  // the columns are not built.
  std::optional<Conjunction> conjunction(const SearchRequest& r, std::optional<Facet> except, const Xapian::Query& text);
  // What a pass ranks: the first `wanted` matches in `sort` order (it may stop once no other
  // match can enter them).
  struct Ranking {
    SortOrder sort = SortOrder::relevance;
    Xapian::doccount wanted = 0;
  };

 public:
  struct Ranked {
    Xapian::docid docid;
    double weight;
    std::string key;  // the sort value (empty by relevance)
  };

 private:
  // What one pass over the matches of a query found: counts of some slots' values, or the best
  // matches.
  struct Pass {
    std::unique_ptr<ValueCounter> counter;  // null when nothing was counted
    bool complete = true;                   // false when the time bound ended counting early
    std::vector<Ranked> hits;               // when ranking: the first `wanted`, best first
    Xapian::doccount lower = 0, upper = 0, estimated = 0;  // Xapian's match counts, summed over parts
    Xapian::doccount total() const { return counter ? counter->total() : 0; }
    void for_each(Xapian::valueno slot, const std::function<void(const std::string&, Xapian::doccount)>& f) const {
      if (counter) counter->for_each(slot, f);
    }
  };
  // Builds a query afresh at each call: threads must not share any part of a Xapian::Query.
  using QueryMaker = std::function<Xapian::Query()>;
  // The request's full query; the first call returns `built` (the caller's, used by no other thread).
  QueryMaker full_query_maker(const SearchRequest& r, const Xapian::Query& built);
  // The request's query without facet `f`'s selection (a disjunctive facet count).
  QueryMaker disjunctive_query_maker(const SearchRequest& r, Facet f);
  // Without a ranking, visits every match of the query within `bound`, counting them and
  // `slots`; with one, keeps the best matches (as one Enquire over the whole database would rank
  // them) and counts nothing (`slots` is ignored). On a large local database the docid range is
  // split between threads, each with its own handle at the same revision and its own query from
  // `make_query`; their hits are merged. A pass given `direct` (the same documents as the query)
  // walks it with a ConjunctionCursor instead of Xapian's matcher when walks() says so; such a
  // pass counts `slots` and, given a ranking, keeps the best matches too.
  Pass run_pass(const QueryMaker& make_query, const std::optional<TimeBound>& bound,
                const std::vector<Xapian::valueno>& slots, double remote_time_limit,
                const std::optional<Ranking>& ranking = std::nullopt, const Conjunction* direct = nullptr);
  // Whether a pass over `direct` counting `slots` (and ranking, when given) walks posting lists:
  // the database is local, its columns are built and hold the slots, and the weights, when
  // ranking, are known.
  bool walks(const Conjunction* direct, const std::vector<Xapian::valueno>& slots,
             const std::optional<Ranking>& ranking);
  // The hits of `ranked` (in its order) with their stored records and snippets of `text`, read
  // on the threads and handles of a pass.
  std::vector<Hit> read_hits(const SearchRequest& r, const std::vector<Ranked>& ranked, const Xapian::Query& text);
  // The handles a pass uses: this searcher's database, then one more per extra thread when the
  // database is local, single and large enough, and every handle is at the same revision.
  std::vector<Xapian::Database*> pass_handles();
  std::map<std::string, Xapian::doccount> count_facet(const QueryMaker& make_query, const std::optional<TimeBound>& bound,
                                                      Facet f, bool any_role, bool* exact,
                                                      const std::optional<Conjunction>& direct = std::nullopt);
  // The ids a facet's packed slot value ("a|b") counts for: each id and its ancestors (umbrella
  // groups, weapon categories, enclosing places), once each. Cached: values repeat across searches.
  const std::vector<const std::string*>& expand(Facet f, const std::string& packed);
  // Adds the counts of a facet's packed values to `out`, per id (see expand()).
  void add_packed_counts(const Pass& counts, Xapian::valueno slot, Facet f,
                         std::map<std::string, Xapian::doccount>& out);
  // The database's value columns at the revision open, when built (value_columns.h).
  std::shared_ptr<const ValueColumns> columns();

  std::string path_;
  const Gazetteer& gazetteer_;
  Xapian::Database db_;
  Xapian::QueryParser parser_;
  Xapian::Stem stemmer_{"english"};
  bool remote_ = false;  // a stub naming remote shards (bounded by Xapian's time limit)
  bool pairs_ = false;   // every document has word pairs (word_pairs::complete), as of the last reopen
  static constexpr std::size_t kMaxExpansions = 100000;  // cached packed values per facet
  Xapian::doccount partition_min_ = 50000;  // documents before a pass is split between threads
  unsigned partitions_wanted_;              // threads per pass
  bool direct_counting_ = true;
  std::vector<Xapian::Database> partitions_;  // handles for the extra threads of a pass
  std::array<std::unordered_map<std::string, std::vector<const std::string*>>, 4> expansions_;
  std::unordered_set<std::string> ids_;  // the ids expansions point to
};

// "2024", "2024-01" or "2024-01-28" → the first ("YYYYMMDD") or last day it covers.
// Throws SearchError naming `param` when the value is not such a date.
std::string date_bound(const std::string& value, bool upper, const std::string& param);

// Encodes / decodes the opaque paging cursor. decode throws SearchError("cursor", ...).
std::string encode_cursor(unsigned offset);
unsigned decode_cursor(const std::string& cursor);

// Builds an HTML snippet of `text` around the words of `query`, matched by folded key or stem,
// `<mark>`-ing them, and the words inside `spans` (code point ranges, e.g. the mentions of an
// entity the query names); at most about `words` words. Without matches, the first words.
std::string make_snippet(const std::string& text, const Xapian::Query& query, unsigned words = 40,
                         const std::vector<std::pair<std::uint32_t, std::uint32_t>>& spans = {});

}  // namespace incidex
