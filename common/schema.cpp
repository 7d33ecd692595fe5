#include "schema.h"

#include <algorithm>

#include "normalize.h"
#include "word_pairs.h"

namespace incidex::schema {

std::string_view main_prefix(Facet f) {
  switch (f) {
    case Facet::group: return "XG";
    case Facet::weapon: return "XW";
    case Facet::place: return "XL";
    case Facet::source: return "XS";
  }
  return "";
}

std::string_view any_prefix(Facet f) {
  switch (f) {
    case Facet::group: return "XAG";
    case Facet::weapon: return "XAW";
    case Facet::place: return "XAL";
    case Facet::source: return "XS";
  }
  return "";
}

std::string_view mention_prefix(Facet f) {
  switch (f) {
    case Facet::group: return "XEG";
    case Facet::weapon: return "XEW";
    case Facet::place: return "XEL";
    case Facet::source: return "XS";
  }
  return "";
}

Xapian::valueno facet_slot(Facet f, bool any_role) {
  switch (f) {
    case Facet::group: return any_role ? kGroupsAny : kGroups;
    case Facet::weapon: return any_role ? kWeaponsAny : kWeapons;
    case Facet::place: return any_role ? kLocationsAny : kLocations;
    case Facet::source: return kSource;
  }
  return Xapian::BAD_VALUENO;
}

std::string join_ids(std::vector<std::string> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::string out;
  for (const auto& id : ids) {
    if (!out.empty()) out += kListSeparator;
    out += id;
  }
  return out;
}

namespace {

int specificity(const Entity& e) {
  if (e.kind == "base" || e.kind == "airport" || e.kind == "site") return 5;
  if (e.kind == "town") return 4;
  if (e.kind == "district") return 3;
  if (e.kind == "province") return 2;
  if (e.kind == "sea" || e.kind == "region") return 1;
  return 0;
}

void add_words(Xapian::Document& doc, const std::vector<Token>& tokens, Xapian::termpos& pos, bool title) {
  const std::string* prev = nullptr;  // the word before, when it forms pairs
  for (const Token& t : tokens) {
    ++pos;
    const bool indexed = t.key.size() <= kMaxWordBytes;
    const bool pairs = indexed && word_pairs::pairable(t.key);
    if (prev && pairs) {
      doc.add_boolean_term(word_pairs::pair_term(*prev, t.key));
      if (title) doc.add_boolean_term(word_pairs::pair_term(std::string(kTitlePrefix) + *prev, std::string(kTitlePrefix) + t.key));
    }
    prev = pairs ? &t.key : nullptr;
    if (!indexed) continue;
    const std::string st = stem(t.key);
    doc.add_posting(t.key, pos, title ? kTitleWeight : 1);
    doc.add_term(std::string(kStemPrefix) + st, title ? kTitleWeight : 1);
    if (title) {
      doc.add_posting(std::string(kTitlePrefix) + t.key, pos);
      doc.add_term(std::string(kStemPrefix) + std::string(kTitlePrefix) + st);
    }
  }
}

}  // namespace

const Entity* main_location(const Analysis& a) {
  const Entity* best = nullptr;
  for (const FacetValue& v : a.locations)
    if (v.role == Role::main && (!best || specificity(*v.entity) > specificity(*best))) best = v.entity;
  return best;
}

Xapian::Document make_document(const Analysis& a, const Gazetteer& g, const nlohmann::json& record) {
  Xapian::Document doc;
  Xapian::termpos pos = 0;
  add_words(doc, a.title_tokens, pos, true);
  pos += 100;  // no phrase spans title and body
  add_words(doc, a.text_tokens, pos, false);

  doc.add_boolean_term(std::string(kIdPrefix) + a.id);
  doc.add_boolean_term(std::string(kTypePrefix) + std::string(kArticleType));
  doc.add_boolean_term(std::string(kPairedTerm));
  for (Facet f : {Facet::group, Facet::weapon, Facet::place}) {
    std::vector<std::string> main_ids, any_ids;
    for (const FacetValue& v : a.values(f)) {
      any_ids.push_back(v.entity->id);
      doc.add_boolean_term(std::string(mention_prefix(f)) + v.entity->id);
      if (v.role == Role::main) main_ids.push_back(v.entity->id);
      // Filtering by a value finds everything under it: a group's units and member factions,
      // a weapon category's types, a place's sub-places.
      std::vector<const Entity*> terms = {v.entity};
      for (const Entity* anc : g.ancestors(*v.entity)) terms.push_back(anc);
      for (const Entity* e : terms) {
        doc.add_boolean_term(std::string(any_prefix(f)) + e->id);
        if (v.role == Role::main) doc.add_boolean_term(std::string(main_prefix(f)) + e->id);
      }
    }
    doc.add_value(facet_slot(f, false), join_ids(main_ids));
    doc.add_value(facet_slot(f, true), join_ids(any_ids));
  }
  if (!a.source_id.empty()) {
    doc.add_boolean_term(std::string(main_prefix(Facet::source)) + a.source_id);
    doc.add_value(kSource, a.source_id);
  }
  if (const auto& d = a.event_date.date) {
    doc.add_value(kEventDate, d->ymd_string());
    doc.add_value(kEventMonth, d->ymd_string().substr(0, 6));
    doc.add_value(kDatePrecision, std::string(to_string(d->precision)));
    if (d->precision == DatePrecision::day) doc.add_boolean_term(std::string(kDayPrefix) + d->ymd_string());
    doc.add_boolean_term(std::string(kMonthPrefix) + d->ymd_string().substr(0, 6));
    doc.add_boolean_term(std::string(kYearPrefix) + d->ymd_string().substr(0, 4));
  }
  if (const auto& d = a.published.date) doc.add_value(kPublished, d->ymd_string());
  if (const Entity* loc = main_location(a); loc && loc->lat && loc->lon) {
    doc.add_value(kLat, Xapian::sortable_serialise(*loc->lat));
    doc.add_value(kLon, Xapian::sortable_serialise(*loc->lon));
  }
  if (a.killed.count) doc.add_value(kKilled, Xapian::sortable_serialise(*a.killed.count));
  if (a.injured.count) doc.add_value(kInjured, Xapian::sortable_serialise(*a.injured.count));

  doc.set_data(pack_data(record, a.article.text));
  return doc;
}

std::string pack_data(const nlohmann::json& record, std::string_view text) {
  std::string out = record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);  // no raw newline
  out += '\n';
  out.append(text);
  return out;
}

nlohmann::json read_record(std::string_view data) {
  return nlohmann::json::parse(data.substr(0, data.find('\n')), nullptr, false);
}

nlohmann::json read_record_without_mentions(std::string_view data) {
  using nlohmann::json;
  static const json::parser_callback_t skip = [](int depth, json::parse_event_t event, json& parsed) {
    // Entities sit at depth 2 (record → list → entity); their keys are read at depth 3.
    return !(event == json::parse_event_t::key && depth == 3 && parsed == "mentions");
  };
  return json::parse(data.substr(0, data.find('\n')), skip, false);
}

std::string_view read_text(std::string_view data) {
  const size_t nl = data.find('\n');
  return nl == std::string_view::npos ? std::string_view() : data.substr(nl + 1);
}

std::string incident_of(const Xapian::Database& db, const std::string& article_id) {
  const std::string term = std::string(kMemberPrefix) + article_id;
  const auto it = db.postlist_begin(term);
  return it == db.postlist_end(term) ? std::string() : db.get_document(*it, Xapian::DOC_ASSUME_VALID).get_value(kIncidentId);
}

Xapian::Document make_incident_document(const nlohmann::json& inc, const Gazetteer& g) {
  Xapian::Document doc;
  Xapian::termpos pos = 0;
  add_words(doc, tokenize(inc.value("title", "")), pos, true);
  pos += 100;
  add_words(doc, tokenize(inc.value("summary", "")), pos, false);
  for (const auto& r : inc["reports"]) {
    pos += 100;
    add_words(doc, tokenize(r.value("title", "")), pos, false);
  }
  const std::string id = inc["id"];
  doc.add_boolean_term(std::string(kIdPrefix) + id);
  doc.add_boolean_term(std::string(kTypePrefix) + std::string(kIncidentType));
  doc.add_boolean_term(std::string(kPairedTerm));
  doc.add_value(kIncidentId, id);
  for (auto [field, f] : {std::pair{"groups", Facet::group}, {"weapons", Facet::weapon}, {"locations", Facet::place}}) {
    std::vector<std::string> ids;
    for (const auto& v : inc[field]) {
      const std::string vid = v["id"];
      ids.push_back(vid);
      doc.add_boolean_term(std::string(mention_prefix(f)) + vid);
      std::vector<std::string> terms = {vid};
      if (const Entity* e = g.find(f, vid))
        for (const Entity* anc : g.ancestors(*e)) terms.push_back(anc->id);
      for (const auto& t : terms) {
        doc.add_boolean_term(std::string(main_prefix(f)) + t);
        doc.add_boolean_term(std::string(any_prefix(f)) + t);
      }
    }
    doc.add_value(facet_slot(f, false), join_ids(ids));
    doc.add_value(facet_slot(f, true), join_ids(ids));
  }
  std::vector<std::string> sources;
  for (const auto& r : inc["reports"]) {
    doc.add_boolean_term(std::string(kMemberPrefix) + r["id"].get<std::string>());
    if (r["source_id"].is_string()) {
      sources.push_back(r["source_id"]);
      doc.add_boolean_term(std::string(main_prefix(Facet::source)) + r["source_id"].get<std::string>());
    }
  }
  doc.add_value(kSource, join_ids(sources));
  for (const auto& y : inc["related"]["responds_to"]) doc.add_boolean_term(std::string(kRespondsPrefix) + y.get<std::string>());
  for (const auto& y : inc["related"]["recalls"]) doc.add_boolean_term(std::string(kRecallsPrefix) + y.get<std::string>());
  if (inc["event_date"].is_string()) {
    const std::string iso = inc["event_date"];
    const std::string ymd = iso.size() == 10 ? iso.substr(0, 4) + iso.substr(5, 2) + iso.substr(8, 2) : iso.substr(0, 4) + iso.substr(5, 2) + "00";
    doc.add_value(kEventDate, ymd);
    doc.add_value(kEventMonth, ymd.substr(0, 6));
    doc.add_value(kDatePrecision, inc.value("event_date_precision", ""));
    if (iso.size() == 10) doc.add_boolean_term(std::string(kDayPrefix) + ymd);
    doc.add_boolean_term(std::string(kMonthPrefix) + ymd.substr(0, 6));
    doc.add_boolean_term(std::string(kYearPrefix) + ymd.substr(0, 4));
  }
  if (inc["first_report"].is_string()) {
    const std::string p = inc["first_report"];
    doc.add_value(kPublished, p.substr(0, 4) + p.substr(5, 2) + p.substr(8, 2));
  }
  if (inc["location"].is_object() && inc["location"]["lat"].is_number()) {
    doc.add_value(kLat, Xapian::sortable_serialise(inc["location"]["lat"].get<double>()));
    doc.add_value(kLon, Xapian::sortable_serialise(inc["location"]["lon"].get<double>()));
  }
  if (inc["killed"].is_number()) doc.add_value(kKilled, Xapian::sortable_serialise(inc["killed"].get<int>()));
  if (inc["injured"].is_number()) doc.add_value(kInjured, Xapian::sortable_serialise(inc["injured"].get<int>()));
  doc.set_data(pack_data(inc, {}));
  return doc;
}

}  // namespace incidex::schema
