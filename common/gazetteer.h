// Gazetteers of armed groups, weapons, places and news outlets, loaded from the TSV files under
// data/gazetteer/ (format: docs/gazetteers.md), and matched against tokenised text
// leftmost-longest in time linear in the text. Immutable after loading: safe to share between
// threads.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tokenizer.h"

namespace incidex {

enum class Facet : std::uint8_t { group = 0, weapon = 1, place = 2, source = 3 };
inline constexpr std::array<Facet, 4> kAllFacets = {Facet::group, Facet::weapon, Facet::place, Facet::source};

// "group", "weapon", "location", "source": the facet's name in the API and the explain output.
std::string_view facet_name(Facet f);
// The gazetteer folder of a facet: "groups", "weapons", "places", "sources".
std::string_view facet_folder(Facet f);

struct Entity {
  Facet facet = Facet::group;
  std::string id;
  std::string name;
  std::string kind;                  // group kind, place kind; weapons: "category" or "type"
  std::vector<std::string> parents;  // ids in the same facet
  std::string country;               // groups: ISO code of their base country
  std::optional<double> lat, lon;    // places
  long population = 0;               // places
  std::vector<std::string> aliases;  // besides the name
  std::vector<std::string> domains;  // sources
  bool curated = true;               // false for generated rows (places/towns.tsv)
  std::string origin;                // "file:line", for error messages
};

// A gazetteer file that cannot be used: the message names the file and line.
class GazetteerError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One stretch of tokens that matches an alias: [first, last) token indices. Several candidate
// entities when the alias is shared (a town and its province, two towns of one name).
struct AliasMatch {
  Facet facet;
  std::uint32_t first = 0;
  std::uint32_t last = 0;
  std::vector<const Entity*> candidates;
  std::vector<std::string_view> keys;  // the alias' folded words, for short-name resolution
};

class Gazetteer {
 public:
  Gazetteer();
  ~Gazetteer();
  Gazetteer(Gazetteer&&) noexcept;
  Gazetteer& operator=(Gazetteer&&) noexcept;

  // Loads every *.tsv file of each facet folder under `dir` (missing folders are empty).
  // Throws GazetteerError for unreadable files, bad rows, duplicate ids and unknown parents.
  static Gazetteer load(const std::filesystem::path& dir);

  // Adds one TSV file's content; `origin` names it in errors. Call finish() after the last.
  void add_tsv(Facet facet, std::string_view content, const std::string& origin, bool curated = true);
  // Checks parents and builds the matchers. Throws GazetteerError.
  void finish();

  const Entity* find(Facet facet, std::string_view id) const;
  const std::vector<Entity>& entities(Facet facet) const;

  // Parents, their parents and so on, nearest first, each once.
  std::vector<const Entity*> ancestors(const Entity& e) const;

  // Leftmost-longest matches of groups and places (one matcher) and of weapons (another, on
  // English stems) in `tokens` of `text`. Group and place names must be capitalised in the text
  // (or uncased script); acronyms must match case-sensitively. Matches never cross sentences.
  // With `any_case` (for typed queries) capitalisation is not required, acronyms included.
  std::vector<AliasMatch> match(const std::vector<Token>& tokens, std::string_view text, bool any_case = false) const;

  // The outlet whose name or alias folds to the same words as `name`, or null.
  const Entity* source_by_name(std::string_view name) const;
  // The outlet owning `host` or a parent domain of it ("www.example.com" → example.com), or null.
  const Entity* source_by_domain(std::string_view host) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The data directory: $INCIDEX_DATA if set, else data/ next to the build tree of the running
// binary (build/bin/../../data), else the source tree's data/ directory.
std::filesystem::path default_data_dir();

}  // namespace incidex
