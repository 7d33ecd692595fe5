#include "incidents.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
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

double place_score(const Report& a, const Report& b, const Gazetteer& g) {
  if (a.places.empty() || b.places.empty()) return 0.3;
  double best = 0;
  for (const Entity* p : a.places)
    for (const Entity* q : b.places) {
      double s = 0;
      if (p == q) {
        s = level(*p) >= 3 ? 1.0 : level(*p) == 2 ? 0.7 : 0.4;
      } else if (is_ancestor(g, *p, *q) || is_ancestor(g, *q, *p)) {
        const Entity& upper = is_ancestor(g, *p, *q) ? *p : *q;
        s = level(upper) >= 3 ? 0.9 : level(upper) == 2 ? 0.6 : 0.3;
      } else {
        const double km = distance_km(*p, *q);
        s = km < 30 ? 0.8 : km < 100 ? 0.5 : 0.0;
      }
      best = std::max(best, s);
    }
  return best;
}

bool overlaps(const std::set<std::string>& a, const std::set<std::string>& b) {
  for (const auto& x : a)
    if (b.count(x)) return true;
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

// Whether a report's or incident's weapons (with categories) make it an air or drone strike.
bool is_strike(const std::set<std::string>& weapon_ids) {
  return weapon_ids.count("airstrike") > 0 || weapon_ids.count("armed-drone-strike") > 0;
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
  for (auto t = db.termlist_begin(doc); t != db.termlist_end(doc); ++t) {
    const std::string& w = *t;
    // Words are lower-case; prefixed terms (Z, S, X…, Q) start with a capital.
    if (w.size() < 3 || !(w[0] >= 'a' && w[0] <= 'z') || stopwords().count(w)) continue;
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
      auto& ids = facet == Facet::group ? r.group_ids : facet == Facet::weapon ? r.weapon_ids : r.place_ids;
      list.push_back(e);
      ids.insert(e->id);
      for (const Entity* a : g.ancestors(*e)) ids.insert(a->id);
      if (facet == Facet::group && v.contains("stance") && v["stance"].is_string()) r.stances[e->id] = v["stance"];
    }
  }
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
  for (const auto& [word, w] : weights) r.terms[word] = norm > 0 ? w / norm : 0;
  return r;
}

double similarity(const Report& a, const Report& b, const Gazetteer& g, const LinkOptions& o) {
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
  const auto strike = [](const Report& r) { return is_strike(r.weapon_ids); };
  if (strike(a) != strike(b) && !a.weapon_ids.empty() && !b.weapon_ids.empty()) return 0;
  double weapons = 0.5;
  if (!a.weapon_ids.empty() && !b.weapon_ids.empty()) {
    if (!overlaps(a.weapon_ids, b.weapon_ids)) return 0;  // a drone attack and an airstrike are two events
    weapons = 1.0;
  }
  const double groups = a.group_ids.empty() || b.group_ids.empty() ? 0.5 : overlaps(a.group_ids, b.group_ids) ? 1.0 : 0.2;
  double text = 0;
  for (const auto& [w, x] : a.terms)
    if (auto it = b.terms.find(w); it != b.terms.end()) text += x * it->second;
  return 0.35 * place_score(a, b, g) + 0.15 * weapons + 0.15 * groups + 0.35 * text;
}

std::vector<std::vector<std::size_t>> cluster_reports(const std::vector<Report>& reports, const Gazetteer& g, const LinkOptions& o) {
  std::vector<std::size_t> order(reports.size());
  std::iota(order.begin(), order.end(), 0);
  const auto key = [&](std::size_t i) {
    const Report& r = reports[i];
    return std::make_tuple(r.has_event() ? 0 : 1, r.date ? r.date->days() : 0L, r.published, r.id);
  };
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return key(a) < key(b); });
  std::vector<std::vector<std::size_t>> clusters;
  std::vector<long> last_day;        // latest member date of each cluster
  std::vector<std::size_t> active;   // clusters that may still take members
  for (std::size_t i : order) {
    const Report& r = reports[i];
    if (!r.has_event()) {
      clusters.push_back({i});
      last_day.push_back(0);
      continue;
    }
    const long day = r.date->days();
    const long reach = o.date_slack_days + 2 + (r.date->precision == DatePrecision::month ? 31 : 0);
    active.erase(std::remove_if(active.begin(), active.end(), [&](std::size_t c) { return last_day[c] + reach + 31 < day; }),
                 active.end());
    double best = 0;
    std::size_t best_cluster = 0;
    for (std::size_t c : active)
      for (std::size_t m : clusters[c]) {
        const double s = similarity(r, reports[m], g, o);
        if (s > best) {
          best = s;
          best_cluster = c;
        }
      }
    if (best >= o.threshold) {
      clusters[best_cluster].push_back(i);
      last_day[best_cluster] = std::max(last_day[best_cluster], day);
    } else {
      clusters.push_back({i});
      last_day.push_back(day);
      active.push_back(clusters.size() - 1);
    }
  }
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
  struct Brief {
    std::string id;
    std::optional<Date> date;
    std::string place;               // most specific main place
    bool specific_place = false;     // a town, base or site (not a province or country)
    std::set<std::string> groups;    // main groups, as named
    std::set<std::string> weapons;   // main weapons with categories
  };
  std::vector<Brief> briefs;
  for (const auto& inc : incidents) {
    Brief b;
    b.id = inc["id"];
    b.date = parse_record_date(inc["event_date"]);
    b.place = inc["location"].is_object() ? inc["location"].value("id", "") : "";
    const std::string kind = inc["location"].is_object() ? inc["location"].value("kind", "") : "";
    b.specific_place = kind == "town" || kind == "base" || kind == "airport" || kind == "site";
    for (const auto& v : inc["groups"]) b.groups.insert(v["id"].get<std::string>());
    for (const auto& v : inc["weapons"]) {
      b.weapons.insert(v["id"].get<std::string>());
      b.weapons.insert(v.value("category", ""));
    }
    briefs.push_back(std::move(b));
  }
  // Candidates: incidents by date (for answers within response_days) and by main place (for recalls).
  std::vector<std::size_t> by_day;
  std::map<std::string, std::vector<std::size_t>> by_place;
  for (std::size_t y = 0; y < briefs.size(); ++y) {
    if (!briefs[y].date) continue;
    by_day.push_back(y);
    if (!briefs[y].place.empty() && briefs[y].specific_place) by_place[briefs[y].place].push_back(y);
  }
  std::sort(by_day.begin(), by_day.end(), [&](std::size_t a, std::size_t b) { return briefs[a].date->days() < briefs[b].date->days(); });
  // Each place's incidents by date and id: the ones a report recalls are the latest before its day.
  const auto before = [&](std::size_t a, std::size_t b) {
    return std::make_pair(briefs[a].date->days(), std::cref(briefs[a].id)) <
           std::make_pair(briefs[b].date->days(), std::cref(briefs[b].id));
  };
  for (auto& [_, ys] : by_place) std::sort(ys.begin(), ys.end(), before);
  constexpr std::size_t kRecalls = 5;
  for (std::size_t x = 0; x < incidents.size(); ++x) {
    const Brief& bx = briefs[x];
    const auto it = members.find(bx.id);
    if (!bx.date || it == members.end()) continue;
    bool response = false;
    std::set<std::string> mentioned;
    for (const Report* r : it->second) {
      response = response || r->response;
      mentioned.insert(r->mentioned_places.begin(), r->mentioned_places.end());
    }
    const long day = bx.date->days();
    const auto earlier = [&](const Brief& by) {
      return by.date->days() < day || (by.date->days() == day && by.id < bx.id);
    };
    std::vector<std::pair<double, std::string>> answers, recalls;
    if (response) {
      auto lo = std::lower_bound(by_day.begin(), by_day.end(), day - o.response_days,
                                 [&](std::size_t y, long d) { return briefs[y].date->days() < d; });
      for (; lo != by_day.end() && briefs[*lo].date->days() <= day; ++lo) {
        const Brief& by = briefs[*lo];
        if (*lo == x || !earlier(by)) continue;
        const bool place = !by.place.empty() && mentioned.count(by.place) && by.place != bx.place;
        const bool actors = overlaps(bx.groups, by.groups);
        // An air strike answering an attack, or an attack answering a strike.
        const bool different_action = is_strike(bx.weapons) != is_strike(by.weapons);
        if (different_action && (place || actors))
          answers.emplace_back((place ? 2.0 : 0.0) + (actors ? 1.0 : 0.0) - static_cast<double>(day - by.date->days()) / 100.0, by.id);
      }
    }
    for (const auto& place : mentioned) {
      if (place == bx.place) continue;
      const auto ys = by_place.find(place);
      if (ys == by_place.end()) continue;
      // The incidents there before this day, and of those the last few (the most recent).
      const auto end = std::lower_bound(ys->second.begin(), ys->second.end(), day,
                                        [&](std::size_t y, long d) { return briefs[y].date->days() < d; });
      for (auto y = end - std::min<std::ptrdiff_t>(end - ys->second.begin(), kRecalls); y != end; ++y)
        recalls.emplace_back(-static_cast<double>(day - briefs[*y].date->days()), briefs[*y].id);
    }
    std::sort(answers.rbegin(), answers.rend());
    std::sort(recalls.rbegin(), recalls.rend());
    json& rel = incidents[x]["related"];
    rel["responds_to"] = json::array();
    rel["recalls"] = json::array();
    for (std::size_t i = 0; i < answers.size() && i < 1; ++i) rel["responds_to"].push_back(answers[i].second);
    for (std::size_t i = 0; i < recalls.size() && i < kRecalls; ++i) rel["recalls"].push_back(recalls[i].second);
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

Xapian::Query article_type() { return Xapian::Query(std::string(schema::kTypePrefix) + std::string(schema::kArticleType)); }

}  // namespace

LinkStats IncidentLinker::relink_all() { return relink(docs_matching(db_, article_type())); }

LinkStats IncidentLinker::link(const std::vector<std::string>& article_ids) {
  if (article_ids.empty()) return {};
  // The new articles, every article within a few days of their event dates, and every article of
  // an incident that any of those belongs to.
  std::set<Xapian::docid> chosen;
  std::vector<std::string> windows;
  for (const auto& id : article_ids)
    for (auto p = db_.postlist_begin(std::string(schema::kIdPrefix) + id); p != db_.postlist_end(std::string(schema::kIdPrefix) + id); ++p) {
      const std::string date = db_.get_document(*p).get_value(schema::kEventDate);
      chosen.insert(*p);
      if (date.size() == 8) windows.push_back(date);
    }
  std::sort(windows.begin(), windows.end());
  windows.erase(std::unique(windows.begin(), windows.end()), windows.end());
  std::vector<Xapian::Query> ranges;
  const long reach = o_.date_slack_days + 3;
  for (const auto& w : windows) {
    const Date d = Date::ymd(std::stoi(w.substr(0, 4)), std::stoi(w.substr(4, 2)), std::max(1, std::stoi(w.substr(6, 2))));
    const std::string lo = Date::from_days(d.days() - reach).ymd_string();
    const std::string hi = Date::from_days(d.days() + reach + (w.substr(6, 2) == "00" ? 31 : 0)).ymd_string();
    ranges.emplace_back(Xapian::Query::OP_VALUE_RANGE, schema::kEventDate, w.substr(6, 2) == "00" ? w : lo, hi);
  }
  if (!ranges.empty()) {
    const Xapian::Query near(Xapian::Query::OP_FILTER, article_type(), Xapian::Query(Xapian::Query::OP_OR, ranges.begin(), ranges.end()));
    for (Xapian::docid d : docs_matching(db_, near)) chosen.insert(d);
  }
  // Every other report of the incidents these articles belong to.
  std::set<Xapian::docid> with_members = chosen;
  const std::string member(schema::kMemberPrefix), id_prefix(schema::kIdPrefix);
  for (Xapian::docid d : chosen) {
    const json rec = schema::read_record(db_.get_document(d).get_data());
    if (!rec.is_object()) continue;
    const std::string term = member + rec.value("id", "");
    for (auto inc = db_.postlist_begin(term); inc != db_.postlist_end(term); ++inc) {
      auto t = db_.termlist_begin(*inc);
      for (t.skip_to(member); t != db_.termlist_end(*inc) && (*t).rfind(member, 0) == 0; ++t) {
        const std::string article = id_prefix + (*t).substr(member.size());
        for (auto a = db_.postlist_begin(article); a != db_.postlist_end(article); ++a) with_members.insert(*a);
      }
    }
  }
  chosen = std::move(with_members);
  return relink(std::vector<Xapian::docid>(chosen.begin(), chosen.end()));
}

LinkStats IncidentLinker::relink(const std::vector<Xapian::docid>& articles) {
  LinkStats stats;
  const double total = db_.get_doccount();
  const WordStats word_stats = [&](const std::string& w) { return std::make_pair(static_cast<double>(db_.get_termfreq(w)), total); };

  std::vector<Report> reports;
  std::vector<std::string> previous;  // each report's incident before this run ("" if none)
  reports.reserve(articles.size());
  for (Xapian::docid d : articles) {
    const json rec = schema::read_record(db_.get_document(d).get_data());
    if (!rec.is_object()) continue;
    previous.push_back(schema::incident_of(db_, rec.value("id", "")));
    reports.push_back(make_report(rec, indexed_word_counts(db_, d), g_, word_stats));
  }
  stats.articles = reports.size();
  const auto clusters = cluster_reports(reports, g_, o_);

  // Ids: a cluster keeps the id of the old incident most of its reports belonged to.
  std::set<std::string> old_ids(previous.begin(), previous.end());
  old_ids.erase("");
  std::set<std::string> taken;
  std::vector<std::string> ids;
  for (const auto& c : clusters) {
    std::map<std::string, int> votes;
    for (std::size_t i : c)
      if (!previous[i].empty()) ++votes[previous[i]];
    std::string id;
    int best = 0;
    for (const auto& [old, n] : votes)
      if (n > best && !taken.count(old)) {
        best = n;
        id = old;
      }
    if (id.empty()) id = incident_id_for(reports[c.front()].id);
    taken.insert(id);
    ids.push_back(id);
  }

  // Summaries and relations (to every incident in the run and, as earlier incidents, to stored ones).
  std::vector<json> incidents;
  std::map<std::string, std::vector<const Report*>> members;
  for (std::size_t k = 0; k < clusters.size(); ++k) {
    auto& list = members[ids[k]];
    for (std::size_t i : clusters[k]) list.push_back(&reports[i]);
    incidents.push_back(summarize_incident(ids[k], list, g_));
  }
  const std::size_t own = incidents.size();
  for (Xapian::docid d : docs_matching(db_, Xapian::Query(std::string(schema::kTypePrefix) + "incident"))) {
    json inc = schema::read_record(db_.get_document(d).get_data());
    if (inc.is_object() && !old_ids.count(inc.value("id", "")) && !taken.count(inc.value("id", ""))) incidents.push_back(std::move(inc));
  }
  relate_incidents(incidents, members, o_);
  incidents.resize(own);

  // Write: old incidents out, new ones in. Articles find theirs through its member terms.
  for (const auto& old : old_ids) db_.delete_document(std::string(schema::kIdPrefix) + old);
  for (const auto& id : ids) db_.delete_document(std::string(schema::kIdPrefix) + id);
  for (auto& inc : incidents) {
    const std::string id = inc["id"];
    db_.replace_document(std::string(schema::kIdPrefix) + id, schema::make_incident_document(inc, g_));
    ++stats.incidents;
    if (inc["report_count"].get<std::size_t>() >= 2) ++stats.multi;
    stats.relations += inc["related"]["responds_to"].size() + inc["related"]["recalls"].size();
  }
  db_.commit();
  return stats;
}

}  // namespace incidex
