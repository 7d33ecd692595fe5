#include "analyzer.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "normalize.h"

namespace incidex {

std::string_view to_string(Role r) { return r == Role::main ? "main" : "background"; }

const std::vector<FacetValue>& Analysis::values(Facet f) const {
  static const std::vector<FacetValue> none;
  switch (f) {
    case Facet::group: return groups;
    case Facet::weapon: return weapons;
    case Facet::place: return locations;
    case Facet::source: break;
  }
  return none;
}

std::string slugify(std::string_view name) {
  std::string out;
  for (const auto& t : tokenize(name)) {
    if (!out.empty()) out += '-';
    for (char c : t.key) out += c == '.' ? '-' : c;
  }
  if (out.size() > 64) out.resize(64);
  return out;
}

namespace {

// How many body sentences make the lead, measured on the labelled sample corpus
// (tests/quality_test.cpp): places, weapons and figures are best read from a five-sentence
// lead; groups from a four-sentence lead plus any other sentence that tells an attack.
constexpr std::uint32_t kLeadSentences = 5;
constexpr std::uint32_t kGroupLeadSentences = 4;
constexpr std::uint32_t kDateLeadSentences = 3;
constexpr long kSameEventDays = 2;           // dates this close to the event date are the event

int place_rank(const Entity& e) {
  if (e.kind == "base" || e.kind == "airport" || e.kind == "site") return 4;
  if (e.kind == "town") return 3;
  if (e.kind == "district") return 2;
  if (e.kind == "province" || e.kind == "sea") return 1;
  return 0;
}

// Words that mark a sentence as recalling other events rather than reporting this one.
bool is_context_cue(std::string_view k) {
  static const std::set<std::string_view> kCues = {"since", "earlier", "previous", "previously", "ago", "last",
                                                   "past", "former", "history", "recalled", "anniversary", "recent",
                                                   "fight", "campaign", "series", "wave", "response", "retaliation", "retaliate", "avenge"};
  return kCues.count(k) > 0;
}

// Words that make a sentence tell an attack: it belongs to the main event unless it is context.
bool is_event_cue(std::string_view k) {
  static const std::set<std::string_view> kCues = {
      "attack", "attacked", "attacks", "strike", "strikes", "struck", "hit", "hits", "fired", "launched",
      "targeted", "targeting", "raid", "bombed", "shelled", "intercepted", "downed", "killed", "wounded",
      "injured", "casualties", "claimed", "impact", "explosion", "blast", "landed", "seized", "boarded"};
  return kCues.count(k) > 0;
}

// A group's stance from the words around one of its mentions [first, last) in its sentence: "X
// claimed", "X denied", "X ... responsible" just after the name; "blamed X", "blamed on X" just before.
std::string stance_near(const std::vector<Token>& t, std::size_t first, std::size_t last) {
  static const std::map<std::string_view, std::string_view> kAfter = {
      {"claimed", "claimed"}, {"claim", "claimed"}, {"claiming", "claimed"}, {"claims", "claimed"},
      {"denied", "denied"},   {"denies", "denied"}, {"deny", "denied"},      {"responsible", "blamed"}};
  const std::uint32_t s = t[first].sentence;
  for (std::size_t k = last; k < t.size() && k < last + 6 && t[k].sentence == s; ++k)
    if (auto it = kAfter.find(t[k].key); it != kAfter.end()) return std::string(it->second);
  for (std::size_t k = first; k > 0 && k + 4 > first && t[k - 1].sentence == s; --k)
    if (t[k - 1].key == "blamed" || t[k - 1].key == "blames" || t[k - 1].key == "blame" || t[k - 1].key == "accused")
      return "blamed";
  return {};
}

// Words before a country name that make it the place of an event ("in Syria", "on Israel").
bool is_locative(std::string_view k) {
  static const std::set<std::string_view> kWords = {"in", "at", "near", "from", "into", "inside", "across", "toward",
                                                    "towards", "over", "throughout", "within", "to", "on", "against",
                                                    "of", "off", "outside", "around"};
  return kWords.count(k) > 0;
}

// Words that may follow a country name used as a place ("in Syria on Sunday", "in Iraq and Syria").
bool is_function_word(std::string_view k) {
  static const std::set<std::string_view> kWords = {
      "and", "or", "on", "in", "at", "from", "to", "near", "for", "with", "by", "as", "after", "before", "since",
      "where", "which", "that", "when", "but", "while", "last", "this", "was", "is", "were", "has", "had", "said",
      "early", "late", "overnight", "during", "until", "over", "into", "about", "earlier", "yesterday", "today"};
  return kWords.count(k) > 0;
}

bool is_direction(std::string_view k) {
  static const std::set<std::string_view> kWords = {
      "north", "south", "east", "west", "northern", "southern", "eastern", "western", "central", "northeast",
      "northwest", "southeast", "southwest", "northeastern", "northwestern", "southeastern", "southwestern",
      "far", "neighbouring", "neighboring"};
  return kWords.count(k) > 0;
}

// Words that tie a group to the event wherever the sentence stands.
bool is_claim_cue(std::string_view k) {
  static const std::set<std::string_view> kCues = {"claimed", "claim", "claims", "claiming", "responsibility",
                                                   "blamed", "blames", "blame", "responsible", "denied", "denies"};
  return kCues.count(k) > 0;
}

struct Field {
  const std::string* text;
  const std::vector<Token>* tokens;
  std::string name;
};

// The sentence of the token starting at or after a byte offset.
std::uint32_t sentence_at(const std::vector<Token>& tokens, size_t byte) {
  auto it = std::lower_bound(tokens.begin(), tokens.end(), byte,
                             [](const Token& t, size_t b) { return t.byte_end <= b; });
  return it == tokens.end() ? (tokens.empty() ? 0 : tokens.back().sentence + 1) : it->sentence;
}

}  // namespace

Analysis Analyzer::analyze(RawArticle article) const {
  Analysis a;
  article.title = sanitize_utf8(article.title);
  article.text = sanitize_utf8(article.text);
  a.id = article_id(article);
  a.title_tokens = tokenize(article.title);
  a.text_tokens = tokenize(article.text);
  a.article = std::move(article);
  const RawArticle& art = a.article;

  // Outlet: as the input names it, else by the url's domain, else a header line naming it.
  const Entity* src = nullptr;
  if (!art.source.empty()) {
    src = gazetteer_.source_by_name(art.source);
    if (!src) {
      a.source_id = slugify(art.source);
      a.source_name = art.source;
    }
  }
  if (!src && a.source_id.empty() && !art.url.empty()) {
    std::string host = art.url;
    if (auto p = host.find("://"); p != std::string::npos) host.erase(0, p + 3);
    host = host.substr(0, host.find_first_of("/:?#"));
    src = gazetteer_.source_by_domain(host);
  }
  if (!src && a.source_id.empty())
    for (const auto& line : art.header_lines)
      if (line.size() <= 60 && (src = gazetteer_.source_by_name(line))) break;
  if (src) {
    a.source_id = src->id;
    a.source_name = src->name;
  }

  if (art.published) {
    a.published.date = art.published;
    a.published.text = art.published_text;
    a.published.from = art.format == "text" ? "header" : "metadata";
  }
  const DateResolver resolver(a.published.date);

  // --- dates per sentence ---------------------------------------------------------------------
  struct FoundDate {
    DateExpression expr;
    bool title;
    std::uint32_t sentence;
  };
  std::vector<FoundDate> dates;
  for (auto& e : resolver.find_all(art.title)) dates.push_back({e, true, 0});
  for (auto& e : resolver.find_all(art.text)) {
    const std::uint32_t s = sentence_at(a.text_tokens, e.begin);
    dates.push_back({e, false, s});
  }
  const auto in_lead = [](const FoundDate& d) { return d.title || d.sentence < kDateLeadSentences; };
  const auto after_publication = [&](const Date& d) {
    return a.published.date && d.days() > a.published.date->days() + 1;
  };

  // Event date: the earliest day in the lead (reports lead with reactions that follow the event:
  // "denied on Friday that ... the strike late on Thursday"), else a month in the lead, else the
  // first anchored day in any other sentence; never an expression introduced by "since",
  // "after", "until" or "before", nor one after publication.
  const FoundDate* chosen = nullptr;
  const auto usable = [&](const FoundDate& d) { return !d.expr.backward && !after_publication(d.expr.date); };
  for (const auto& d : dates)
    if (in_lead(d) && usable(d) && d.expr.date.precision == DatePrecision::day &&
        (!chosen || d.expr.date.days() < chosen->expr.date.days()))
      chosen = &d;
  for (const auto& d : dates)
    if (!chosen && in_lead(d) && usable(d)) chosen = &d;
  for (const auto& d : dates)
    if (!chosen && usable(d) && d.expr.anchored && d.expr.date.precision == DatePrecision::day) chosen = &d;
  if (chosen) {
    a.event_date = {chosen->expr.date, chosen->expr.text, "text"};
  } else if (a.published.date) {
    a.event_date = {a.published.date, a.published.text, "published"};
  }

  // --- which sentences tell the main event --------------------------------------------------
  const std::uint32_t sentences = a.text_tokens.empty() ? 0 : a.text_tokens.back().sentence + 1;
  std::vector<bool> context(sentences, false), claim(sentences, false), event(sentences, false);
  for (const auto& t : a.text_tokens) {
    if (is_context_cue(t.key)) context[t.sentence] = true;
    if (is_claim_cue(t.key)) claim[t.sentence] = true;
    if (is_event_cue(t.key)) event[t.sentence] = true;
    if (t.number && t.key.size() == 4 && a.event_date.date) {
      const int y = std::atoi(t.key.c_str());
      if (y >= 1900 && y <= 2100 && y != a.event_date.date->year) context[t.sentence] = true;
    }
  }
  for (const auto& d : dates) {
    if (d.title || d.sentence >= sentences) continue;
    if (d.expr.backward) context[d.sentence] = true;
    if (a.event_date.date && &d != chosen) {
      const Date& ev = *a.event_date.date;
      const bool far = d.expr.date.precision == DatePrecision::day
                           ? std::labs(d.expr.date.days() - ev.days()) > kSameEventDays
                           : (d.expr.date.year != ev.year || d.expr.date.month != ev.month);
      if (far) context[d.sentence] = true;
    }
  }
  const auto lead_sentence = [&](std::uint32_t s, std::uint32_t lead) { return s < lead && !context[s]; };
  const auto event_sentence = [&](std::uint32_t s) { return !context[s] && event[s]; };

  // --- entities -------------------------------------------------------------------------------
  struct Found {
    AliasMatch match;
    bool title;
    const Entity* entity = nullptr;
  };
  std::vector<Found> found;
  for (auto& m : gazetteer_.match(a.title_tokens, art.title)) found.push_back({std::move(m), true});
  for (auto& m : gazetteer_.match(a.text_tokens, art.text)) found.push_back({std::move(m), false});

  // Context for ambiguous names: entities named unambiguously, with their ancestors.
  std::set<const Entity*> named;
  for (const auto& f : found)
    if (f.match.candidates.size() == 1) {
      named.insert(f.match.candidates.front());
      for (const Entity* anc : gazetteer_.ancestors(*f.match.candidates.front())) named.insert(anc);
    }
  for (auto& f : found) {
    const auto& cands = f.match.candidates;
    if (cands.size() == 1) {
      f.entity = cands.front();
      continue;
    }
    const auto score = [&](const Entity* e) {
      long s = 0;
      for (const Entity* anc : gazetteer_.ancestors(*e))
        if (named.count(anc)) s += 100;
      if (e->curated) s += 20;
      if (e->facet == Facet::place) s += place_rank(*e) * 5;
      return std::make_pair(s, e->population);
    };
    f.entity = *std::max_element(cands.begin(), cands.end(),
                                 [&](const Entity* x, const Entity* y) { return score(x) < score(y); });
  }
  // A shorter name standing for a longer one named in the same article is that entity:
  // - a group name inside a longer group name: a bare "Hezbollah" in a story about Kataib
  //   Hezbollah;
  // - a weapon word ending a longer weapon name, or the category of a named type: "missiles"
  //   after "ballistic missiles", "drone attack" after "one-way attack drone".
  const auto stands_for = [&](const Found& shorter, const Found& longer) {
    const auto& small = shorter.match.keys;
    const auto& big = longer.match.keys;
    if (shorter.entity->facet == Facet::group) return std::search(big.begin(), big.end(), small.begin(), small.end()) != big.end();
    const auto anc = gazetteer_.ancestors(*longer.entity);
    return std::equal(small.rbegin(), small.rend(), big.rbegin()) || std::find(anc.begin(), anc.end(), shorter.entity) != anc.end();
  };
  for (auto& f : found) {
    if (f.entity->facet != Facet::group && f.entity->facet != Facet::weapon) continue;
    for (const auto& o : found)
      if (o.entity != f.entity && o.entity->facet == f.entity->facet && o.match.keys.size() > f.match.keys.size() &&
          stands_for(f, o)) {
        f.entity = o.entity;
        break;
      }
  }

  std::map<const Entity*, size_t> slot;
  for (const auto& f : found) {
    const auto& tokens = f.title ? a.title_tokens : a.text_tokens;
    const std::string& text = f.title ? art.title : art.text;
    const Token& first = tokens[f.match.first];
    const Token& last = tokens[f.match.last - 1];
    const std::uint32_t s = first.sentence;
    const bool group = f.entity->facet == Facet::group;
    bool main = f.title || (group ? lead_sentence(s, kGroupLeadSentences) || event_sentence(s) || (claim[s] && !context[s])
                                  : lead_sentence(s, kLeadSentences));
    // A country is where the event happened only when the text places it there ("in Syria",
    // "northeastern Syria"), not as an adjective ("US troops", "Iran-backed", "Iran's").
    if (main && f.entity->facet == Facet::place && f.entity->kind == "country") {
      size_t k = f.match.first;
      while (k > 0 && tokens[k - 1].sentence == first.sentence && is_direction(tokens[k - 1].key)) --k;
      const bool placed = k > 0 && tokens[k - 1].sentence == first.sentence && is_locative(tokens[k - 1].key);
      // Followed by a word with nothing but a space or hyphen between: "US officials", "Iran-backed".
      bool adjective = false;
      if (f.match.last < tokens.size() && tokens[f.match.last].sentence == first.sentence) {
        const Token& next = tokens[f.match.last];
        const std::string_view gap = std::string_view(text).substr(last.byte_end, next.byte_begin - last.byte_end);
        adjective = gap.find_first_not_of(" -") == std::string_view::npos && !is_function_word(next.key) &&
                    !next.number;
      }
      const std::string_view surface = std::string_view(text).substr(last.byte_begin, last.byte_end - last.byte_begin);
      const bool possessive = surface.ends_with("'s") || surface.ends_with("\xE2\x80\x99s");
      if (!placed || adjective || possessive) main = false;
    }
    Mention m{f.title ? "title" : "text", first.begin, last.end,
              std::string(text.substr(first.byte_begin, last.byte_end - first.byte_begin)),
              main ? Role::main : Role::background};
    auto& list = f.entity->facet == Facet::group ? a.groups : f.entity->facet == Facet::weapon ? a.weapons : a.locations;
    auto [it, added] = slot.try_emplace(f.entity, list.size());
    if (added) list.push_back(FacetValue{f.entity, Role::background, {}, {}});
    FacetValue& v = list[it->second];
    if (main) v.role = Role::main;
    v.mentions.push_back(std::move(m));
    if (f.entity->facet == Facet::group && main) {
      const std::string stance = stance_near(tokens, f.match.first, f.match.last);
      if (!stance.empty() && (v.stance.empty() || stance == "denied")) v.stance = stance;
    }
  }

  static const std::set<std::string_view> kResponse = {"response", "retaliation", "retaliatory", "retaliate",
                                                       "retaliated", "avenge", "revenge", "reprisal"};
  for (const auto& t : a.text_tokens) a.response_cue = a.response_cue || kResponse.count(t.key) > 0;

  // --- casualties: the title, then the lead --------------------------------------------------
  const auto take = [&](const Casualties& c, const std::vector<Token>& tokens, const std::string& text) {
    const auto span = [&](const CasualtyFigure& f) {
      return text.substr(tokens[f.first_token].byte_begin,
                         tokens[f.last_token - 1].byte_end - tokens[f.first_token].byte_begin);
    };
    if (c.killed && !a.killed.count) a.killed = {c.killed->count, span(*c.killed)};
    if (c.injured && !a.injured.count) a.injured = {c.injured->count, span(*c.injured)};
  };
  take(find_casualties(a.title_tokens, art.title, 0, a.title_tokens.size()), a.title_tokens, art.title);
  for (size_t i = 0; i < a.text_tokens.size();) {
    const std::uint32_t s = a.text_tokens[i].sentence;
    size_t j = i;
    while (j < a.text_tokens.size() && a.text_tokens[j].sentence == s) ++j;
    if (lead_sentence(s, kLeadSentences)) take(find_casualties(a.text_tokens, art.text, i, j), a.text_tokens, art.text);
    i = j;
  }
  return a;
}

nlohmann::json Analyzer::explain(const Analysis& a) const {
  using nlohmann::json;
  const RawArticle& art = a.article;
  const auto dated = [](const DatedValue& v) {
    return v.date ? json(v.date->iso()) : json(nullptr);
  };
  json j = {
      {"id", a.id},
      {"title", art.title},
      {"source", a.source_name.empty() ? json(nullptr) : json(a.source_name)},
      {"source_id", a.source_id.empty() ? json(nullptr) : json(a.source_id)},
      {"url", art.url.empty() ? json(nullptr) : json(art.url)},
      {"published", dated(a.published)},
      {"published_precision", a.published.date ? to_string(a.published.date->precision) : "none"},
      {"published_text", a.published.text},
      {"published_from", a.published.from.empty() ? json(nullptr) : json(a.published.from)},
      {"event_date", dated(a.event_date)},
      {"event_date_precision", a.event_date.date ? to_string(a.event_date.date->precision) : "none"},
      {"event_date_text", a.event_date.text},
      {"event_date_from", a.event_date.from.empty() ? json(nullptr) : json(a.event_date.from)},
      {"killed", a.killed.count ? json(*a.killed.count) : json(nullptr)},
      {"killed_text", a.killed.text},
      {"injured", a.injured.count ? json(*a.injured.count) : json(nullptr)},
      {"injured_text", a.injured.text},
      {"response_cue", a.response_cue},
      {"path", art.path},
      {"format", art.format},
  };
  if (art.line) j["line"] = art.line;
  if (!art.dateline.empty()) j["dateline"] = art.dateline;
  if (!art.charset.empty() && art.charset != "UTF-8") j["charset"] = art.charset;
  for (Facet f : {Facet::group, Facet::weapon, Facet::place}) {
    json list = json::array();
    for (const FacetValue& v : a.values(f)) {
      const Entity& e = *v.entity;
      json item = {{"id", e.id}, {"name", e.name}, {"role", to_string(v.role)}};
      if (f == Facet::group) {
        item["kind"] = e.kind;
        item["stance"] = v.stance.empty() ? json(nullptr) : json(v.stance);
      }
      if (f == Facet::weapon) item["category"] = e.parents.empty() ? e.id : e.parents.front();
      if (f == Facet::place) {
        item["kind"] = e.kind;
        item["lat"] = e.lat ? json(*e.lat) : json(nullptr);
        item["lon"] = e.lon ? json(*e.lon) : json(nullptr);
        json path = json::array();
        auto anc = gazetteer_.ancestors(e);
        for (auto it = anc.rbegin(); it != anc.rend(); ++it)
          path.push_back({{"id", (*it)->id}, {"name", (*it)->name}, {"kind", (*it)->kind}});
        item["path"] = std::move(path);
      }
      json mentions = json::array();
      for (const Mention& m : v.mentions)
        mentions.push_back({{"field", m.field}, {"begin", m.begin}, {"end", m.end}, {"text", m.text},
                            {"role", to_string(m.role)}});
      item["mentions"] = std::move(mentions);
      list.push_back(std::move(item));
    }
    j[f == Facet::group ? "groups" : f == Facet::weapon ? "weapons" : "locations"] = std::move(list);
  }
  return j;
}

}  // namespace incidex
