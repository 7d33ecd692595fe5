// Extraction quality on the labelled sample corpus: per-facet precision, recall and F1 of
// main-event values at article level, event-date accuracy (exact day or month), and casualty
// figure accuracy. Prints the table; fails when a figure drops below its threshold. Raise the
// thresholds as the analysis improves; never lower them to make a change pass.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "analyzer.h"
#include "gazetteer.h"
#include "ingest.h"

namespace fs = std::filesystem;
using namespace incidex;
using nlohmann::json;

namespace {

const fs::path kRoot = fs::path(INCIDEX_SOURCE_DIR);
const fs::path kCorpus = kRoot / "sample_corpus";
const fs::path kLabels = kRoot / "sample_labels" / "labels";

std::string key_of(const std::string& rel, std::size_t line) { return line ? fmt::format("{}#{}", rel, line) : rel; }

struct Score {
  std::size_t tp = 0, fp = 0, fn = 0;
  double precision() const { return tp + fp ? double(tp) / double(tp + fp) : 1.0; }
  double recall() const { return tp + fn ? double(tp) / double(tp + fn) : 1.0; }
  double f1() const {
    const double p = precision(), r = recall();
    return p + r > 0 ? 2 * p * r / (p + r) : 0.0;
  }
};

struct Accuracy {
  std::size_t right = 0, total = 0;
  double value() const { return total ? double(right) / double(total) : 1.0; }
};

}  // namespace

TEST_CASE("extraction quality on the labelled sample corpus") {
  const fs::path data = kRoot / "data";
  const Gazetteer g = Gazetteer::load(data / "gazetteer");
  ReadOptions options;
  options.boilerplate_markers = load_boilerplate_markers(data / "boilerplate.txt");
  const Analyzer analyzer(g);

  // Labels (sample_labels/labels/*.jsonl), keyed by path relative to sample_corpus/ (+ "#line"
  // for JSON Lines records).
  std::map<std::string, json> labels;
  REQUIRE(fs::is_directory(kLabels));
  for (const auto& entry : fs::directory_iterator(kLabels)) {
    if (entry.path().extension() != ".jsonl") continue;
    std::ifstream in(entry.path());
    std::string line;
    std::size_t n = 0;
    while (std::getline(in, line)) {
      ++n;
      if (line.empty()) continue;
      json j = json::parse(line);
      const std::string key = key_of(j.at("path").get<std::string>(), j.value("line", std::size_t{0}));
      INFO(entry.path().string(), ":", n);
      CHECK_MESSAGE(labels.emplace(key, j).second, "duplicate label for ", key);
      // Plain variables, not structured bindings: clang 14 cannot capture those in lambdas (doctest's).
      for (const auto& field_facet : {std::pair{"groups", Facet::group}, {"weapons", Facet::weapon}, {"locations", Facet::place}}) {
        const char* const field = field_facet.first;
        const Facet facet = field_facet.second;
        for (const auto& id : j.at(field))
          CHECK_MESSAGE(g.find(facet, id.get<std::string>()) != nullptr, key, ": unknown ", field, " id ", id);
      }
    }
  }
  REQUIRE(labels.size() >= 60);

  std::map<std::string, Score> facets, nested;
  Accuracy event_date, killed, injured, published;
  std::set<std::string> seen;
  std::vector<std::string> misses;
  const auto problem = [&](InputProblem&& p) {
    if (p.skipped) FAIL_CHECK("sample corpus input skipped: ", p.path, ":", p.line, ": ", p.message);
  };
  for (const auto& file : list_inputs({kCorpus}, problem)) {
    const std::string rel = fs::relative(file, kCorpus).generic_string();
    read_file(file, options, [&](RawArticle&& raw) {
      const std::string key = key_of(rel, raw.line);
      const auto it = labels.find(key);
      if (it == labels.end()) {
        FAIL_CHECK("no label for ", key);
        return;
      }
      seen.insert(key);
      const json& truth = it->second;
      const Analysis a = analyzer.analyze(std::move(raw));
      for (const auto& field_facet : {std::pair{"groups", Facet::group}, {"weapons", Facet::weapon}, {"locations", Facet::place}}) {
        const char* const field = field_facet.first;
        const Facet facet = field_facet.second;
        std::set<std::string> want, got;
        for (const auto& id : truth.at(field)) want.insert(id.get<std::string>());
        for (const auto& v : a.values(facet))
          if (v.role == Role::main) got.insert(v.entity->id);
        // Hierarchy-aware: a value is right when it is a labelled value or lies under one (the
        // label's filter finds it); a label is found when it or something under it was found.
        const auto under = [&](const std::string& id, const std::set<std::string>& set) {
          if (set.count(id)) return true;
          const Entity* e = g.find(facet, id);
          if (!e) return false;
          for (const Entity* anc : g.ancestors(*e))
            if (set.count(anc->id)) return true;
          return false;
        };
        Score& h = nested[field];
        for (const auto& id : got) (under(id, want) ? h.tp : h.fp)++;
        for (const auto& id : want) {
          bool found = false;
          for (const auto& gid : got) found = found || under(gid, {id});
          if (!found) ++h.fn;
        }
        Score& s = facets[field];
        for (const auto& id : got) {
          if (want.count(id)) ++s.tp;
          else {
            ++s.fp;
            misses.push_back(fmt::format("{} {}: extra {}", key, field, id));
          }
        }
        for (const auto& id : want)
          if (!got.count(id)) {
            ++s.fn;
            misses.push_back(fmt::format("{} {}: missed {}", key, field, id));
          }
      }
      const auto compare = [&](Accuracy& acc, const json& want, const std::string& got, const char* what) {
        ++acc.total;
        const std::string w = want.is_null() ? "null" : want.is_string() ? want.get<std::string>() : want.dump();
        if (w == got) ++acc.right;
        else misses.push_back(fmt::format("{} {}: want {} got {}", key, what, w, got));
      };
      if (truth.contains("incident") && !truth["incident"].is_null())
        compare(event_date, truth.at("event_date"), a.event_date.date ? a.event_date.date->iso() : "null", "event_date");
      compare(published, truth.value("published", json(nullptr)), a.published.date ? a.published.date->iso() : "null", "published");
      compare(killed, truth.value("killed", json(nullptr)), a.killed.count ? std::to_string(*a.killed.count) : "null", "killed");
      compare(injured, truth.value("injured", json(nullptr)), a.injured.count ? std::to_string(*a.injured.count) : "null", "injured");
    }, problem);
  }
  for (const auto& label : labels) {
    const std::string& key = label.first;
    CHECK_MESSAGE(seen.count(key), "label without article: ", key);
  }

  std::string report = fmt::format("\nExtraction quality over {} labelled articles (main-event values)\n", seen.size());
  report += fmt::format("{:<12} {:>9} {:>9} {:>9} {:>6} {:>6} {:>6}\n", "facet", "precision", "recall", "F1", "tp", "fp", "fn");
  for (const auto& [name, s] : facets)
    report += fmt::format("{:<12} {:>9.3f} {:>9.3f} {:>9.3f} {:>6} {:>6} {:>6}\n", name, s.precision(), s.recall(), s.f1(), s.tp, s.fp, s.fn);
  report += "hierarchy-aware (a value under a labelled value counts, as the label's filter finds it)\n";
  for (const auto& [name, s] : nested)
    report += fmt::format("{:<12} {:>9.3f} {:>9.3f} {:>9.3f} {:>6} {:>6} {:>6}\n", name, s.precision(), s.recall(), s.f1(), s.tp, s.fp, s.fn);
  report += fmt::format("{:<12} {:>9.3f} ({}/{}) exact day or month\n", "event_date", event_date.value(), event_date.right, event_date.total);
  report += fmt::format("{:<12} {:>9.3f} ({}/{})\n", "published", published.value(), published.right, published.total);
  report += fmt::format("{:<12} {:>9.3f} ({}/{})\n", "killed", killed.value(), killed.right, killed.total);
  report += fmt::format("{:<12} {:>9.3f} ({}/{})\n", "injured", injured.value(), injured.right, injured.total);
  std::printf("%s", report.c_str());
  if (const char* v = std::getenv("INCIDEX_QUALITY_VERBOSE"); v && *v)
    for (const auto& m : misses) std::printf("  %s\n", m.c_str());

  // Thresholds: the measured figures at the time they were set, rounded down.
  CHECK(facets["groups"].f1() >= 0.70);
  CHECK(facets["weapons"].f1() >= 0.73);
  CHECK(facets["locations"].f1() >= 0.75);
  CHECK(nested["groups"].f1() >= 0.79);
  CHECK(nested["weapons"].f1() >= 0.79);
  CHECK(nested["locations"].f1() >= 0.88);
  CHECK(event_date.value() >= 0.90);
  CHECK(published.value() >= 0.99);
  CHECK(killed.value() >= 0.75);
  CHECK(injured.value() >= 0.70);
}
