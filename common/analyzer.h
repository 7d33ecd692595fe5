// Analysis of one article: tokens, the outlet, entity mentions resolved to gazetteer entries with
// their role (part of the main event, or background), the publication date, the main event's date
// and casualty figures. The analyzer reads only its gazetteer: one instance can serve many
// threads.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "casualties.h"
#include "dates.h"
#include "gazetteer.h"
#include "ingest.h"
#include "tokenizer.h"

namespace incidex {

enum class Role { main, background };
std::string_view to_string(Role r);

// Where an entity was named: field "title" or "text", code point offsets [begin, end).
struct Mention {
  std::string field;
  std::uint32_t begin = 0;
  std::uint32_t end = 0;
  std::string text;
  Role role = Role::background;
};

// An entity named in the article; main when any of its mentions belongs to the main event.
struct FacetValue {
  const Entity* entity = nullptr;
  Role role = Role::background;
  std::vector<Mention> mentions;
  std::string stance;  // groups: "claimed", "denied" or "blamed" when the text says so next to a mention
};

// A date with where it came from: "metadata", "header", "dateline", "text" or "published"
// (the event date fell back to the publication date); `text` is the expression it was read from.
struct DatedValue {
  std::optional<Date> date;
  std::string text;
  std::string from;
};

struct Figure {
  std::optional<int> count;
  std::string text;
};

struct Analysis {
  std::string id;
  RawArticle article;
  std::string source_id;    // gazetteer id, or a slug of the outlet's name when it is unknown
  std::string source_name;
  DatedValue published;
  DatedValue event_date;
  std::vector<FacetValue> groups, weapons, locations;
  Figure killed, injured;
  bool response_cue = false;  // the text speaks of a response, retaliation or revenge
  std::vector<Token> title_tokens, text_tokens;

  const std::vector<FacetValue>& values(Facet f) const;
};

class Analyzer {
 public:
  explicit Analyzer(const Gazetteer& gazetteer) : gazetteer_(gazetteer) {}

  Analysis analyze(RawArticle article) const;

  // The `incidex-index explain` record: id, title, source, url, published and event_date (with
  // precision and source text), groups (with stance), weapons, locations (with kind, lat, lon,
  // path), mentions with spans and roles, killed, injured, response_cue.
  nlohmann::json explain(const Analysis& a) const;

  const Gazetteer& gazetteer() const { return gazetteer_; }

 private:
  const Gazetteer& gazetteer_;
};

// Lowercase ASCII slug of a name: "The Euphrates Post" → "the-euphrates-post".
std::string slugify(std::string_view name);

}  // namespace incidex
