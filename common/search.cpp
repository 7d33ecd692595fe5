#include "search.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <fstream>
#include <future>
#include <limits>
#include <set>
#include <thread>
#include <unordered_map>
#include <utility>

#include "dates.h"
#include "normalize.h"
#include "schema.h"
#include "tokenizer.h"
#include "value_counter.h"
#include "word_pairs.h"

namespace incidex {

namespace {

constexpr std::size_t kMaxQueryBytes = 1000;
constexpr int kMaxRetries = 3;
// How long a read keeps starting again at the newest revision while commits discard the revision
// it reads (DatabaseModifiedError): the indexer commits every batch, and a slow request under
// load can be overtaken by commits several times in a row.
constexpr auto kRetryModifiedFor = std::chrono::seconds(5);

char facet_letter(Facet f) {
  switch (f) {
    case Facet::group: return 'g';
    case Facet::weapon: return 'w';
    case Facet::place: return 'l';
    case Facet::source: return 's';
  }
  return '?';
}

// "entity:g12" (facet letter, index in the gazetteer's list: one word for the query parser) →
// the exact-mention term of that entity.
class EntityProcessor : public Xapian::FieldProcessor {
 public:
  explicit EntityProcessor(const Gazetteer& g) : g_(g) {}
  Xapian::Query operator()(const std::string& value) override {
    if (value.size() < 2) return Xapian::Query();
    Facet f;
    switch (value[0]) {
      case 'g': f = Facet::group; break;
      case 'w': f = Facet::weapon; break;
      case 'l': f = Facet::place; break;
      default: return Xapian::Query();
    }
    const auto& list = g_.entities(f);
    const unsigned long i = std::strtoul(value.c_str() + 1, nullptr, 10);
    if (i >= list.size()) return Xapian::Query();
    return Xapian::Query(std::string(schema::mention_prefix(f)) + list[i].id);
  }

 private:
  const Gazetteer& g_;
};

// A time bound for one request, as a filter that matches every document (of a docid range) until
// the deadline and then ends, which ends the match. Xapian's own Enquire::set_time_limit() is not
// used: its timer thread writes its flag after the match may have returned (1.4's matchtimeout.h
// does not wait for the notification in timer_delete), which corrupted memory under load.
class Deadline : public Xapian::PostingSource {
 public:
  using Clock = std::chrono::steady_clock;
  Deadline(Clock::time_point at, std::shared_ptr<std::atomic<bool>> expired, Xapian::docid first = 1,
           Xapian::docid last = std::numeric_limits<Xapian::docid>::max())
      : at_(at), expired_(std::move(expired)), first_(std::max<Xapian::docid>(first, 1)), last_wanted_(last) {}

  void init(const Xapian::Database& db) override {
    current_ = first_ - 1;
    last_ = std::min(last_wanted_, db.get_lastdocid());
    docs_ = std::min<Xapian::doccount>(db.get_doccount(), last_ >= first_ ? last_ - first_ + 1 : 0);
  }
  Xapian::doccount get_termfreq_min() const override { return 0; }
  Xapian::doccount get_termfreq_est() const override { return docs_; }
  Xapian::doccount get_termfreq_max() const override { return docs_; }
  void next(double) override { move_to(std::max(current_ + 1, first_)); }
  void skip_to(Xapian::docid did, double) override { move_to(std::max({did, current_, first_})); }
  bool at_end() const override { return current_ > last_ || expired_->load(std::memory_order_relaxed); }
  Xapian::docid get_docid() const override { return current_; }
  Deadline* clone() const override { return new Deadline(at_, expired_, first_, last_wanted_); }
  std::string get_description() const override { return "Deadline"; }

 private:
  void move_to(Xapian::docid did) {
    current_ = did;
    if ((steps_++ & 255) == 0 && Clock::now() >= at_) expired_->store(true, std::memory_order_relaxed);
  }

  Clock::time_point at_;
  std::shared_ptr<std::atomic<bool>> expired_;
  Xapian::docid first_, last_wanted_;
  Xapian::docid current_ = 0, last_ = 0;
  Xapian::doccount docs_ = 0;
  unsigned steps_ = 0;
};

}  // namespace

// The time bound of one request, shared by its passes (hits, counts, one per disjunctive facet).
struct TimeBound {  // declared in search.h
  Deadline::Clock::time_point at;
  std::shared_ptr<std::atomic<bool>> expired = std::make_shared<std::atomic<bool>>(false);

  TimeBound(Deadline::Clock::time_point start, double seconds)
      : at(start + std::chrono::duration_cast<Deadline::Clock::duration>(std::chrono::duration<double>(seconds))) {}
  Xapian::Query operator()(const Xapian::Query& q) const {
    return Xapian::Query(Xapian::Query::OP_FILTER, q, Xapian::Query((new Deadline(at, expired))->release()));
  }
  bool hit() const { return expired->load(); }
  // Whether the deadline has passed (and then says so to every pass of the request).
  bool due() const {
    if (hit()) return true;
    if (Deadline::Clock::now() < at) return false;
    expired->store(true);
    return true;
  }
};

namespace {

// `q` restricted to the documents first..last, and to the time bound when there is one.
Xapian::Query restrict(const Xapian::Query& q, const std::optional<TimeBound>& bound, Xapian::docid first,
                       Xapian::docid last) {
  auto* filter = bound ? new Deadline(bound->at, bound->expired, first, last)
                       : new Deadline(Deadline::Clock::time_point::max(), std::make_shared<std::atomic<bool>>(false),
                                      first, last);
  return Xapian::Query(Xapian::Query::OP_FILTER, q, Xapian::Query(filter->release()));
}

// A local database is bounded by a Deadline filter; a remote one by Xapian's time limit, applied
// in the remote server.
std::optional<TimeBound> time_bound(bool remote, const SearchRequest& r, Deadline::Clock::time_point start) {
  if (remote || r.time_limit <= 0) return std::nullopt;
  return TimeBound(start, r.time_limit);
}

// Whether `path` is a stub file (or a folder with one) naming a remote shard: custom filters
// cannot cross the network, so such searches fall back to Xapian's time limit, run in the remote
// server.
bool names_remote_shard(const std::string& path) {
  std::error_code ec;
  std::filesystem::path stub = path;
  if (std::filesystem::is_directory(stub, ec)) stub /= "XAPIANDB";  // a folder opened through its stub
  if (!std::filesystem::is_regular_file(stub, ec)) return false;
  std::ifstream in(stub);
  std::string line;
  while (std::getline(in, line)) {
    const auto at = line.find_first_not_of(" \t");
    if (at != std::string::npos && line.compare(at, 6, "remote") == 0) return true;
  }
  return false;
}

// A query matching every document, built afresh. Not Xapian::Query::MatchAll: that is one static
// object whose reference count is not atomic, so server threads copying it at once corrupted the
// count and freed it while other requests still used it (a crash in Enquire::set_query).
Xapian::Query match_all() { return Xapian::Query(std::string()); }

// The spelling correction of a folded query: each plain word that no document contains (not an
// operator, a field name or a word after one, an excluded or required word, or a wildcard) is
// replaced by the database's suggestion for it; "" when nothing changes. Word by word here rather
// than with QueryParser's FLAG_SPELLING_CORRECTION, which in libxapian 1.4.22 leaks a term object
// whenever the spelling lookup throws, as it does when commits discard the revision being read.
std::string spelling_suggestion(const Xapian::Database& db, const std::string& folded) {
  static constexpr std::array<std::string_view, 6> kOperators = {"AND", "OR", "NOT", "XOR", "NEAR", "ADJ"};
  std::string out;
  size_t at = 0;
  bool changed = false;
  for (const Token& t : tokenize(folded)) {
    const std::string_view word = t.text_in(folded);
    const char prev = t.byte_begin > 0 ? folded[t.byte_begin - 1] : ' ';
    const char next = t.byte_end < folded.size() ? folded[t.byte_end] : ' ';
    if (t.number || prev == ':' || prev == '-' || prev == '+' || next == ':' || next == '*' ||
        std::find(kOperators.begin(), kOperators.end(), word) != kOperators.end())
      continue;
    const std::string term(word);
    if (db.term_exists(term)) continue;
    const std::string better = db.get_spelling_suggestion(term);
    if (better.empty() || better == term) continue;
    out.append(folded, at, t.byte_begin - at);
    out += better;
    at = t.byte_end;
    changed = true;
  }
  if (!changed) return {};
  out.append(folded, at, std::string::npos);
  return out;
}

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 16);
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// ISO 8601 week key of a day: "2024-W04".
std::string iso_week(const Date& d) {
  const int wd = (d.weekday() + 6) % 7;  // Monday = 0
  const Date thursday = Date::from_days(d.days() - wd + 3);
  const long jan1 = Date::ymd(thursday.year, 1, 1).days();
  const long week = (thursday.days() - jan1) / 7 + 1;
  return fmt::format("{:04}-W{:02}", thursday.year, week);
}

std::string bucket_key(const Date& d, Interval iv) {
  switch (iv) {
    case Interval::day: return d.iso();
    case Interval::week: return iso_week(d);
    case Interval::month: return fmt::format("{:04}-{:02}", d.year, d.month);
    case Interval::year: return fmt::format("{:04}", d.year);
  }
  return {};
}

// A "YYYYMMDD" value or bound as a day: day 00 (month precision) is the month's first day, and a
// day past the month's end (an upper bound such as "20240631") its last.
std::optional<Date> day_of(const std::string& ymd) {
  if (ymd.size() != 8) return std::nullopt;
  const int y = std::atoi(ymd.substr(0, 4).c_str()), m = std::atoi(ymd.substr(4, 2).c_str());
  int d = std::atoi(ymd.substr(6, 2).c_str());
  if (m < 1 || m > 12) return std::nullopt;
  if (d == 0) d = 1;
  while (d > 28 && !is_valid_day(y, m, d)) --d;
  if (!is_valid_day(y, m, d)) return std::nullopt;
  return Date::ymd(y, m, d);
}

// The text spans of the mentions of entities that the query names by exact-mention term.
std::vector<std::pair<std::uint32_t, std::uint32_t>> entity_spans(const nlohmann::json& record, const Xapian::Query& q) {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> out;
  std::set<std::pair<std::string, std::string>> wanted;  // (record field, id)
  for (auto it = q.get_unique_terms_begin(); it != q.get_unique_terms_end(); ++it) {
    const std::string t = *it;
    for (auto [f, field] : {std::pair{Facet::group, "groups"}, {Facet::weapon, "weapons"}, {Facet::place, "locations"}}) {
      const std::string_view prefix = schema::mention_prefix(f);
      if (t.size() > prefix.size() && t.compare(0, prefix.size(), prefix) == 0 && std::islower(static_cast<unsigned char>(t[prefix.size()])))
        wanted.emplace(field, t.substr(prefix.size()));
    }
  }
  for (const auto& [field, id] : wanted) {
    if (!record.contains(field)) continue;
    for (const auto& v : record[field])
      if (v.value("id", "") == id && v.contains("mentions"))
        for (const auto& m : v["mentions"])
          if (m.value("field", "") == "text") out.emplace_back(m.value("begin", 0u), m.value("end", 0u));
  }
  return out;
}

}  // namespace

std::string date_bound(const std::string& v, bool upper, const std::string& param) {
  const auto bad = [&] {
    return SearchError(param, "invalid_date", fmt::format("{} must be YYYY, YYYY-MM or YYYY-MM-DD, got '{}'", param, v));
  };
  const auto digits = [&](size_t at, size_t n) {
    if (v.size() < at + n) throw bad();
    for (size_t i = at; i < at + n; ++i)
      if (v[i] < '0' || v[i] > '9') throw bad();
    return std::atoi(v.substr(at, n).c_str());
  };
  const int y = digits(0, 4);
  if (v.size() == 4) return fmt::format("{:04}{}", y, upper ? "1231" : "0000");
  if (v[4] != '-') throw bad();
  const int m = digits(5, 2);
  if (m < 1 || m > 12) throw bad();
  if (v.size() == 7) return fmt::format("{:04}{:02}{}", y, m, upper ? "31" : "00");
  if (v.size() != 10 || v[7] != '-') throw bad();
  const int d = digits(8, 2);
  if (!is_valid_day(y, m, d)) throw bad();
  return fmt::format("{:04}{:02}{:02}", y, m, d);
}

std::string encode_cursor(unsigned offset) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const std::string raw = "o" + std::to_string(offset);
  std::string out;
  unsigned val = 0;
  int bits = 0;
  for (unsigned char c : raw) {
    val = (val << 8) | c;
    bits += 8;
    while (bits >= 6) {
      out += kAlphabet[(val >> (bits - 6)) & 63];
      bits -= 6;
    }
  }
  if (bits > 0) out += kAlphabet[(val << (6 - bits)) & 63];
  return out;
}

unsigned decode_cursor(const std::string& cursor) {
  const auto bad = [&] { return SearchError("cursor", "invalid_cursor", "cursor is not one returned by this API: '" + cursor + "'"); };
  if (cursor.empty() || cursor.size() > 24) throw bad();
  std::string raw;
  unsigned val = 0;
  int bits = 0;
  for (char c : cursor) {
    int v;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '-') v = 62;
    else if (c == '_') v = 63;
    else throw bad();
    val = (val << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      raw += static_cast<char>((val >> (bits - 8)) & 0xFF);
      bits -= 8;
    }
  }
  if (raw.size() < 2 || raw[0] != 'o') throw bad();
  unsigned long offset = 0;
  for (size_t i = 1; i < raw.size(); ++i) {
    if (raw[i] < '0' || raw[i] > '9') throw bad();
    offset = offset * 10 + static_cast<unsigned>(raw[i] - '0');
    if (offset > 100000000) throw bad();
  }
  return static_cast<unsigned>(offset);
}

std::string make_snippet(const std::string& text, const Xapian::Query& query, unsigned words,
                         const std::vector<std::pair<std::uint32_t, std::uint32_t>>& spans) {
  std::set<std::string> keys, stems;
  for (auto it = query.get_unique_terms_begin(); it != query.get_unique_terms_end(); ++it) {
    std::string t = *it;
    if (t.empty()) continue;
    if (t[0] == 'Z') {
      t.erase(0, 1);
      if (!t.empty() && t[0] == 'S') t.erase(0, 1);
      stems.insert(t);
    } else if (t[0] == 'S') {
      keys.insert(t.substr(1));
    } else if (!(t[0] >= 'A' && t[0] <= 'Z')) {
      keys.insert(t);
    }
  }
  const auto tokens = tokenize(text);
  if (tokens.empty()) return {};
  std::vector<char> hit(tokens.size(), 0);
  std::unordered_map<std::string_view, char> matches;  // word → matched, so each word is stemmed once
  for (size_t i = 0; i < tokens.size(); ++i) {
    auto [it, fresh] = matches.try_emplace(tokens[i].key, 0);
    if (fresh) it->second = keys.count(tokens[i].key) || (!stems.empty() && stems.count(stem(tokens[i].key)));
    hit[i] = it->second;
    for (const auto& [b, e] : spans) hit[i] = hit[i] || (tokens[i].begin >= b && tokens[i].end <= e);
  }
  // The window of `words` tokens with the most matches (the first such).
  const size_t w = std::min<size_t>(words, tokens.size());
  size_t best = 0, best_score = 0, score = 0;
  for (size_t i = 0; i < tokens.size(); ++i) {
    score += hit[i];
    if (i >= w) score -= hit[i - w];
    if (i + 1 >= w && score > best_score) {
      best_score = score;
      best = i + 1 - w;
    }
  }
  // Start a little before the first match of the window so that it is not the first word.
  if (best_score > 0) {
    size_t first = best;
    while (first < best + w && !hit[first]) ++first;
    best = first > 3 ? first - 3 : 0;
    if (best + w > tokens.size()) best = tokens.size() - w;
  }
  const size_t end = std::min(best + w, tokens.size());
  std::string out;
  if (best > 0) out += "\xE2\x80\xA6";
  size_t at = tokens[best].byte_begin;
  for (size_t i = best; i < end; ++i) {
    out += html_escape(std::string_view(text).substr(at, tokens[i].byte_begin - at));
    const std::string_view word = std::string_view(text).substr(tokens[i].byte_begin, tokens[i].byte_end - tokens[i].byte_begin);
    if (hit[i]) out += "<mark>" + html_escape(word) + "</mark>";
    else out += html_escape(word);
    at = tokens[i].byte_end;
  }
  if (end < tokens.size()) out += "\xE2\x80\xA6";
  else out += html_escape(std::string_view(text).substr(at));
  return out;
}

Searcher::Searcher(std::string db, const Gazetteer& gazetteer)
    : path_(std::move(db)),
      gazetteer_(gazetteer),
      db_(path_),
      remote_(names_remote_shard(path_)),
      partitions_wanted_(std::clamp(std::thread::hardware_concurrency(), 1u, 4u)) {
  parser_.set_database(db_);
  parser_.set_stemmer(stemmer_);
  parser_.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
  parser_.set_default_op(Xapian::Query::OP_AND);
  parser_.set_max_expansion(200, Xapian::Query::WILDCARD_LIMIT_MOST_FREQUENT);
  parser_.add_prefix("title", std::string(schema::kTitlePrefix));
  parser_.add_prefix("entity", (new EntityProcessor(gazetteer_))->release());
}

void Searcher::set_parallel_counting(Xapian::doccount min_docs, unsigned threads) {
  partition_min_ = min_docs;
  partitions_wanted_ = std::max(threads, 1u);
  partitions_.clear();
}

namespace {

// Sets an article record's "incident" to the id of the incident it belongs to in `db` (or null).
void add_incident(const Xapian::Database& db, nlohmann::json& record) {
  if (record.value("type", "article") != "article" || !record.contains("id")) return;
  const std::string inc = schema::incident_of(db, record["id"].get<std::string>());
  record["incident"] = inc.empty() ? nlohmann::json(nullptr) : nlohmann::json(inc);
}

}  // namespace

std::vector<Hit> Searcher::read_hits(const SearchRequest& r, const std::vector<Ranked>& ranked, const Xapian::Query& text) {
  std::vector<Hit> hits(ranked.size());
  std::vector<Xapian::Database*> dbs = pass_handles();
  if (dbs.size() > hits.size()) dbs.resize(std::max<std::size_t>(hits.size(), 1));
  // Thread k reads hits k, k + n, k + 2n... on its own handle, with a query tree of its own (built
  // here: threads share no part of one).
  std::vector<Xapian::Query> texts = {text};
  while (texts.size() < dbs.size()) texts.push_back(text_query(r, nullptr));
  const auto read = [&](std::size_t k) {
    const Xapian::Database& db = *dbs[k];
    for (std::size_t i = k; i < hits.size(); i += dbs.size()) {
      Hit& h = hits[i];
      h.docid = ranked[i].docid;
      h.score = ranked[i].weight;
      const std::string data = db.get_document(h.docid, Xapian::DOC_ASSUME_VALID).get_data();
      h.record = schema::read_record(data);
      if (h.record.is_discarded()) h.record = nlohmann::json::object();
      add_incident(db, h.record);
      if (const std::string_view body = schema::read_text(data); !body.empty()) {
        h.snippet = make_snippet(std::string(body), texts[k], 40, entity_spans(h.record, texts[k]));
      } else if (h.record.contains("summary")) {  // incidents
        h.snippet = make_snippet(h.record["summary"].get<std::string>(), texts[k], 40);
      }
    }
  };
  std::vector<std::future<void>> others;
  for (std::size_t k = 1; k < dbs.size(); ++k) others.push_back(std::async(std::launch::async, read, k));
  read(0);
  for (auto& f : others) f.get();
  return hits;
}

void Searcher::reopen() {
  try {
    db_.reopen();
  } catch (const Xapian::NetworkError&) {
    // A remote shard went away (restart): open everything afresh.
    db_ = Xapian::Database(path_);
    parser_.set_database(db_);
  }
  pairs_ = word_pairs::complete(db_);
}

template <class F>
auto Searcher::with_retry(F&& f) -> decltype(f()) {
  const auto give_up = std::chrono::steady_clock::now() + kRetryModifiedFor;
  const auto retry_modified = [&](int attempt) { return attempt < kMaxRetries || std::chrono::steady_clock::now() < give_up; };
  for (int attempt = 0;; ++attempt) {
    try {
      reopen();
      return f();
    } catch (const Xapian::DatabaseModifiedError&) {
      if (!retry_modified(attempt)) throw;
    } catch (const Xapian::DatabaseCorruptError&) {
      // A reader overtaken by two commits can meet blocks the writer has already reused before
      // glass notices that its revision was discarded, and then reports corruption ("Expected
      // block 72 to be level 1, not 0") instead of DatabaseModifiedError. When a newer revision
      // exists, retry there; the same error at the newest revision is real corruption.
      if (!retry_modified(attempt) || !db_.reopen()) throw;
    } catch (const Xapian::NetworkError&) {
      if (attempt >= kMaxRetries) throw;
      db_ = Xapian::Database(path_);
      parser_.set_database(db_);
    }
  }
}

Xapian::doccount Searcher::doc_count() {
  return with_retry([&] { return db_.get_doccount(); });
}

nlohmann::json Searcher::stats(unsigned top) {
  return with_retry([&] {
    const auto articles = [] { return Xapian::Query(std::string(schema::kTypePrefix) + std::string(schema::kArticleType)); };
    nlohmann::json out = {{"documents", db_.get_doccount()},
                          {"articles", db_.get_termfreq(std::string(schema::kTypePrefix) + std::string(schema::kArticleType))},
                          {"incidents", db_.get_termfreq(std::string(schema::kTypePrefix) + std::string(schema::kIncidentType))},
                          {"facets", nlohmann::json::object()}};
    const std::optional<Conjunction> direct = conjunction(SearchRequest{}, std::nullopt, match_all());  // every article
    for (Facet f : kAllFacets) {
      const auto counts = count_facet(articles, std::nullopt, f, false, nullptr, direct);
      std::vector<std::pair<std::string, Xapian::doccount>> sorted(counts.begin(), counts.end());
      std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
      nlohmann::json values = nlohmann::json::array();
      for (size_t i = 0; i < sorted.size() && i < top; ++i) {
        const Entity* e = gazetteer_.find(f, sorted[i].first);
        values.push_back({{"id", sorted[i].first}, {"name", e ? e->name : sorted[i].first}, {"count", sorted[i].second}});
      }
      out["facets"][std::string(facet_name(f))] = {{"distinct", counts.size()}, {"top", values}};
    }
    const auto bound = [&](bool upper) -> nlohmann::json {
      const std::string v = upper ? db_.get_value_upper_bound(schema::kEventDate) : db_.get_value_lower_bound(schema::kEventDate);
      if (v.size() != 8) return nullptr;
      return v.substr(0, 4) + "-" + v.substr(4, 2) + (v.substr(6, 2) == "00" ? "" : "-" + v.substr(6, 2));
    };
    out["event_dates"] = {{"first", bound(false)}, {"last", bound(true)}};
    out["word_pairs"] = pairs_;
    return out;
  });
}

Xapian::Query Searcher::text_query(const SearchRequest& r, std::string* suggestion) {
  if (r.q.size() > kMaxQueryBytes)
    throw SearchError("q", "query_too_long", fmt::format("q is {} bytes; the limit is {}", r.q.size(), kMaxQueryBytes));
  // Token offsets are into valid UTF-8: stray bytes (q=%FA) become U+FFFD first.
  const std::string q = sanitize_utf8(r.q);
  // Fold the query like the index; names of known entities also find their other spellings.
  const auto tokens = tokenize(q);
  const auto matches = gazetteer_.match(tokens, q, true);
  std::string folded;
  size_t at = 0;
  for (const AliasMatch& m : matches) {
    const size_t b = tokens[m.first].byte_begin, e = tokens[m.last - 1].byte_end;
    const std::string_view before = std::string_view(q).substr(0, b);
    const bool quoted = std::count(before.begin(), before.end(), '"') % 2 == 1;
    const char prev = b > 0 ? q[b - 1] : ' ';
    if (quoted || prev == ':' || prev == '-' || prev == '+' || b < at) continue;
    folded += fold_query(q.substr(at, b - at));
    std::string alts;
    for (const Entity* c : m.candidates)
      if (c->facet != Facet::source)
        alts += fmt::format(" OR entity:{}{}", facet_letter(c->facet), c - gazetteer_.entities(c->facet).data());
    folded += fmt::format("(\"{}\"{})", fold_query(q.substr(b, e - b)), alts);
    at = e;
  }
  folded += fold_query(q.substr(at));
  if (folded.find_first_not_of(" \t\r\n") == std::string::npos) return match_all();
  const unsigned flags = Xapian::QueryParser::FLAG_DEFAULT | Xapian::QueryParser::FLAG_WILDCARD |
                         Xapian::QueryParser::FLAG_PURE_NOT;
  Xapian::Query parsed;
  try {
    parsed = parser_.parse_query(folded, flags);
  } catch (const Xapian::QueryParserError& e) {
    throw SearchError("q", "query_syntax", fmt::format("q: {} (in '{}')", e.get_msg(), q));
  }
  // The suggestion is worded in the user's terms: correct the plainly folded query.
  if (suggestion) *suggestion = spelling_suggestion(db_, fold_query(q));
  if (parsed.empty()) return match_all();
  return pairs_ ? word_pairs::use_pairs(parsed) : parsed;
}

namespace {

// The request's facet selections (but facet `except`'s): per facet, the terms of its selected ids,
// one of which a document must carry.
std::vector<std::vector<std::string>> facet_clauses(const SearchRequest& r, std::optional<Facet> except) {
  std::vector<std::vector<std::string>> out;
  for (const auto& [facet, ids] : r.filters) {
    if (ids.empty() || (except && *except == facet)) continue;
    const std::string prefix(r.any_role ? schema::any_prefix(facet) : schema::main_prefix(facet));
    auto& terms = out.emplace_back();
    for (const auto& id : ids) terms.push_back(prefix + id);
  }
  return out;
}

}  // namespace

Xapian::Query Searcher::filter_query(const SearchRequest& r, std::optional<Facet> except) {
  std::vector<Xapian::Query> parts;
  parts.emplace_back(std::string(schema::kTypePrefix) + r.type);
  for (const auto& terms : facet_clauses(r, except)) {
    std::vector<Xapian::Query> alts(terms.begin(), terms.end());
    parts.emplace_back(Xapian::Query::OP_OR, alts.begin(), alts.end());
  }
  const auto range = [&](Xapian::valueno slot, const std::string& lo, const std::string& hi) {
    if (lo.empty() && hi.empty()) return;
    if (hi.empty()) parts.emplace_back(Xapian::Query::OP_VALUE_GE, slot, lo);
    else parts.emplace_back(Xapian::Query::OP_VALUE_RANGE, slot, lo.empty() ? "00000000" : lo, hi);
  };
  if (const auto cols = r.date_from.empty() && r.date_to.empty() ? nullptr : columns()) {
    // The same documents as the value range, without reading Xapian's value stream per candidate.
    parts.push_back(column_range_query(cols, schema::kEventDate, r.date_from, r.date_to));
  } else {
    range(schema::kEventDate, r.date_from, r.date_to);
  }
  range(schema::kPublished, r.published_from, r.published_to);
  if (r.killed_min) parts.emplace_back(Xapian::Query::OP_VALUE_GE, schema::kKilled, Xapian::sortable_serialise(*r.killed_min));
  if (r.bbox) {
    const auto& b = *r.bbox;
    parts.emplace_back(Xapian::Query::OP_VALUE_RANGE, schema::kLon, Xapian::sortable_serialise(b[0]), Xapian::sortable_serialise(b[2]));
    parts.emplace_back(Xapian::Query::OP_VALUE_RANGE, schema::kLat, Xapian::sortable_serialise(b[1]), Xapian::sortable_serialise(b[3]));
  }
  return Xapian::Query(Xapian::Query::OP_AND, parts.begin(), parts.end());
}

std::optional<Conjunction> Searcher::conjunction(const SearchRequest& r, std::optional<Facet> except,
                                                const Xapian::Query& text) {
  const auto cols = direct_counting_ ? columns() : nullptr;
  if (!cols || !r.published_from.empty() || !r.published_to.empty() || r.killed_min || r.bbox) return std::nullopt;
  std::optional<Conjunction> c = conjunction_of(text);
  if (!c) return std::nullopt;
  c->columns = cols;
  // The type term, unless every document has it (then it would only cost a skip per match).
  const std::string type = std::string(schema::kTypePrefix) + r.type;
  if (db_.get_termfreq(type) != db_.get_doccount()) c->all.push_back({type});
  for (auto& terms : facet_clauses(r, except)) c->all.push_back(std::move(terms));
  if (!r.date_from.empty() || !r.date_to.empty()) add_column_range(*c, cols, schema::kEventDate, r.date_from, r.date_to);
  return c;
}

Searcher::QueryMaker Searcher::full_query_maker(const SearchRequest& r, const Xapian::Query& built) {
  return [this, &r, built, fresh = false]() mutable {
    if (!std::exchange(fresh, true)) return built;  // the first may be the caller's own tree
    return full_query(r, nullptr);
  };
}

Searcher::QueryMaker Searcher::disjunctive_query_maker(const SearchRequest& r, Facet f) {
  return [this, &r, f] { return Xapian::Query(Xapian::Query::OP_FILTER, text_query(r, nullptr), filter_query(r, f)); };
}

Xapian::Query Searcher::full_query(const SearchRequest& r, std::string* suggestion) {
  return Xapian::Query(Xapian::Query::OP_FILTER, text_query(r, suggestion), filter_query(r, std::nullopt));
}

const std::vector<const std::string*>& Searcher::expand(Facet f, const std::string& packed) {
  auto& cache = expansions_[static_cast<std::size_t>(f)];
  if (const auto it = cache.find(packed); it != cache.end()) return it->second;
  std::vector<const std::string*> ids;
  const auto add = [&](const std::string& id) {
    const std::string* p = &*ids_.insert(id).first;
    if (std::find(ids.begin(), ids.end(), p) == ids.end()) ids.push_back(p);
  };
  size_t at = 0;
  while (at <= packed.size()) {
    size_t k = packed.find(schema::kListSeparator, at);
    if (k == std::string::npos) k = packed.size();
    const std::string id = packed.substr(at, k - at);
    if (!id.empty()) {
      add(id);
      if (const Entity* e = gazetteer_.find(f, id))
        for (const Entity* anc : gazetteer_.ancestors(*e)) add(anc->id);
    }
    at = k + 1;
  }
  return cache.emplace(packed, std::move(ids)).first->second;
}

void Searcher::add_packed_counts(const Pass& counts, Xapian::valueno slot, Facet f,
                                 std::map<std::string, Xapian::doccount>& out) {
  if (expansions_[static_cast<std::size_t>(f)].size() > kMaxExpansions) {
    for (auto& cache : expansions_) cache.clear();  // only between calls: the ids below point into it
    ids_.clear();
  }
  std::unordered_map<const std::string*, Xapian::doccount> per_id;
  counts.for_each(slot, [&](const std::string& packed, Xapian::doccount count) {
    if (packed.empty()) return;
    for (const std::string* id : expand(f, packed)) per_id[id] += count;
  });
  for (const auto& [id, count] : per_id) out[*id] += count;
}

std::shared_ptr<const ValueColumns> Searcher::columns() {
  // Every slot that searches count: the facets in both roles and the event date.
  static const std::vector<Xapian::valueno> slots = {
      schema::kGroups,     schema::kWeapons,     schema::kLocations,     schema::kSource,
      schema::kGroupsAny,  schema::kWeaponsAny,  schema::kLocationsAny,  schema::kEventDate};
  return remote_ ? nullptr : shared_columns(path_, db_, slots);
}

std::vector<Xapian::Database*> Searcher::pass_handles() {
  std::vector<Xapian::Database*> out = {&db_};
  const std::size_t wanted = partitions_wanted_;
  if (remote_ || db_.size() != 1 || db_.get_doccount() < partition_min_ || wanted < 2) return out;
  try {
    const Xapian::rev revision = db_.get_revision();
    while (partitions_.size() + 1 < wanted) partitions_.emplace_back(path_);
    for (auto& h : partitions_) {
      h.reopen();
      if (h.get_revision() != revision) return out;  // a commit in between: count on one thread
      out.push_back(&h);
    }
  } catch (const Xapian::Error&) {
    partitions_.clear();
    out.resize(1);
  }
  return out;
}

namespace {

void set_order(Xapian::Enquire& e, SortOrder sort) {
  if (sort == SortOrder::date_desc) e.set_sort_by_value_then_relevance(schema::kEventDate, true);
  else if (sort == SortOrder::date_asc) e.set_sort_by_value_then_relevance(schema::kEventDate, false);
}

}  // namespace

bool Searcher::walks(const Conjunction* direct, const std::vector<Xapian::valueno>& slots,
                     const std::optional<Ranking>& ranking) {
  if (!direct || !direct->columns || remote_ || (ranking && !direct->weighable)) return false;
  const ValueColumns& cols = *direct->columns;
  return cols.covers(slots) && (!ranking || ranking->sort == SortOrder::relevance || cols.index_of(schema::kEventDate) >= 0);
}

namespace {

// Whether `a` comes before `b` in Xapian's order: the sort value (if any), then weight, then docid.
struct InOrder {
  SortOrder sort;
  bool operator()(const Searcher::Ranked& a, const Searcher::Ranked& b) const {
    if (sort != SortOrder::relevance && a.key != b.key) return sort == SortOrder::date_desc ? a.key > b.key : a.key < b.key;
    if (a.weight != b.weight) return a.weight > b.weight;
    return a.docid < b.docid;
  }
};

// Keeps the first `wanted` matches offered, in Xapian's order.
class Best {
 public:
  Best(SortOrder sort, Xapian::doccount wanted) : order_{sort}, wanted_(wanted) {}
  void offer(Searcher::Ranked&& r) {
    if (heap_.size() < wanted_) {
      heap_.push_back(std::move(r));
      std::push_heap(heap_.begin(), heap_.end(), order_);  // the last in order on top
    } else if (wanted_ > 0 && order_(r, heap_.front())) {
      std::pop_heap(heap_.begin(), heap_.end(), order_);
      heap_.back() = std::move(r);
      std::push_heap(heap_.begin(), heap_.end(), order_);
    }
  }
  // The matches kept, first first.
  std::vector<Searcher::Ranked> take() {
    std::sort_heap(heap_.begin(), heap_.end(), order_);
    return std::move(heap_);
  }

 private:
  InOrder order_;
  Xapian::doccount wanted_;
  std::vector<Searcher::Ranked> heap_;
};

}  // namespace

Searcher::Pass Searcher::run_pass(const QueryMaker& make_query, const std::optional<TimeBound>& bound,
                                  const std::vector<Xapian::valueno>& slots, double remote_time_limit,
                                  const std::optional<Ranking>& ranking, const Conjunction* direct) {
  const std::vector<Xapian::Database*> dbs = pass_handles();
  const std::shared_ptr<const ValueColumns> cols = columns();
  // Partition k visits documents first(k)..first(k+1)-1 on its own handle and thread, with a query
  // tree of its own: Xapian::Query's reference counts are not atomic, so threads share no part of
  // one. The trees are built here, on this thread.
  const Xapian::docid last = db_.get_lastdocid();
  const auto first = [&](std::size_t k) { return Xapian::docid(1 + std::uint64_t(last) * k / dbs.size()); };
  // A pass counting through the columns walks `direct`, when given, instead of running a match.
  const bool walk = walks(direct, slots, ranking);
  std::vector<Xapian::Query> queries;
  for (std::size_t k = 0; k < dbs.size() && !walk; ++k) {
    if (dbs.size() > 1) queries.push_back(restrict(make_query(), bound, first(k), first(k + 1) - 1));
    else queries.push_back(bound ? (*bound)(make_query()) : make_query());
  }
  const auto run_part = [&](std::size_t k) {
    Xapian::Database& db = *dbs[k];
    Pass part;
    if (walk) {
      const ValueColumns& walked = *direct->columns;
      part.counter = std::make_unique<ValueCounter>(slots, false, direct->columns);
      const Xapian::docid from = first(k), to = first(k + 1) - 1;
      ConjunctionCursor matches(db, *direct, from, to);
      std::optional<Best> best;
      if (ranking) best.emplace(ranking->sort, ranking->wanted);
      const int date = ranking && ranking->sort != SortOrder::relevance ? walked.index_of(schema::kEventDate) : -1;
      Xapian::doccount n = 0;
      Xapian::docid at = from - 1;
      while (const Xapian::docid did = matches.next()) {
        if ((n & 1023) == 0 && bound && bound->due()) {  // before the first match too
          part.complete = false;
          break;
        }
        part.counter->add(did);
        if (best) best->offer({did, matches.weight(), date < 0 ? std::string() : walked.value(date, walked.code(date, did))});
        ++n;
        at = did;
      }
      part.lower = part.upper = n;
      // Cut short: as many matches again in the rest of the range as in the part walked.
      part.estimated = part.complete || at < from ? n : Xapian::doccount(double(n) * (to - from + 1) / (at - from + 1));
      if (best) part.hits = best->take();
      return part;
    }
    Xapian::Enquire e(db);
    e.set_query(queries[k]);
    // Weights depend on the database's statistics only, so every part ranks on the same scale.
    if (ranking) set_order(e, ranking->sort);
    else e.set_weighting_scheme(Xapian::BoolWeight());
    if (remote_ && remote_time_limit > 0) e.set_time_limit(remote_time_limit);
    if (!ranking && !slots.empty()) {
      part.counter = std::make_unique<ValueCounter>(slots, remote_, cols);
      part.counter->attach(e);
    }
    const Xapian::MSet m = e.get_mset(0, ranking ? ranking->wanted : 0, ranking ? 0 : db.get_doccount());
    part.complete = !part.counter || part.counter->total() >= m.get_matches_lower_bound();
    part.lower = m.get_matches_lower_bound();
    part.upper = m.get_matches_upper_bound();
    part.estimated = m.get_matches_estimated();
    for (auto it = m.begin(); it != m.end(); ++it) part.hits.push_back({*it, it.get_weight(), it.get_sort_key()});
    return part;
  };
  std::vector<std::future<Pass>> others;
  for (std::size_t k = 1; k < dbs.size(); ++k) others.push_back(std::async(std::launch::async, run_part, k));
  Pass out = run_part(0);
  for (auto& f : others) {
    Pass part = f.get();
    out.complete = out.complete && part.complete;
    out.lower += part.lower;
    out.upper += part.upper;
    out.estimated += part.estimated;
    if (out.counter && part.counter) out.counter->merge(*part.counter);
    std::move(part.hits.begin(), part.hits.end(), std::back_inserter(out.hits));
  }
  if (ranking && dbs.size() > 1) {
    std::sort(out.hits.begin(), out.hits.end(), InOrder{ranking->sort});
    if (out.hits.size() > ranking->wanted) out.hits.resize(ranking->wanted);
  }
  return out;
}

std::map<std::string, Xapian::doccount> Searcher::count_facet(const QueryMaker& make_query,
                                                              const std::optional<TimeBound>& bound, Facet f, bool any_role,
                                                              bool* exact, const std::optional<Conjunction>& direct) {
  const Xapian::valueno slot = schema::facet_slot(f, any_role);
  const Pass counts = run_pass(make_query, bound, {slot}, 0, std::nullopt, direct ? &*direct : nullptr);
  if (exact && !counts.complete) *exact = false;
  std::map<std::string, Xapian::doccount> out;
  add_packed_counts(counts, slot, f, out);
  return out;
}

namespace {

FacetResult top_values(const std::map<std::string, Xapian::doccount>& counts, Facet f, const Gazetteer& g,
                       const std::vector<std::string>& selected, unsigned size) {
  std::vector<std::pair<std::string, Xapian::doccount>> all(counts.begin(), counts.end());
  std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  FacetResult r;
  const auto name_of = [&](const std::string& id) {
    const Entity* e = g.find(f, id);
    return e ? e->name : id;
  };
  const auto parent_of = [&](const std::string& id) {
    const Entity* e = g.find(f, id);
    return e && !e->parents.empty() ? e->parents.front() : std::string();
  };
  std::set<std::string> listed;
  for (size_t i = 0; i < all.size() && i < size; ++i) {
    const bool sel = std::find(selected.begin(), selected.end(), all[i].first) != selected.end();
    r.values.push_back({all[i].first, name_of(all[i].first), parent_of(all[i].first), all[i].second, sel});
    listed.insert(all[i].first);
  }
  for (const auto& id : selected)
    if (!listed.count(id)) {
      const auto it = counts.find(id);
      r.values.push_back({id, name_of(id), parent_of(id), it == counts.end() ? 0 : it->second, true});
      listed.insert(id);
    }
  for (const auto& [id, _] : all)
    if (!listed.count(id)) ++r.other;
  return r;
}

}  // namespace

SearchResult Searcher::search(const SearchRequest& r) {
  const auto start = std::chrono::steady_clock::now();
  SearchResult result = with_retry([&] {
    SearchResult res;
    const Xapian::Query text = text_query(r, &res.suggestion);
    const Xapian::Query query(Xapian::Query::OP_FILTER, text, filter_query(r, std::nullopt));
    const std::optional<TimeBound> bound = time_bound(remote_, r, start);
    // A ranked pass gives the hits; an unweighted pass gives the exact total and the counts of
    // the facets not filtered on and the histogram. On large databases each is split over docid
    // ranges. (One pass doing both is slower: Xapian then weighs every match and builds a
    // candidate for each.)
    std::vector<Xapian::valueno> slots;
    std::set<Facet> counted_here;
    for (Facet f : r.facets) {
      const auto it = r.filters.find(f);
      if (it != r.filters.end() && !it->second.empty()) continue;  // counted in its own pass
      slots.push_back(schema::facet_slot(f, r.any_role));
      counted_here.insert(f);
    }
    if (r.histogram) slots.push_back(schema::kEventDate);

    // A pass that walks the posting lists and can weigh what it walks also ranks (it visits every
    // match anyway); otherwise Xapian's matcher ranks in a pass of its own.
    const Ranking ranking{r.sort, r.offset + r.per_page};
    const std::optional<Conjunction> direct = conjunction(r, std::nullopt, text);
    const Conjunction* walked = direct ? &*direct : nullptr;
    const bool one_pass = walks(walked, slots, ranking);
    const Pass separate = one_pass ? Pass{} : run_pass(full_query_maker(r, query), bound, {}, r.time_limit, ranking);
    const Pass counts = run_pass(full_query_maker(r, query), bound, slots, r.time_limit,
                                 one_pass ? std::optional(ranking) : std::nullopt, walked);
    const Pass& ranked = one_pass ? counts : separate;
    if (counts.counter) {
      res.total = counts.complete ? counts.total() : std::max(counts.total(), ranked.estimated);
      res.exact = counts.complete;
    } else {
      res.total = counts.lower == counts.upper ? counts.lower : std::max(counts.estimated, ranked.estimated);
      res.exact = counts.lower == counts.upper;
    }
    if (ranked.hits.size() > r.offset) res.hits = read_hits(r, {ranked.hits.begin() + r.offset, ranked.hits.end()}, text);
    if (r.offset + r.per_page < res.total) res.next_offset = r.offset + r.per_page;

    for (Facet f : r.facets) {
      std::map<std::string, Xapian::doccount> per_id;
      if (counted_here.count(f)) {
        add_packed_counts(counts, schema::facet_slot(f, r.any_role), f, per_id);
      } else {
        // Disjunctive: this facet's own selection does not narrow its counts.
        per_id = count_facet(disjunctive_query_maker(r, f), bound, f, r.any_role, &res.exact, conjunction(r, f, text));
      }
      const auto sel = r.filters.find(f);
      res.facets[f] = top_values(per_id, f, gazetteer_, sel == r.filters.end() ? std::vector<std::string>{} : sel->second,
                                 r.facet_size);
    }

    if (bound && bound->hit()) res.exact = false;

    if (r.histogram) {
      std::map<long, Xapian::doccount> per_day;
      counts.for_each(schema::kEventDate, [&](const std::string& v, Xapian::doccount count) {
        if (auto d = day_of(v)) per_day[d->days()] += count;
      });
      long lo = per_day.empty() ? 0 : per_day.begin()->first, hi = per_day.empty() ? -1 : per_day.rbegin()->first;
      if (auto d = day_of(r.date_from); d && !r.date_from.empty()) lo = d->days();
      if (auto d = day_of(r.date_to); d && !r.date_to.empty()) hi = std::min(d->days(), lo + 366L * 300);
      for (long day = lo; day <= hi; ++day) {
        const std::string key = bucket_key(Date::from_days(day), *r.histogram);
        if (res.histogram.empty() || res.histogram.back().key != key) res.histogram.push_back({key, 0});
        if (auto it = per_day.find(day); it != per_day.end()) res.histogram.back().count += it->second;
      }
    }
    return res;
  });
  result.took_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return result;
}

void Searcher::check(const SearchRequest& r) {
  with_retry([&] { return full_query(r, nullptr); });
}

void Searcher::for_each(const SearchRequest& r, const std::function<void(const nlohmann::json&, const Xapian::Document&)>& row) {
  // Pages of matches in docid order; each page is a fresh match so memory stays constant.
  constexpr Xapian::doccount kPage = 5000;
  reopen();
  const Xapian::Query query = full_query(r, nullptr);
  for (Xapian::doccount first = 0;; first += kPage) {
    Xapian::Enquire e(db_);
    e.set_query(query);
    e.set_weighting_scheme(Xapian::BoolWeight());
    e.set_docid_order(Xapian::Enquire::ASCENDING);
    const Xapian::MSet m = e.get_mset(first, kPage);
    for (auto it = m.begin(); it != m.end(); ++it) {
      const Xapian::Document doc = it.get_document();
      nlohmann::json rec = schema::read_record(doc.get_data());
      if (rec.is_discarded()) continue;
      add_incident(db_, rec);
      row(rec, doc);
    }
    if (m.size() < kPage) break;
  }
}

std::optional<nlohmann::json> Searcher::get(const std::string& id, const std::string& type) {
  return with_retry([&]() -> std::optional<nlohmann::json> {
    const std::string term = std::string(schema::kIdPrefix) + id;
    for (auto it = db_.postlist_begin(term); it != db_.postlist_end(term); ++it) {
      const Xapian::Document doc = db_.get_document(*it);
      const std::string want = std::string(schema::kTypePrefix) + type;
      auto t = doc.termlist_begin();
      t.skip_to(want);
      if (t == doc.termlist_end() || *t != want) continue;
      const std::string data = doc.get_data();
      auto j = schema::read_record(data);
      if (j.is_discarded()) continue;
      add_incident(db_, j);
      if (type == schema::kArticleType) j["text"] = std::string(schema::read_text(data));
      return j;
    }
    return std::nullopt;
  });
}

std::vector<nlohmann::json> Searcher::records_with_term(const std::string& term, unsigned limit) {
  return with_retry([&] {
    std::vector<nlohmann::json> out;
    for (auto it = db_.postlist_begin(term); it != db_.postlist_end(term) && out.size() < limit; ++it) {
      auto j = schema::read_record(db_.get_document(*it).get_data());
      if (!j.is_discarded()) out.push_back(std::move(j));
    }
    return out;
  });
}

FacetResult Searcher::facet_values(const SearchRequest& r, Facet f, const std::string& prefix, unsigned limit) {
  return with_retry([&] {
    bool exact = true;
    const std::optional<TimeBound> bound = time_bound(remote_, r, std::chrono::steady_clock::now());
    const auto counts = count_facet(disjunctive_query_maker(r, f), bound, f, r.any_role, &exact,
                                    conjunction(r, f, text_query(r, nullptr)));
    // Prefix match on folded words of the name or any alias: "qata" finds "Qataiba Hezbollah".
    std::vector<std::string> want;
    for (const auto& t : tokenize(sanitize_utf8(prefix))) want.push_back(t.key);
    const auto starts = [&](const std::string& name) {
      if (want.empty()) return true;
      const auto words = tokenize(name);
      for (size_t i = 0; i + want.size() <= words.size(); ++i) {
        bool ok = true;
        for (size_t k = 0; k < want.size() && ok; ++k) {
          const std::string& w = words[i + k].key;
          ok = k + 1 == want.size() ? w.rfind(want[k], 0) == 0 : w == want[k];
        }
        if (ok) return true;
      }
      return false;
    };
    std::vector<std::pair<std::string, Xapian::doccount>> found;
    for (const auto& [id, n] : counts) {
      const Entity* e = gazetteer_.find(f, id);
      bool ok = e ? starts(e->name) : starts(id);
      if (e)
        for (size_t i = 0; i < e->aliases.size() && !ok; ++i) ok = starts(e->aliases[i]);
      if (ok) found.emplace_back(id, n);
    }
    std::stable_sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    FacetResult out;
    for (size_t i = 0; i < found.size(); ++i) {
      if (i >= limit) {
        ++out.other;
        continue;
      }
      const Entity* e = gazetteer_.find(f, found[i].first);
      const auto sel = r.filters.find(f);
      const bool selected = sel != r.filters.end() &&
                            std::find(sel->second.begin(), sel->second.end(), found[i].first) != sel->second.end();
      out.values.push_back({found[i].first, e ? e->name : found[i].first, e && !e->parents.empty() ? e->parents.front() : "",
                            found[i].second, selected});
    }
    return out;
  });
}

}  // namespace incidex
