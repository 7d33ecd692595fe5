#include "gazetteer.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "normalize.h"

namespace incidex {

std::string_view facet_name(Facet f) {
  switch (f) {
    case Facet::group: return "group";
    case Facet::weapon: return "weapon";
    case Facet::place: return "location";
    case Facet::source: return "source";
  }
  return "";
}

std::string_view facet_folder(Facet f) {
  switch (f) {
    case Facet::group: return "groups";
    case Facet::weapon: return "weapons";
    case Facet::place: return "places";
    case Facet::source: return "sources";
  }
  return "";
}

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\r' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t at = 0;
  while (true) {
    const size_t k = s.find(sep, at);
    out.push_back(s.substr(at, k == std::string_view::npos ? std::string_view::npos : k - at));
    if (k == std::string_view::npos) break;
    at = k + 1;
  }
  return out;
}

std::vector<std::string> split_list(std::string_view s) {
  std::vector<std::string> out;
  for (auto part : split(s, '|'))
    if (auto p = trim(part); !p.empty()) out.emplace_back(p);
  return out;
}

bool is_slug(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

// An acronym alias: one word of 2–6 capitals or digits, at least two letters.
bool is_acronym(std::string_view alias) {
  if (alias.size() < 2 || alias.size() > 6) return false;
  int letters = 0;
  for (char c : alias) {
    if (c >= 'A' && c <= 'Z') ++letters;
    else if (!(c >= '0' && c <= '9')) return false;
  }
  return letters >= 2;
}

std::string_view strip_possessive(std::string_view w) {
  for (std::string_view m : {std::string_view("'s"), std::string_view("\xE2\x80\x99s")})
    if (w.size() > m.size() && w.substr(w.size() - m.size()) == m) return w.substr(0, w.size() - m.size());
  return w;
}

const std::set<std::string_view>& kinds_for(Facet f) {
  static const std::set<std::string_view> groups = {"iran_backed", "state", "jihadist", "coalition", "other"};
  static const std::set<std::string_view> places = {"country", "province", "district", "town", "base",
                                                    "airport", "site", "sea", "region"};
  static const std::set<std::string_view> none;
  return f == Facet::group ? groups : f == Facet::place ? places : none;
}

// A trie over folded words. Node 0 is the root.
class Trie {
 public:
  void insert(const std::vector<std::string>& keys, std::uint32_t ref) {
    std::uint32_t node = 0;
    for (const auto& k : keys) {
      auto [vit, _] = vocab_.try_emplace(k, static_cast<std::uint32_t>(vocab_.size()));
      const std::uint64_t edge = (std::uint64_t{node} << 32) | vit->second;
      auto [eit, added] = edges_.try_emplace(edge, static_cast<std::uint32_t>(payload_.size()));
      if (added) payload_.emplace_back();
      node = eit->second;
    }
    auto& p = payload_[node];
    if (std::find(p.begin(), p.end(), ref) == p.end()) p.push_back(ref);
  }
  // The child of `node` along `key`, or 0 when there is none.
  std::uint32_t step(std::uint32_t node, const std::string& key) const {
    const auto vit = vocab_.find(key);
    if (vit == vocab_.end()) return 0;
    const auto eit = edges_.find((std::uint64_t{node} << 32) | vit->second);
    return eit == edges_.end() ? 0 : eit->second;
  }
  const std::vector<std::uint32_t>& refs(std::uint32_t node) const { return payload_[node]; }

 private:
  std::unordered_map<std::string, std::uint32_t> vocab_;
  std::unordered_map<std::uint64_t, std::uint32_t> edges_;
  std::vector<std::vector<std::uint32_t>> payload_ = std::vector<std::vector<std::uint32_t>>(1);
};

struct AliasRef {
  Facet facet;
  std::uint32_t entity;
  bool acronym;
  std::string surface;           // the alias as written, for case-sensitive acronyms
  std::vector<std::string> keys; // folded words of the alias
};

std::vector<std::string> keys_of(std::string_view alias) {
  std::vector<std::string> keys;
  for (auto& t : tokenize(alias)) keys.push_back(std::move(t.key));
  return keys;
}

std::string joined_keys(std::string_view s) {
  std::string out;
  for (auto& k : keys_of(s)) {
    if (!out.empty()) out += ' ';
    out += k;
  }
  return out;
}

}  // namespace

struct Gazetteer::Impl {
  std::array<std::vector<Entity>, 4> entities;
  std::array<std::unordered_map<std::string, std::uint32_t>, 4> index;
  std::vector<AliasRef> refs;
  Trie names;    // groups and places, on folded words
  Trie weapons;  // weapons, on stems of folded words
  std::unordered_map<std::string, std::uint32_t> source_names;
  std::unordered_map<std::string, std::uint32_t> source_domains;

  void add_alias(Facet f, std::uint32_t entity, const std::string& alias) {
    std::vector<std::string> keys = keys_of(alias);
    if (keys.empty()) return;
    if (f == Facet::source) {
      std::string joined;
      for (auto& k : keys) joined += (joined.empty() ? "" : " ") + k;
      source_names.try_emplace(joined, entity);
      return;
    }
    AliasRef ref{f, entity, is_acronym(alias), alias, keys};
    if (f == Facet::weapon)
      for (auto& k : ref.keys) k = stem(k);
    Trie& trie = f == Facet::weapon ? weapons : names;
    refs.push_back(ref);
    trie.insert(ref.keys, static_cast<std::uint32_t>(refs.size() - 1));
    // "al-Asad" also matches its joined form "alasad".
    if (alias.find('-') != std::string::npos && !ref.acronym) {
      std::string joined = alias;
      joined.erase(std::remove(joined.begin(), joined.end(), '-'), joined.end());
      std::vector<std::string> jkeys = keys_of(joined);
      if (f == Facet::weapon)
        for (auto& k : jkeys) k = stem(k);
      if (!jkeys.empty() && jkeys != ref.keys) {
        refs.push_back(AliasRef{f, entity, false, joined, jkeys});
        trie.insert(jkeys, static_cast<std::uint32_t>(refs.size() - 1));
      }
    }
  }
};

Gazetteer::Gazetteer() : impl_(std::make_unique<Impl>()) {}
Gazetteer::~Gazetteer() = default;
Gazetteer::Gazetteer(Gazetteer&&) noexcept = default;
Gazetteer& Gazetteer::operator=(Gazetteer&&) noexcept = default;

void Gazetteer::add_tsv(Facet facet, std::string_view content, const std::string& origin, bool curated) {
  auto& list = impl_->entities[static_cast<int>(facet)];
  auto& index = impl_->index[static_cast<int>(facet)];
  std::vector<std::string> columns;
  size_t line_no = 0;
  for (std::string_view line : split(content, '\n')) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (trim(line).empty() || trim(line).front() == '#') continue;
    const auto where = [&] { return fmt::format("{}:{}", origin, line_no); };
    auto fields = split(line, '\t');
    if (columns.empty()) {
      for (auto f : fields) {
        std::string c(trim(f));
        std::transform(c.begin(), c.end(), c.begin(), [](unsigned char ch) { return std::tolower(ch); });
        columns.push_back(std::move(c));
      }
      std::vector<std::string_view> required = {"id", "name"};
      if (facet == Facet::group || facet == Facet::place) required.push_back("kind");
      if (facet == Facet::place) {
        required.push_back("lat");
        required.push_back("lon");
      }
      for (auto r : required)
        if (std::find(columns.begin(), columns.end(), r) == columns.end())
          throw GazetteerError(fmt::format("{}: header has no '{}' column (header: {})", where(), r, fmt::join(columns, ", ")));
      continue;
    }
    if (fields.size() > columns.size())
      throw GazetteerError(fmt::format("{}: {} fields but the header names {} columns (a stray TAB?)", where(),
                                       fields.size(), columns.size()));
    const auto get = [&](std::string_view col) -> std::string_view {
      for (size_t i = 0; i < columns.size() && i < fields.size(); ++i)
        if (columns[i] == col) return trim(fields[i]);
      return {};
    };
    Entity e;
    e.facet = facet;
    e.id = std::string(get("id"));
    e.name = std::string(get("name"));
    e.origin = where();
    e.curated = curated;
    if (!is_slug(e.id))
      throw GazetteerError(fmt::format("{}: id '{}' is not a lowercase slug [a-z0-9-]", where(), e.id));
    if (e.name.empty()) throw GazetteerError(fmt::format("{}: entry '{}' has no name", where(), e.id));
    e.kind = std::string(get("kind"));
    const auto& kinds = kinds_for(facet);
    if (!kinds.empty() && !kinds.count(e.kind))
      throw GazetteerError(fmt::format("{}: kind '{}' of '{}' is not one of: {}", where(), e.kind, e.id, fmt::join(kinds, ", ")));
    e.parents = split_list(get("parent"));
    if (facet == Facet::weapon) e.kind = e.parents.empty() ? "category" : "type";
    e.country = std::string(get("country"));
    e.aliases = split_list(get("aliases"));
    e.domains = split_list(get("domains"));
    if (facet == Facet::place) {
      const auto number = [&](std::string_view col, double lo, double hi) {
        std::string v(get(col));
        char* end = nullptr;
        const double d = std::strtod(v.c_str(), &end);
        if (v.empty() || end != v.c_str() + v.size() || d < lo || d > hi)
          throw GazetteerError(fmt::format("{}: {} '{}' of '{}' is not a number in [{}, {}]", where(), col, v, e.id, lo, hi));
        return d;
      };
      e.lat = number("lat", -90, 90);
      e.lon = number("lon", -180, 180);
      if (auto p = get("population"); !p.empty()) std::from_chars(p.data(), p.data() + p.size(), e.population);
    }
    if (auto [it, added] = index.try_emplace(e.id, static_cast<std::uint32_t>(list.size())); !added)
      throw GazetteerError(fmt::format("{}: id '{}' is already defined at {}", where(), e.id, list[it->second].origin));
    list.push_back(std::move(e));
  }
}

void Gazetteer::finish() {
  for (Facet f : kAllFacets) {
    auto& list = impl_->entities[static_cast<int>(f)];
    for (std::uint32_t i = 0; i < list.size(); ++i) {
      const Entity& e = list[i];
      for (const auto& p : e.parents)
        if (!find(f, p)) throw GazetteerError(fmt::format("{}: parent '{}' of '{}' is not defined", e.origin, p, e.id));
      impl_->add_alias(f, i, e.name);
      for (const auto& a : e.aliases) impl_->add_alias(f, i, a);
      if (f == Facet::place && e.kind == "province") {
        for (std::string_view suffix : {" province", " governorate"}) {
          impl_->add_alias(f, i, e.name + std::string(suffix));
          for (const auto& a : e.aliases)
            if (a.find("rovince") == std::string::npos && a.find("overnorate") == std::string::npos)
              impl_->add_alias(f, i, a + std::string(suffix));
        }
      }
      if (f == Facet::source)
        for (const auto& d : e.domains) impl_->source_domains.try_emplace(d, i);
    }
  }
  // Cycles in parents would make ancestors() loop; reject them.
  for (Facet f : kAllFacets)
    for (const Entity& e : entities(f)) {
      std::set<std::string> seen{e.id};
      std::vector<const Entity*> stack = {&e};
      size_t steps = 0;
      while (!stack.empty() && ++steps < 10000) {
        const Entity* cur = stack.back();
        stack.pop_back();
        for (const auto& p : cur->parents) {
          if (p == e.id) throw GazetteerError(fmt::format("{}: '{}' is its own ancestor", e.origin, e.id));
          if (seen.insert(p).second) stack.push_back(find(f, p));
        }
      }
    }
}

Gazetteer Gazetteer::load(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(dir)) throw GazetteerError(fmt::format("{}: gazetteer folder not found", dir.string()));
  Gazetteer g;
  for (Facet f : kAllFacets) {
    const fs::path folder = dir / facet_folder(f);
    if (!fs::is_directory(folder)) continue;
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(folder))
      if (entry.is_regular_file() && entry.path().extension() == ".tsv") files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
      std::ifstream in(file, std::ios::binary);
      if (!in) throw GazetteerError(fmt::format("{}: cannot read", file.string()));
      std::stringstream ss;
      ss << in.rdbuf();
      g.add_tsv(f, ss.str(), file.string(), file.filename() != "towns.tsv");
    }
  }
  g.finish();
  return g;
}

const Entity* Gazetteer::find(Facet facet, std::string_view id) const {
  const auto& index = impl_->index[static_cast<int>(facet)];
  const auto it = index.find(std::string(id));
  return it == index.end() ? nullptr : &impl_->entities[static_cast<int>(facet)][it->second];
}

const std::vector<Entity>& Gazetteer::entities(Facet facet) const { return impl_->entities[static_cast<int>(facet)]; }

std::vector<const Entity*> Gazetteer::ancestors(const Entity& e) const {
  std::vector<const Entity*> out;
  std::vector<const Entity*> frontier = {&e};
  for (size_t i = 0; i < frontier.size(); ++i)
    for (const auto& p : frontier[i]->parents) {
      const Entity* pe = find(e.facet, p);
      if (pe && std::find(out.begin(), out.end(), pe) == out.end()) {
        out.push_back(pe);
        frontier.push_back(pe);
      }
    }
  return out;
}

std::vector<AliasMatch> Gazetteer::match(const std::vector<Token>& tokens, std::string_view text, bool any_case) const {
  std::vector<AliasMatch> out;
  const auto run = [&](const Trie& trie, bool stems) {
    const size_t n = tokens.size();
    std::vector<std::string> stemmed;
    if (stems) {
      stemmed.reserve(n);
      for (const auto& t : tokens) stemmed.push_back(stem(t.key));
    }
    size_t i = 0;
    while (i < n) {
      std::uint32_t node = 0;
      size_t best_end = 0;
      std::vector<const Entity*> best;
      std::vector<std::string_view> best_keys;
      for (size_t j = i; j < n && tokens[j].sentence == tokens[i].sentence; ++j) {
        node = trie.step(node, stems ? stemmed[j] : tokens[j].key);
        if (!node) break;
        const auto& refs = trie.refs(node);
        if (refs.empty()) continue;
        bool proper = false;
        for (size_t k = i; k <= j && !proper; ++k)
          proper = tokens[k].capitalized || (tokens[k].uncased && !tokens[k].number);
        std::vector<const Entity*> cands;
        std::vector<std::string_view> keys;
        for (std::uint32_t r : refs) {
          const AliasRef& ref = impl_->refs[r];
          if (ref.acronym && any_case) {
            if (j != i) continue;
          } else if (ref.acronym) {
            // Case-sensitive; a plural "s" is allowed ("UAVs", "IEDs").
            const std::string_view word = strip_possessive(tokens[i].text_in(text));
            const bool same = word == ref.surface ||
                              (word.size() == ref.surface.size() + 1 && word.back() == 's' && word.starts_with(ref.surface));
            if (j != i || !same) continue;
          } else if (ref.facet != Facet::weapon && !proper && !any_case) {
            continue;
          }
          const Entity* e = &impl_->entities[static_cast<int>(ref.facet)][ref.entity];
          if (std::find(cands.begin(), cands.end(), e) == cands.end()) cands.push_back(e);
          if (keys.empty())
            for (const auto& k : ref.keys) keys.emplace_back(k);
        }
        if (!cands.empty()) {
          best_end = j + 1;
          best = std::move(cands);
          best_keys = std::move(keys);
        }
      }
      if (best_end) {
        out.push_back(AliasMatch{best.front()->facet, static_cast<std::uint32_t>(i),
                                 static_cast<std::uint32_t>(best_end), std::move(best), std::move(best_keys)});
        i = best_end;
      } else {
        ++i;
      }
    }
  };
  run(impl_->names, false);
  run(impl_->weapons, true);
  std::sort(out.begin(), out.end(), [](const AliasMatch& a, const AliasMatch& b) { return a.first < b.first; });
  return out;
}

const Entity* Gazetteer::source_by_name(std::string_view name) const {
  std::string key = joined_keys(name);
  auto it = impl_->source_names.find(key);
  if (it == impl_->source_names.end() && key.rfind("the ", 0) == 0) it = impl_->source_names.find(key.substr(4));
  return it == impl_->source_names.end() ? nullptr : &impl_->entities[static_cast<int>(Facet::source)][it->second];
}

const Entity* Gazetteer::source_by_domain(std::string_view host) const {
  std::string h(host);
  std::transform(h.begin(), h.end(), h.begin(), [](unsigned char c) { return std::tolower(c); });
  while (!h.empty()) {
    if (auto it = impl_->source_domains.find(h); it != impl_->source_domains.end())
      return &impl_->entities[static_cast<int>(Facet::source)][it->second];
    const size_t dot = h.find('.');
    if (dot == std::string::npos) break;
    h.erase(0, dot + 1);
  }
  return nullptr;
}

std::filesystem::path default_data_dir() {
  namespace fs = std::filesystem;
  if (const char* env = std::getenv("INCIDEX_DATA"); env && *env) return env;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path beside = exe.parent_path().parent_path().parent_path() / "data";
    if (fs::is_directory(beside / "gazetteer", ec)) return beside;
  }
  return INCIDEX_SOURCE_DATA_DIR;
}

}  // namespace incidex
