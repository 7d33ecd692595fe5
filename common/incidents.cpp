#include "incidents.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <tuple>
#include <unordered_map>

#include "schema.h"
#include "tokenizer.h"

namespace incidex {
namespace {

using nlohmann::json;

constexpr std::size_t kTermsPerReport = 40;
constexpr double kEarthKm = 6371.0;

const std::set<std::string_view>& stopwords() {
  static const std::set<std::string_view> words = {
      "the", "and", "for", "that", "with", "from", "this", "was", "were", "are", "has", "have", "had", "his", "her",
      "its", "their", "they", "them", "said", "says", "say", "but", "not", "been", "which", "who", "will", "would",
      "after", "before", "about", "into", "than", "then", "also", "more", "one", "two", "three", "its", "over",
      "there", "when", "where", "while", "what", "all", "any", "other", "some", "such", "only", "out", "our", "can",
      "could", "did", "does", "may", "might", "should", "being", "between", "during", "under", "against", "since",
      "told", "according", "statement", "officials", "official", "reported", "report", "reports", "news"};
  return words;
}

std::optional<Date> parse_record_date(const json& v) {
  if (!v.is_string()) return std::nullopt;
  const std::string s = v.get<std::string>();
  if (s.size() == 10 && is_valid_day(std::stoi(s.substr(0, 4)), std::stoi(s.substr(5, 2)), std::stoi(s.substr(8, 2))))
    return Date::ymd(std::stoi(s.substr(0, 4)), std::stoi(s.substr(5, 2)), std::stoi(s.substr(8, 2)));
  if (s.size() == 7) return Date::ym(std::stoi(s.substr(0, 4)), std::stoi(s.substr(5, 2)));
  return std::nullopt;
}

int level(const Entity& e) {
  if (e.kind == "base" || e.kind == "airport" || e.kind == "site") return 5;
  if (e.kind == "town") return 4;
  if (e.kind == "district") return 3;
  if (e.kind == "province" || e.kind == "sea") return 2;
  if (e.kind == "region") return 1;
  return 0;
}

double distance_km(const Entity& a, const Entity& b) {
  if (!a.lat || !a.lon || !b.lat || !b.lon) return 1e9;
  const double r = M_PI / 180.0;
  const double dlat = (*b.lat - *a.lat) * r, dlon = (*b.lon - *a.lon) * r;
  const double h = std::sin(dlat / 2) * std::sin(dlat / 2) +
                   std::cos(*a.lat * r) * std::cos(*b.lat * r) * std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * kEarthKm * std::asin(std::min(1.0, std::sqrt(h)));
}

bool is_ancestor(const Gazetteer& g, const Entity& anc, const Entity& of) {
  for (const Entity* a : g.ancestors(of))
    if (a == &anc) return true;
  return false;
}

double place_score(const Report& a, const Report& b) {
  if (a.places.empty() || b.places.empty()) return 0.3;
  const auto contains = [](const std::vector<const Entity*>& list, const Entity* e) {
    return std::find(list.begin(), list.end(), e) != list.end();
  };
  double best = 0;
  for (std::size_t i = 0; i < a.places.size(); ++i)
    for (std::size_t j = 0; j < b.places.size(); ++j) {
      const Entity* p = a.places[i];
      const Entity* q = b.places[j];
      double s = 0;
      if (p == q) {
        s = level(*p) >= 3 ? 1.0 : level(*p) == 2 ? 0.7 : 0.4;
      } else if (contains(b.place_ancestors[j], p) || contains(a.place_ancestors[i], q)) {
        const Entity& upper = contains(b.place_ancestors[j], p) ? *p : *q;
        s = level(upper) >= 3 ? 0.9 : level(upper) == 2 ? 0.6 : 0.3;
      } else {
        const double km = distance_km(*p, *q);
        s = km < 30 ? 0.8 : km < 100 ? 0.5 : 0.0;
      }
      best = std::max(best, s);
    }
  return best;
}

// Whether two sorted ranges (std::less order) share an element.
template <class C>
bool overlaps(const C& a, const C& b) {
  const std::less<> less;
  for (auto x = a.begin(), y = b.begin(); x != a.end() && y != b.end();) {
    if (less(*x, *y)) ++x;
    else if (less(*y, *x)) ++y;
    else return true;
  }
  return false;
}

std::string long_date(const Date& d) {
  static constexpr const char* kMonths[] = {"January", "February", "March", "April", "May", "June", "July",
                                            "August", "September", "October", "November", "December"};
  if (d.precision == DatePrecision::day) return fmt::format("{} {} {}", d.day, kMonths[d.month - 1], d.year);
  if (d.precision == DatePrecision::month) return fmt::format("{} {}", kMonths[d.month - 1], d.year);
  return std::to_string(d.year);
}

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i) out += i + 1 == names.size() ? " and " : ", ";
    out += names[i];
  }
  return out;
}

// Whether a weapon id (or weapon category) tells an air or drone strike.
bool strike_weapon(std::string_view id) { return id == "airstrike" || id == "armed-drone-strike"; }

// Whether a report's weapons (with categories) make it an air or drone strike.
bool is_strike(const std::vector<const Entity*>& weapons) {
  return std::any_of(weapons.begin(), weapons.end(), [](const Entity* e) { return strike_weapon(e->id); });
}

std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace

std::map<std::string, int> word_counts(std::string_view text) {
  std::map<std::string, int> out;
  for (const auto& t : tokenize(text))
    if (!t.number && t.key.size() >= 3 && !stopwords().count(t.key)) ++out[t.key];
  return out;
}

std::map<std::string, int> indexed_word_counts(const Xapian::Database& db, Xapian::docid doc) {
  std::map<std::string, int> out;
  // Words are lower-case; prefixed terms (P, Z, S, X…, Q) start with a capital and sort before.
  auto t = db.termlist_begin(doc);
  for (t.skip_to("a"); t != db.termlist_end(doc); ++t) {
    const std::string& w = *t;
    if (w[0] > 'z') break;
    if (w.size() < 3 || stopwords().count(w)) continue;
    out.emplace(w, static_cast<int>(t.get_wdf()));
  }
  return out;
}

Report make_report(const json& record, const std::map<std::string, int>& words, const Gazetteer& g, const WordStats& stats) {
  Report r;
  r.id = record.value("id", "");
  // Only what a summary lists of each report: the whole explain record was most of a report's
  // memory when linking every article at once.
  r.record = json::object();
  for (const char* k : {"title", "source", "source_id", "published", "url", "event_date", "killed", "injured"})
    if (const auto it = record.find(k); it != record.end()) r.record[k] = *it;
  r.date = parse_record_date(record.value("event_date", json()));
  r.date_from_text = record.value("event_date_from", json()) == "text";
  r.response = record.value("response_cue", false);
  if (record.contains("published") && record["published"].is_string()) r.published = record["published"];
  for (auto [field, facet] : {std::pair{"groups", Facet::group}, {"weapons", Facet::weapon}, {"locations", Facet::place}}) {
    if (!record.contains(field)) continue;
    for (const auto& v : record[field]) {
      const Entity* e = g.find(facet, v.value("id", ""));
      if (!e) continue;
      if (facet == Facet::place) r.mentioned_places.insert(e->id);
      if (v.value("role", "") != "main") continue;
      auto& list = facet == Facet::group ? r.groups : facet == Facet::weapon ? r.weapons : r.places;
      list.push_back(e);
      const auto ancestors = g.ancestors(*e);
      if (facet == Facet::place) {
        r.place_ancestors.push_back(ancestors);
      } else {
        auto& set = facet == Facet::group ? r.group_set : r.weapon_set;
        set.push_back(e);
        set.insert(set.end(), ancestors.begin(), ancestors.end());
      }
      if (facet == Facet::group && v.contains("stance") && v["stance"].is_string()) r.stances[e->id] = v["stance"];
    }
  }
  for (auto* set : {&r.group_set, &r.weapon_set}) {
    std::sort(set->begin(), set->end(), std::less<const Entity*>());
    set->erase(std::unique(set->begin(), set->end()), set->end());
  }
  r.strike = is_strike(r.weapon_set);
  std::vector<std::pair<std::string, double>> weights;
  for (const auto& [w, n] : words) {
    const auto [df, total] = stats(w);
    const double idf = std::log((total + 1.0) / (df + 1.0)) + 1.0;
    weights.emplace_back(w, (1.0 + std::log(n)) * idf);
  }
  std::sort(weights.begin(), weights.end(), [](const auto& a, const auto& b) { return a.second > b.second || (a.second == b.second && a.first < b.first); });
  if (weights.size() > kTermsPerReport) weights.resize(kTermsPerReport);
  double norm = 0;
  for (const auto& [_, w] : weights) norm += w * w;
  norm = std::sqrt(norm);
  for (const auto& [word, w] : weights) r.terms.emplace_back(fnv1a(word), norm > 0 ? w / norm : 0);
  std::sort(r.terms.begin(), r.terms.end());
  return r;
}

double similarity(const Report& a, const Report& b, const LinkOptions& o) {
  if (!a.has_event() || !b.has_event()) return 0;
  const Date& da = *a.date;
  const Date& db = *b.date;
  if (da.precision == DatePrecision::day && db.precision == DatePrecision::day) {
    const long slack = o.date_slack_days + ((a.date_from_text && b.date_from_text) ? 0 : 1);
    if (std::labs(da.days() - db.days()) > slack) return 0;
  } else if (da.year != db.year || da.month != db.month) {
    return 0;
  }
  // A strike from the air and the attack it answered share places and often weapon words (the
  // strike's report recalls the "drone attack"): whether a report tells an air strike must agree.
  if (a.strike != b.strike && !a.weapon_set.empty() && !b.weapon_set.empty()) return 0;
  double weapons = 0.5;
  if (!a.weapon_set.empty() && !b.weapon_set.empty()) {
    if (!overlaps(a.weapon_set, b.weapon_set)) return 0;  // a drone attack and an airstrike are two events
    weapons = 1.0;
  }
  const double groups = a.group_set.empty() || b.group_set.empty() ? 0.5 : overlaps(a.group_set, b.group_set) ? 1.0 : 0.2;
  double text = 0;
  for (auto x = a.terms.begin(), y = b.terms.begin(); x != a.terms.end() && y != b.terms.end();) {
    if (x->first < y->first) {
      ++x;
    } else if (y->first < x->first) {
      ++y;
    } else {
      text += (x++)->second * (y++)->second;
    }
  }
  return 0.35 * place_score(a, b) + 0.15 * weapons + 0.15 * groups + 0.35 * text;
}

namespace {

// Clusters reports given one at a time in (event day, published, id) order. A cluster is handed
// over, with its creation number, as soon as no later report can join it: when the reports have
// moved on too far past its last member, and at finish().
class Clusterer {
 public:
  // The report at an index; it must stay at the same address until its cluster is handed over.
  using Lookup = std::function<const Report&(std::size_t)>;
  using Done = std::function<void(std::size_t seq, std::vector<std::size_t>&& members)>;

  Clusterer(const LinkOptions& o, Lookup report, Done done) : o_(o), report_(std::move(report)), done_(std::move(done)) {}

  // A report with an event: joins the open cluster holding its most similar report, or founds one.
  void add(std::size_t i) {
    const Report& r = report_(i);
    const long day = r.date->days();
    const long reach = o_.date_slack_days + 2 + (r.date->precision == DatePrecision::month ? 31 : 0);
    std::size_t kept = 0;
    for (std::size_t k = 0; k < open_.size(); ++k) {
      if (open_[k].last_day + reach + 31 < day)
        done_(open_[k].seq, std::move(open_[k].members));
      else if (kept++ != k)
        open_[kept - 1] = std::move(open_[k]);
    }
    open_.resize(kept);
    double best = 0;
    Open* best_cluster = nullptr;
    const When w = when(r);
    for (Open& c : open_)
      for (std::size_t k = 0; k < c.members.size(); ++k) {
        if (!may_match(w, c.when[k])) continue;  // similarity() would be 0: dates apart
        const double s = similarity(r, *c.reports[k], o_);
        if (s > best) {
          best = s;
          best_cluster = &c;
        }
      }
    if (best_cluster && best >= o_.threshold) {
      best_cluster->members.push_back(i);
      best_cluster->reports.push_back(&r);
      best_cluster->when.push_back(w);
      best_cluster->last_day = std::max(best_cluster->last_day, day);
    } else {
      open_.push_back({next_++, {i}, {&r}, {w}, day, day});
    }
  }
  // A report without an event: an incident of its own.
  void alone(std::size_t i) { done_(next_++, {i}); }
  // Hands over every open cluster.
  void finish() {
    for (Open& c : open_) done_(c.seq, std::move(c.members));
    open_.clear();
  }
  // The earliest event day among the reports of open clusters (LONG_MAX when none is open).
  long frontier() const {
    long f = std::numeric_limits<long>::max();
    for (const Open& c : open_) f = std::min(f, c.first_day);
    return f;
  }

 private:
  // A member's date, kept beside its index: most open members are dated too far apart to be
  // compared, and telling so from this saves reading their reports.
  struct When {
    long day;
    int month;  // year * 12 + month
    bool day_precision;
  };
  static When when(const Report& r) { return {r.date->days(), r.date->year * 12 + r.date->month, r.date->precision == DatePrecision::day}; }
  // False only when similarity() is 0 for the dates alone.
  bool may_match(const When& a, const When& b) const {
    if (a.day_precision && b.day_precision) return std::labs(a.day - b.day) <= o_.date_slack_days + 1;
    return a.month == b.month;
  }
  struct Open {
    std::size_t seq;
    std::vector<std::size_t> members;
    std::vector<const Report*> reports;  // of each member: the lookup's answer, which stays put
    std::vector<When> when;              // of each member
    long first_day, last_day;
  };
  const LinkOptions& o_;
  Lookup report_;
  Done done_;
  std::vector<Open> open_;  // in creation order: the first of equally similar clusters wins
  std::size_t next_ = 0;
};

// The main place of an incident when other incidents can recall it: a town, base or site, not a
// province or country; else "".
std::string recallable_place(const json& inc) {
  if (!inc["location"].is_object()) return "";
  const std::string kind = inc["location"].value("kind", "");
  return kind == "town" || kind == "base" || kind == "airport" || kind == "site" ? inc["location"].value("id", "") : "";
}

// Finds the incidents an incident relates to among the candidates added so far: an earlier one
// its reports answer (responds_to), the latest earlier ones at places they mention (recalls).
class Relator {
 public:
  // More recall candidates at a place before a day, as (day, id): incidents not added.
  using MoreAtPlace = std::function<std::vector<std::pair<long, std::string>>(const std::string& place, long before_day)>;

  explicit Relator(const LinkOptions& o, MoreAtPlace more = {}) : o_(o), more_(std::move(more)) {}

  void add(const json& incident) {
    Brief b = brief(incident);
    if (!b.date) return;
    const long day = b.date->days();
    if (!b.place.empty() && b.specific_place) {
      auto& ys = by_place_[b.place];
      const std::pair<long, std::string> key{day, b.id};
      ys.insert(std::upper_bound(ys.begin(), ys.end(), key), key);
    }
    by_day_.emplace(day, std::move(b));
  }

  // Sets the incident's related.responds_to and related.recalls from the candidates (when it has
  // a date). `response`: its reports speak of a response; `mentioned`: every place they name.
  void relate(json& incident, bool response, const std::set<std::string>& mentioned) const {
    const Brief bx = brief(incident);
    if (!bx.date) return;
    const long day = bx.date->days();
    const auto earlier = [&](long d, const std::string& id) { return d < day || (d == day && id < bx.id); };
    std::vector<std::pair<double, std::string>> answers, recalls;
    if (response)
      for (auto it = by_day_.lower_bound(day - o_.response_days); it != by_day_.end() && it->first <= day; ++it) {
        const Brief& by = it->second;
        // An air strike answering an attack, or an attack answering a strike.
        if (bx.strike == by.strike || !earlier(it->first, by.id)) continue;
        const bool place = !by.place.empty() && mentioned.count(by.place) && by.place != bx.place;
        const bool actors = overlaps(bx.groups, by.groups);
        if (place || actors)
          answers.emplace_back((place ? 2.0 : 0.0) + (actors ? 1.0 : 0.0) - static_cast<double>(day - it->first) / 100.0, by.id);
      }
    for (const auto& place : mentioned) {
      if (place == bx.place) continue;
      // The incidents there before this day, and of those the last few (the most recent).
      std::vector<std::pair<long, std::string>> ys;
      if (const auto it = by_place_.find(place); it != by_place_.end()) {
        const auto end = std::lower_bound(it->second.begin(), it->second.end(), day,
                                          [](const auto& y, long d) { return y.first < d; });
        ys.assign(end - std::min<std::ptrdiff_t>(end - it->second.begin(), kRecalls), end);
      }
      if (more_)
        for (auto& y : more_(place, day)) ys.push_back(std::move(y));
      std::sort(ys.rbegin(), ys.rend());
      ys.erase(std::unique(ys.begin(), ys.end()), ys.end());  // stored ones may come both ways
      for (std::size_t k = 0; k < ys.size() && k < kRecalls; ++k)
        recalls.emplace_back(-static_cast<double>(day - ys[k].first), ys[k].second);
    }
    std::sort(answers.rbegin(), answers.rend());
    std::sort(recalls.rbegin(), recalls.rend());
    json& rel = incident["related"];
    rel["responds_to"] = json::array();
    rel["recalls"] = json::array();
    for (std::size_t i = 0; i < answers.size() && i < 1; ++i) rel["responds_to"].push_back(answers[i].second);
    for (std::size_t i = 0; i < recalls.size() && i < kRecalls; ++i) rel["recalls"].push_back(recalls[i].second);
  }

  // Drops the answer candidates that no incident dated `day` or later can answer.
  void forget_before(long day) { by_day_.erase(by_day_.begin(), by_day_.lower_bound(day - o_.response_days)); }

  static constexpr std::size_t kRecalls = 5;

 private:
  struct Brief {
    std::string id;
    std::optional<Date> date;
    std::string place;               // most specific main place
    bool specific_place = false;     // a town, base or site (not a province or country)
    std::set<std::string> groups;    // main groups, as named
    bool strike = false;             // its main weapons tell an air or drone strike
  };
  static Brief brief(const json& inc) {
    Brief b;
    b.id = inc["id"];
    b.date = parse_record_date(inc["event_date"]);
    b.place = inc["location"].is_object() ? inc["location"].value("id", "") : "";
    b.specific_place = !recallable_place(inc).empty();
    for (const auto& v : inc["groups"]) b.groups.insert(v["id"].get<std::string>());
    for (const auto& v : inc["weapons"])
      b.strike = b.strike || strike_weapon(v["id"].get<std::string>()) || strike_weapon(v.value("category", ""));
    return b;
  }

  const LinkOptions& o_;
  MoreAtPlace more_;
  std::multimap<long, Brief> by_day_;                                        // answer candidates
  std::map<std::string, std::vector<std::pair<long, std::string>>> by_place_;  // (day, id), sorted
};

// What the relations of an incident need from its reports.
std::pair<bool, std::set<std::string>> relation_cues(const std::vector<const Report*>& members) {
  bool response = false;
  std::set<std::string> mentioned;
  for (const Report* r : members) {
    response = response || r->response;
    mentioned.insert(r->mentioned_places.begin(), r->mentioned_places.end());
  }
  return {response, std::move(mentioned)};
}

// The order reports are clustered in: events by day, published, id; reports without one last.
auto cluster_key(const Report& r) { return std::make_tuple(r.has_event() ? 0 : 1, r.date ? r.date->days() : 0L, std::cref(r.published), std::cref(r.id)); }

}  // namespace

std::vector<std::vector<std::size_t>> cluster_reports(const std::vector<Report>& reports, const LinkOptions& o) {
  std::vector<std::size_t> order(reports.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return cluster_key(reports[a]) < cluster_key(reports[b]); });
  std::vector<std::vector<std::size_t>> clusters;
  Clusterer clusterer(o, [&](std::size_t i) -> const Report& { return reports[i]; },
                      [&](std::size_t seq, std::vector<std::size_t>&& members) {
                        if (clusters.size() <= seq) clusters.resize(seq + 1);
                        clusters[seq] = std::move(members);
                      });
  for (std::size_t i : order) reports[i].has_event() ? clusterer.add(i) : clusterer.alone(i);
  clusterer.finish();
  return clusters;
}

std::string incident_id_for(const std::string& founder_id) { return fmt::format("i{:016x}", fnv1a("incident:" + founder_id)); }

json summarize_incident(const std::string& id, const std::vector<const Report*>& members_in, const Gazetteer& g) {
  std::vector<const Report*> members = members_in;
  std::sort(members.begin(), members.end(), [](const Report* a, const Report* b) {
    return std::tie(a->published, a->id) < std::tie(b->published, b->id);
  });
  json inc = {{"id", id}, {"type", "incident"}};

  // Date: the most common date among reports that read it from their text, earliest on ties.
  std::map<std::string, std::vector<std::string>> by_date;
  for (const Report* r : members)
    if (r->date && r->date_from_text) by_date[r->date->iso()].push_back(r->id);
  if (by_date.empty())
    for (const Report* r : members)
      if (r->date) by_date[r->date->iso()].push_back(r->id);
  std::optional<Date> date;
  std::vector<std::string> date_reports;
  for (const auto& [iso, ids] : by_date)
    if (ids.size() > date_reports.size()) {
      date_reports = ids;
      for (const Report* r : members)
        if (r->date && r->date->iso() == iso) date = r->date;
    }
  inc["event_date"] = date ? json(date->iso()) : json(nullptr);
  inc["event_date_precision"] = date ? to_string(date->precision) : "none";

  // Facet values with the reports that name them (main role).
  const auto values = [&](Facet f) {
    std::map<const Entity*, std::vector<std::string>> named;
    std::vector<const Entity*> order;
    for (const Report* r : members)
      for (const Entity* e : f == Facet::group ? r->groups : f == Facet::weapon ? r->weapons : r->places) {
        auto& ids = named[e];
        if (ids.empty()) order.push_back(e);
        if (std::find(ids.begin(), ids.end(), r->id) == ids.end()) ids.push_back(r->id);
      }
    std::stable_sort(order.begin(), order.end(), [&](const Entity* a, const Entity* b) { return named[a].size() > named[b].size(); });
    return std::make_pair(order, named);
  };
  const auto [places, place_reports] = values(Facet::place);
  const auto [weapons, weapon_reports] = values(Facet::weapon);
  const auto [groups, group_reports] = values(Facet::group);

  const Entity* main_place = nullptr;
  for (const Entity* p : places)
    if (!main_place || place_reports.at(p).size() > place_reports.at(main_place).size() ||
        (place_reports.at(p).size() == place_reports.at(main_place).size() && level(*p) > level(*main_place)))
      main_place = p;
  // Prefer a more specific place that at least two reports (or all, if fewer) name.
  for (const Entity* p : places)
    if (main_place && level(*p) > level(*main_place) && is_ancestor(g, *main_place, *p) &&
        place_reports.at(p).size() >= std::min<std::size_t>(2, members.size()))
      main_place = p;
  const auto place_json = [&](const Entity& e) {
    json path = json::array();
    auto anc = g.ancestors(e);
    for (auto it = anc.rbegin(); it != anc.rend(); ++it) path.push_back({{"id", (*it)->id}, {"name", (*it)->name}, {"kind", (*it)->kind}});
    return json{{"id", e.id}, {"name", e.name}, {"kind", e.kind}, {"lat", e.lat ? json(*e.lat) : json(nullptr)},
                {"lon", e.lon ? json(*e.lon) : json(nullptr)}, {"path", path}};
  };
  inc["location"] = main_place ? place_json(*main_place) : json(nullptr);

  const auto list = [&](const std::vector<const Entity*>& order, const std::map<const Entity*, std::vector<std::string>>& named, Facet f) {
    json out = json::array();
    for (const Entity* e : order) {
      json item = f == Facet::place ? place_json(*e) : json{{"id", e->id}, {"name", e->name}};
      item["role"] = "main";
      item["reports"] = named.at(e);
      if (f == Facet::group) {
        item["kind"] = e->kind;
        json stances = json::array();
        for (const Report* r : members)
          if (auto it = r->stances.find(e->id); it != r->stances.end()) stances.push_back({{"stance", it->second}, {"report", r->id}});
        item["stances"] = stances;
      }
      if (f == Facet::weapon) item["category"] = e->parents.empty() ? e->id : e->parents.front();
      out.push_back(std::move(item));
    }
    return out;
  };
  inc["groups"] = list(groups, group_reports, Facet::group);
  inc["weapons"] = list(weapons, weapon_reports, Facet::weapon);
  inc["locations"] = list(places, place_reports, Facet::place);

  // Figures: the lowest reported, with every report's own.
  std::optional<int> killed, injured;
  std::vector<std::string> killed_by, injured_by;
  json reports = json::array();
  for (const Report* r : members) {
    const json& rec = r->record;
    const auto fig = [&](const char* k) { return rec.contains(k) && rec[k].is_number() ? std::optional<int>(rec[k].get<int>()) : std::nullopt; };
    for (auto [k, slot, by] : {std::tuple{"killed", &killed, &killed_by}, {"injured", &injured, &injured_by}})
      if (auto v = fig(k)) {
        if (!*slot || *v < **slot) {
          *slot = *v;
          by->clear();
        }
        if (**slot == *v) by->push_back(r->id);
      }
    reports.push_back({{"id", r->id}, {"title", rec.value("title", "")}, {"source", rec.value("source", json())},
                       {"source_id", rec.value("source_id", json())}, {"published", rec.value("published", json())},
                       {"url", rec.value("url", json())}, {"event_date", rec.value("event_date", json())},
                       {"killed", rec.value("killed", json())}, {"injured", rec.value("injured", json())}});
  }
  inc["killed"] = killed ? json(*killed) : json(nullptr);
  inc["injured"] = injured ? json(*injured) : json(nullptr);
  inc["reports"] = reports;
  inc["report_count"] = members.size();
  std::vector<std::string> published;
  for (const Report* r : members)
    if (!r->published.empty()) published.push_back(r->published);
  std::sort(published.begin(), published.end());
  inc["first_report"] = published.empty() ? json(nullptr) : json(published.front());
  inc["last_report"] = published.empty() ? json(nullptr) : json(published.back());

  // Title and summary, every fact with the reports it came from.
  // Weapons for the text: the named types, without the categories they belong to.
  std::vector<const Entity*> told;
  for (const Entity* w : weapons) {
    bool category_of_other = false;
    for (const Entity* o : weapons) category_of_other = category_of_other || (o != w && is_ancestor(g, *w, *o));
    if (!category_of_other && told.size() < 2) told.push_back(w);
  }
  std::vector<std::string> weapon_names;
  for (const Entity* w : told) weapon_names.push_back(w->name);
  std::string place_label;
  if (main_place) {
    place_label = main_place->name;
    const auto anc = g.ancestors(*main_place);
    if (!anc.empty() && main_place->kind != "country") place_label += ", " + anc.back()->name;
  }
  std::string title = weapon_names.empty() ? "Attack" : weapon_names.front();
  if (!place_label.empty()) title += " — " + place_label;
  if (date) title += " (" + long_date(*date) + ")";
  inc["title"] = title;

  json facts = json::array();
  std::vector<std::string> sentences;
  {
    std::string s = date ? "On " + long_date(*date) : "On an unknown date";
    if (date) facts.push_back({{"fact", "date"}, {"text", long_date(*date)}, {"reports", date_reports}});
    if (!weapon_names.empty()) {
      std::vector<std::string> lower;
      for (std::string n : weapon_names) {
        if (n.size() > 1 && std::islower(static_cast<unsigned char>(n[1]))) n[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(n[0])));
        lower.push_back(n);
      }
      s += ", reports describe an attack by " + join_names(lower);
      for (const Entity* w : told) facts.push_back({{"fact", "weapon"}, {"text", w->name}, {"reports", weapon_reports.at(w)}});
    } else {
      s += ", reports describe an attack";
    }
    if (main_place) {
      s += (level(*main_place) >= 4 ? " at " : " in ") + place_label;
      facts.push_back({{"fact", "location"}, {"text", place_label}, {"reports", place_reports.at(main_place)}});
    }
    sentences.push_back(s + ".");
  }
  if (killed || injured) {
    std::vector<std::string> parts;
    if (killed) {
      parts.push_back(fmt::format("{} killed", *killed));
      facts.push_back({{"fact", "killed"}, {"text", std::to_string(*killed)}, {"reports", killed_by}});
    }
    if (injured) {
      parts.push_back(fmt::format("{} injured", *injured));
      facts.push_back({{"fact", "injured"}, {"text", std::to_string(*injured)}, {"reports", injured_by}});
    }
    sentences.push_back("The lowest reported figures are " + join_names(parts) + ".");
  }
  {
    std::map<std::string, std::vector<std::string>> by_stance;  // stance → group names
    for (const Entity* e : groups)
      for (const Report* r : members)
        if (auto it = r->stances.find(e->id); it != r->stances.end()) {
          auto& names = by_stance[it->second];
          if (std::find(names.begin(), names.end(), e->name) == names.end()) {
            names.push_back(e->name);
            facts.push_back({{"fact", it->second}, {"text", e->name}, {"reports", json::array({r->id})}});
          }
        }
    std::vector<std::string> parts;
    if (by_stance.count("claimed")) parts.push_back("claimed by " + join_names(by_stance["claimed"]));
    if (by_stance.count("blamed")) parts.push_back("blamed on " + join_names(by_stance["blamed"]));
    if (by_stance.count("denied")) parts.push_back("denied by " + join_names(by_stance["denied"]));
    if (!parts.empty()) {
      sentences.push_back("It was " + join_names(parts) + ".");
    } else if (!groups.empty()) {
      std::vector<std::string> names;
      for (std::size_t i = 0; i < groups.size() && i < 3; ++i) names.push_back(groups[i]->name);
      sentences.push_back("Reports name " + join_names(names) + ".");
      for (std::size_t i = 0; i < groups.size() && i < 3; ++i)
        facts.push_back({{"fact", "group"}, {"text", groups[i]->name}, {"reports", group_reports.at(groups[i])}});
    }
  }
  std::string summary;
  for (const auto& s : sentences) summary += (summary.empty() ? "" : " ") + s;
  inc["summary"] = summary;
  inc["facts"] = facts;
  inc["related"] = {{"responds_to", json::array()}, {"recalls", json::array()}};
  return inc;
}

void relate_incidents(std::vector<json>& incidents, const std::map<std::string, std::vector<const Report*>>& members,
                      const LinkOptions& o) {
  Relator relator(o);
  for (const auto& inc : incidents) relator.add(inc);
  for (auto& inc : incidents)
    if (const auto it = members.find(inc["id"].get<std::string>()); it != members.end()) {
      const auto [response, mentioned] = relation_cues(it->second);
      relator.relate(inc, response, mentioned);
    }
}

// ---------------------------------------------------------------------------------------------

IncidentLinker::IncidentLinker(Xapian::WritableDatabase& db, const Gazetteer& g, LinkOptions o) : db_(db), g_(g), o_(o) {}

namespace {

std::vector<Xapian::docid> docs_matching(const Xapian::Database& db, const Xapian::Query& q) {
  Xapian::Enquire e(db);
  e.set_query(q);
  e.set_weighting_scheme(Xapian::BoolWeight());
  e.set_docid_order(Xapian::Enquire::ASCENDING);
  std::vector<Xapian::docid> out;
  const Xapian::MSet m = e.get_mset(0, db.get_doccount());
  for (auto it = m.begin(); it != m.end(); ++it) out.push_back(*it);
  return out;
}

std::string type_term(std::string_view type) { return std::string(schema::kTypePrefix) + std::string(type); }

std::vector<Xapian::docid> docs_of_type(const Xapian::Database& db, std::string_view type) {
  std::vector<Xapian::docid> out;
  const std::string term = type_term(type);
  for (auto p = db.postlist_begin(term); p != db.postlist_end(term); ++p) out.push_back(*p);
  return out;
}

// The unique id of a document (its Q term without the prefix), or "".
std::string id_of(const Xapian::Database& db, Xapian::docid d) {
  const std::string q(schema::kIdPrefix);
  auto t = db.termlist_begin(d);
  t.skip_to(q);
  return t != db.termlist_end(d) && (*t).rfind(q, 0) == 0 ? (*t).substr(q.size()) : std::string();
}

// The day of an event-date value ("YYYYMMDD", "YYYYMM00"), or LONG_MAX.
long value_day(const std::string& v) {
  if (v.size() != 8 || !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::numeric_limits<long>::max();
  const int y = std::stoi(v.substr(0, 4)), m = std::stoi(v.substr(4, 2)), d = std::max(1, std::stoi(v.substr(6, 2)));
  return is_valid_day(y, m, d) ? Date::ymd(y, m, d).days() : std::numeric_limits<long>::max();
}

// The articles by the day of their event date, from its value (LONG_MAX when none), then by id.
std::vector<std::pair<long, Xapian::docid>> by_event_day(const Xapian::Database& db, std::vector<Xapian::docid> articles) {
  std::sort(articles.begin(), articles.end());
  std::vector<std::pair<long, Xapian::docid>> order;
  order.reserve(articles.size());
  auto v = db.valuestream_begin(schema::kEventDate);
  for (Xapian::docid d : articles) {
    if (v != db.valuestream_end(schema::kEventDate)) v.skip_to(d);
    const bool has = v != db.valuestream_end(schema::kEventDate) && v.get_docid() == d;
    order.emplace_back(has ? value_day(*v) : std::numeric_limits<long>::max(), d);
  }
  std::sort(order.begin(), order.end());
  return order;
}

// The stored incidents at `place` (their recallable place) that a run over the days [first, last]
// may recall, as (day, id) sorted: every one within those days, and before them the five latest
// (with ties: a recall takes the latest by day, then id). Incidents in `replaced` are left out.
std::vector<std::pair<long, std::string>> stored_recall_candidates(const Xapian::Database& db, const std::string& place, long first,
                                                                   long last, const std::set<std::string>& replaced) {
  Xapian::Enquire e(db);
  e.set_query(Xapian::Query(Xapian::Query::OP_FILTER, Xapian::Query(type_term(schema::kIncidentType)),
                            Xapian::Query(Xapian::Query::OP_AND, Xapian::Query(std::string(schema::main_prefix(Facet::place)) + place),
                                          Xapian::Query(Xapian::Query::OP_VALUE_LE, schema::kEventDate, Date::from_days(last).ymd_string()))));
  e.set_weighting_scheme(Xapian::BoolWeight());
  e.set_sort_by_value(schema::kEventDate, true);  // latest first
  std::vector<std::pair<long, std::string>> found;
  std::size_t before_first = 0;
  long fifth = 0;
  const Xapian::MSet m = e.get_mset(0, db.get_doccount());  // one match; records read lazily
  for (auto it = m.begin(); it != m.end(); ++it) {
    const json inc = schema::read_record(it.get_document().get_data());
    if (!inc.is_object() || recallable_place(inc) != place || replaced.count(inc.value("id", ""))) continue;
    const auto date = parse_record_date(inc["event_date"]);
    if (!date) continue;
    if (before_first >= Relator::kRecalls && date->days() < fifth) break;
    found.emplace_back(date->days(), inc.value("id", ""));
    if (date->days() < first && ++before_first == Relator::kRecalls) fifth = date->days();
  }
  std::sort(found.begin(), found.end());
  return found;
}

// What a run starts from, read before it writes.
struct Before {
  // Word frequencies among the articles: neither the incidents stored nor the order of writing
  // change the weights, so linking the same articles again gives the same incidents.
  std::unordered_map<std::string, double> df;
  double articles = 0;
  std::unordered_map<std::string, std::string> incident_of;  // article id → its incident before the run
};

// `everything`: the articles are all the database's articles (their incidents are then read from
// every stored incident in the same pass that takes the incidents' words out of the frequencies).
Before read_before(const Xapian::Database& db, const std::vector<Xapian::docid>& articles, bool everything) {
  Before b;
  // Words are lower-case (indexed_word_counts).
  auto t = db.allterms_begin();
  for (t.skip_to("a"); t != db.allterms_end() && (*t)[0] <= 'z'; ++t) b.df.emplace(*t, t.get_termfreq());
  b.articles = db.get_termfreq(type_term(schema::kArticleType));
  if (db.get_termfreq(type_term(schema::kIncidentType)) == 0) return b;
  const std::string member(schema::kMemberPrefix);
  for (Xapian::docid d : docs_of_type(db, schema::kIncidentType)) {
    const std::string id = db.get_document(d, Xapian::DOC_ASSUME_VALID).get_value(schema::kIncidentId);
    for (auto t = db.termlist_begin(d); t != db.termlist_end(d); ++t) {
      const std::string& term = *t;
      if (term[0] >= 'a' && term[0] <= 'z') {
        if (const auto it = b.df.find(term); it != b.df.end()) --it->second;
      } else if (everything && term.rfind(member, 0) == 0) {
        b.incident_of[term.substr(member.size())] = id;
      }
    }
  }
  if (!everything)
    for (Xapian::docid d : articles) {
      const std::string id = id_of(db, d);
      if (std::string inc = schema::incident_of(db, id); !inc.empty()) b.incident_of[id] = std::move(inc);
    }
  return b;
}

// The first and last event days among `order` (first > last when none has one).
std::pair<long, long> day_span(const std::vector<std::pair<long, Xapian::docid>>& order) {
  long first = std::numeric_limits<long>::max(), last = std::numeric_limits<long>::min();
  for (const auto& [day, _] : order)
    if (day != std::numeric_limits<long>::max()) {
      first = std::min(first, day);
      last = std::max(last, day);
    }
  return {first, last};
}

// Deletes the incidents a run replaced and did not keep (`old_ids` but not `taken`); relinking
// everything also drops incidents whose articles are gone.
void drop_untaken(Xapian::WritableDatabase& db, bool everything, const std::set<std::string>& old_ids,
                  const std::set<std::string>& taken) {
  std::vector<std::string> gone;
  if (everything) {
    for (Xapian::docid d : docs_of_type(db, schema::kIncidentType))
      if (std::string id = db.get_document(d, Xapian::DOC_ASSUME_VALID).get_value(schema::kIncidentId); !taken.count(id))
        gone.push_back(std::move(id));
  } else {
    for (const auto& id : old_ids)
      if (!taken.count(id)) gone.push_back(id);
  }
  for (const auto& id : gone) db.delete_document(std::string(schema::kIdPrefix) + id);
}

}  // namespace

LinkStats IncidentLinker::relink_all() { return relink(docs_of_type(db_, schema::kArticleType), true); }

LinkStats IncidentLinker::link(const std::vector<std::string>& article_ids) {
  if (article_ids.empty()) return {};
  // The new articles, every article within a few days of their event dates, and every article of
  // an incident that any of those belongs to.
  std::set<Xapian::docid> chosen;
  std::vector<std::pair<std::string, std::string>> spans;  // event-date value ranges around them
  const long reach = o_.date_slack_days + 3;
  for (const auto& id : article_ids)
    for (auto p = db_.postlist_begin(std::string(schema::kIdPrefix) + id); p != db_.postlist_end(std::string(schema::kIdPrefix) + id); ++p) {
      chosen.insert(*p);
      const std::string w = db_.get_document(*p).get_value(schema::kEventDate);
      const long day = value_day(w);
      if (day == std::numeric_limits<long>::max()) continue;
      const bool month = w.substr(6, 2) == "00";
      spans.emplace_back(month ? w : Date::from_days(day - reach).ymd_string(), Date::from_days(day + reach + (month ? 31 : 0)).ymd_string());
    }
  // Overlapping spans as one range: a run over a long period is one range, not one per day.
  std::sort(spans.begin(), spans.end());
  std::vector<Xapian::Query> ranges;
  for (std::size_t i = 0; i < spans.size();) {
    auto [lo, hi] = spans[i];
    for (++i; i < spans.size() && spans[i].first <= hi; ++i) hi = std::max(hi, spans[i].second);
    ranges.emplace_back(Xapian::Query::OP_VALUE_RANGE, schema::kEventDate, lo, hi);
  }
  if (!ranges.empty()) {
    const Xapian::Query near(Xapian::Query::OP_FILTER, Xapian::Query(type_term(schema::kArticleType)),
                             Xapian::Query(Xapian::Query::OP_OR, ranges.begin(), ranges.end()));
    for (Xapian::docid d : docs_matching(db_, near)) chosen.insert(d);
  }
  // Every other report of the incidents these articles belong to.
  if (db_.get_termfreq(type_term(schema::kIncidentType)) > 0) {
    std::set<Xapian::docid> with_members = chosen;
    const std::string member(schema::kMemberPrefix), id_prefix(schema::kIdPrefix);
    for (Xapian::docid d : chosen) {
      const std::string term = member + id_of(db_, d);
      for (auto inc = db_.postlist_begin(term); inc != db_.postlist_end(term); ++inc) {
        auto t = db_.termlist_begin(*inc);
        for (t.skip_to(member); t != db_.termlist_end(*inc) && (*t).rfind(member, 0) == 0; ++t) {
          const std::string article = id_prefix + (*t).substr(member.size());
          for (auto a = db_.postlist_begin(article); a != db_.postlist_end(article); ++a) with_members.insert(*a);
        }
      }
    }
    chosen = std::move(with_members);
  }
  const bool everything = chosen.size() == db_.get_termfreq(type_term(schema::kArticleType));
  return relink(std::vector<Xapian::docid>(chosen.begin(), chosen.end()), everything);
}

// Relinking streams: articles are read in event-date order and clustered as they come; an
// incident is summarised when its cluster closes, related once every incident that could be
// earlier than it has closed too, and then written. Memory holds the open clusters' reports and
// a brief of each incident, not every report at once.
LinkStats IncidentLinker::relink(std::vector<Xapian::docid> articles, bool everything) {
  LinkStats stats;
  const std::string incident_type = type_term(schema::kIncidentType);
  const bool stored = db_.get_termfreq(incident_type) > 0;

  const Before before = read_before(db_, articles, everything);
  const WordStats word_stats = [&](const std::string& w) {
    const auto it = before.df.find(w);
    return std::make_pair(it == before.df.end() ? 0.0 : it->second, before.articles);
  };
  const auto& previous = before.incident_of;
  std::set<std::string> old_ids;
  for (const auto& [_, inc] : previous) old_ids.insert(inc);

  const std::vector<std::pair<long, Xapian::docid>> order = by_event_day(db_, std::move(articles));

  // Stored incidents outside this run are candidates too: those an incident of the run may
  // answer (read up front), and those at a place it recalls (read once per place).
  std::set<std::string> taken;  // ids of this run's incidents
  long first, last;  // the run's event days (plain variables: the lambda below captures them)
  std::tie(first, last) = day_span(order);
  const bool outside = stored && !everything && first <= last;
  std::map<std::string, std::vector<std::pair<long, std::string>>> stored_at;  // place → (day, id), sorted
  Relator::MoreAtPlace more;
  if (outside)
    more = [&](const std::string& place, long before_day) {
      auto at = stored_at.find(place);
      if (at == stored_at.end()) at = stored_at.emplace(place, stored_recall_candidates(db_, place, first, last, old_ids)).first;
      // The latest few before the day that this run has not replaced.
      std::vector<std::pair<long, std::string>> out;
      const auto& ys = at->second;
      for (auto y = std::lower_bound(ys.begin(), ys.end(), std::make_pair(before_day, std::string())); y != ys.begin() && out.size() < Relator::kRecalls;)
        if (!taken.count((--y)->second)) out.push_back(*y);
      return out;
    };
  Relator relator(o_, more);
  if (outside) {
    // A month before the first day too: month-precision values sort before their month's days.
    const Xapian::Query window(Xapian::Query::OP_VALUE_RANGE, schema::kEventDate,
                               Date::from_days(first - o_.response_days - 31).ymd_string(), Date::from_days(last).ymd_string());
    for (Xapian::docid d : docs_matching(db_, Xapian::Query(Xapian::Query::OP_FILTER, Xapian::Query(incident_type), window))) {
      const json inc = schema::read_record(db_.get_document(d).get_data());
      if (inc.is_object() && !old_ids.count(inc.value("id", ""))) relator.add(inc);
    }
  }

  // Closed clusters become incidents waiting to be related, by their day.
  struct Closed {
    json incident;
    bool response;
    std::set<std::string> mentioned;
  };
  std::multimap<long, Closed> waiting;
  std::unordered_map<std::size_t, Report> open;  // reports of open clusters, by position in `order`
  const auto write = [&](json& inc) {
    db_.replace_document(std::string(schema::kIdPrefix) + inc["id"].get<std::string>(), schema::make_incident_document(inc, g_));
    ++stats.incidents;
    if (inc["report_count"].get<std::size_t>() >= 2) ++stats.multi;
    stats.relations += inc["related"]["responds_to"].size() + inc["related"]["recalls"].size();
  };
  const auto close = [&](std::size_t, std::vector<std::size_t>&& cluster) {
    std::vector<const Report*> members;
    // Its id: that of the old incident most of its reports belonged to, else from its founder.
    std::map<std::string, int> votes;
    for (std::size_t i : cluster) {
      const Report& r = open.at(i);
      members.push_back(&r);
      if (const auto it = previous.find(r.id); it != previous.end()) ++votes[it->second];
    }
    std::string id;
    int best = 0;
    for (const auto& [old, n] : votes)
      if (n > best && !taken.count(old)) {
        best = n;
        id = old;
      }
    if (id.empty()) id = incident_id_for(members.front()->id);
    taken.insert(id);
    json inc = summarize_incident(id, members, g_);
    auto [response, mentioned] = relation_cues(members);
    for (std::size_t i : cluster) open.erase(i);
    const auto date = parse_record_date(inc["event_date"]);
    if (!date) {
      write(inc);
      return;
    }
    relator.add(inc);
    waiting.emplace(date->days(), Closed{std::move(inc), response, std::move(mentioned)});
  };
  Clusterer clusterer(o_, [&](std::size_t i) -> const Report& { return open.at(i); }, close);
  // Relates and writes the waiting incidents dated before `day`, once no incident dated before it
  // can still appear.
  const auto settle = [&](long day) {
    const long frontier = std::min(day, clusterer.frontier());
    const auto end = waiting.lower_bound(frontier);
    for (auto it = waiting.begin(); it != end; ++it) {
      relator.relate(it->second.incident, it->second.response, it->second.mentioned);
      write(it->second.incident);
    }
    waiting.erase(waiting.begin(), end);
    if (frontier != std::numeric_limits<long>::max()) relator.forget_before(frontier);
  };

  for (std::size_t i = 0; i < order.size();) {
    // One day's articles, clustered in (published, id) order.
    const long day = order[i].first;
    std::vector<std::size_t> events;
    for (; i < order.size() && order[i].first == day; ++i) {
      const json rec = schema::read_record_without_mentions(db_.get_document(order[i].second).get_data());
      if (!rec.is_object()) continue;
      Report& r = open.emplace(i, make_report(rec, indexed_word_counts(db_, order[i].second), g_, word_stats)).first->second;
      ++stats.articles;
      if (r.has_event())
        events.push_back(i);
      else
        clusterer.alone(i);
    }
    std::sort(events.begin(), events.end(), [&](std::size_t a, std::size_t b) { return cluster_key(open.at(a)) < cluster_key(open.at(b)); });
    for (std::size_t e : events) clusterer.add(e);
    settle(i < order.size() ? order[i].first : std::numeric_limits<long>::max());
    if (progress_) progress_(i, order.size());
  }
  clusterer.finish();
  settle(std::numeric_limits<long>::max());

  drop_untaken(db_, everything, old_ids, taken);
  db_.commit();
  return stats;
}

}  // namespace incidex
