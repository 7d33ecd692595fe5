// Schema: what a document carries (words, stems, title words, word pairs, the pairs marker) and
// how stored data reads back, whole or without the entities' mentions.
#include "schema.h"

#include <doctest/doctest.h>

#include <algorithm>

#include "test_support.h"

using namespace incidex;
using namespace incidex::testing;

namespace {

std::vector<std::string> terms_of(const Xapian::Document& doc) {
  return {doc.termlist_begin(), doc.termlist_end()};
}

bool has(const std::vector<std::string>& terms, const std::string& t) {
  return std::find(terms.begin(), terms.end(), t) != terms.end();
}

Xapian::Document document_of(const std::string& title, const std::string& text) {
  const Analyzer analyzer(shipped_gazetteer());
  RawArticle raw;
  raw.id = "t1";
  raw.title = title;
  raw.text = text;
  raw.format = "json";
  const Analysis a = analyzer.analyze(std::move(raw));
  return schema::make_document(a, shipped_gazetteer(), analyzer.explain(a));
}

}  // namespace

TEST_CASE("a document carries words, stems, title words and the pairs of adjacent words") {
  const auto terms = terms_of(document_of("Drones hit the air base", "Rockets struck the air base of the coalition on Monday."));
  for (const char* t : {"rockets", "Zrocket", "Sdrones", "ZSdrone", "XP"}) CHECK(has(terms, t));
  // Adjacent words pair unless one is a function word; title pairs also under the title prefix.
  for (const char* t : {"Prockets struck", "Pair base", "Pdrones hit", "PSdrones Shit", "PSair Sbase"}) CHECK(has(terms, t));
  for (const char* t : {"Pstruck the", "Pthe air", "Pbase of", "Pcoalition on", "PSthe Sair"}) CHECK_FALSE(has(terms, t));
  // No pair across the gap between title and body.
  CHECK_FALSE(has(terms, "Pbase rockets"));
}

TEST_CASE("a word too long to index breaks the pairs around it") {
  const std::string long_word(schema::kMaxWordBytes + 1, 'x');
  const auto terms = terms_of(document_of("Title", "rocket " + long_word + " base"));
  CHECK_FALSE(has(terms, long_word));
  CHECK_FALSE(has(terms, "Procket base"));
  CHECK_FALSE(has(terms, "Procket " + long_word));
}

TEST_CASE("stored data reads back whole or without mentions") {
  const nlohmann::json record = {
      {"id", "a1"},
      {"title", "T"},
      {"groups", {{{"id", "g"}, {"role", "main"}, {"mentions", {{{"begin", 0}, {"end", 3}}}}}}},
      {"mentions", "a field of the record itself is kept"}};
  const std::string data = schema::pack_data(record, "the text\nwith lines");
  CHECK(schema::read_record(data) == record);
  CHECK(schema::read_text(data) == "the text\nwith lines");
  nlohmann::json brief = record;
  brief["groups"][0].erase("mentions");
  CHECK(schema::read_record_without_mentions(data) == brief);
  CHECK(schema::read_record("not json\ntext").is_discarded());
  CHECK(schema::read_record_without_mentions("not json\ntext").is_discarded());
}
