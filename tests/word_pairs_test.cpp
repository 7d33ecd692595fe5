// Word pairs: which words pair, how parsed queries are rewritten, and that a rewritten query
// matches exactly the documents of the phrase, with the same weights — over phrases cut from the
// sample corpus — and that a database with documents indexed before pairs still answers phrases.
#include "word_pairs.h"

#include <doctest/doctest.h>

#include <random>

#include "schema.h"
#include "search.h"
#include "test_support.h"
#include "tokenizer.h"

using namespace incidex;
using namespace incidex::testing;

namespace {

using Q = Xapian::Query;

Xapian::QueryParser parser() {
  Xapian::QueryParser p;
  p.set_stemmer(Xapian::Stem("english"));
  p.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
  p.set_default_op(Q::OP_AND);
  p.add_prefix("title", std::string(schema::kTitlePrefix));
  return p;
}

Q parse(const std::string& q) {
  return parser().parse_query(q, Xapian::QueryParser::FLAG_DEFAULT | Xapian::QueryParser::FLAG_PURE_NOT);
}

std::string rewritten(const std::string& q) { return word_pairs::use_pairs(parse(q)).get_description(); }

// Every match of `q` with its weight, by docid.
std::vector<std::pair<Xapian::docid, double>> matches(const Xapian::Database& db, const Q& q) {
  Xapian::Enquire e(db);
  e.set_query(q);
  const Xapian::MSet m = e.get_mset(0, db.get_doccount());
  std::vector<std::pair<Xapian::docid, double>> out;
  for (auto it = m.begin(); it != m.end(); ++it) out.emplace_back(*it, it.get_weight());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("function words do not pair; a pair term names both words") {
  for (const char* w : {"of", "the", "a", "and", "in", "with", "said"}) CHECK_FALSE(word_pairs::pairable(w));
  for (const char* w : {"air", "base", "kataib", "155mm", "theory", "ofx"}) CHECK(word_pairs::pairable(w));
  CHECK(word_pairs::pair_term("air", "base") == "Pair base");
  CHECK(word_pairs::pair_term("Sair", "Sbase") == "PSair Sbase");
}

TEST_CASE("phrases are rewritten to use pairs, other queries are kept") {
  // Two words: their conjunction filtered by the pair, no position check left.
  CHECK(rewritten("\"air base\"") == "Query(((air@1 AND base@2) FILTER Pair base))");
  CHECK(rewritten("title:\"air base\"") == "Query(((Sair@1 AND Sbase@2) FILTER PSair Sbase))");
  // Longer phrases keep the position check, filtered by the pairs of pairable neighbours.
  CHECK(rewritten("\"the air base\"") == "Query(((the@1 PHRASE 3 air@2 PHRASE 3 base@3) FILTER Pair base))");
  CHECK(rewritten("\"army of the men\"") == parse("\"army of the men\"").get_description());
  CHECK(rewritten("\"islamic state of iraq\"") ==
        "Query(((islamic@1 PHRASE 4 state@2 PHRASE 4 of@3 PHRASE 4 iraq@4) FILTER Pislamic state))");
  // Inside other operators; hyphenated words are phrases too.
  CHECK(rewritten("\"air base\" OR drone") == "Query((((air@1 AND base@2) FILTER Pair base) OR Zdrone@3))");
  CHECK(rewritten("rocket -\"air base\"") == "Query((Zrocket@1 AND_NOT ((air@2 AND base@3) FILTER Pair base)))");
  CHECK(rewritten("air-base") == "Query(((air@1 AND base@2) FILTER Pair base))");
  // Not exact phrases, or nothing to pair: unchanged.
  for (const char* q : {"air NEAR base", "\"of the\"", "air base", "\"air\"", "rocket"})
    CHECK(rewritten(q) == parse(q).get_description());
}

TEST_CASE("a rewritten phrase matches the phrase's documents with the phrase's weights") {
  TempDir dir;
  const auto db_path = dir.path / "db";
  index_sample_corpus(db_path);
  const Xapian::Database db(db_path.string());
  REQUIRE(word_pairs::complete(db));

  // Phrases of 2-4 consecutive words cut from the articles' texts and titles at random.
  std::mt19937 rng(11);
  std::vector<std::string> phrases;
  for (Xapian::docid d = 1; d <= db.get_lastdocid(); ++d) {
    const std::string data = db.get_document(d).get_data();
    const auto record = schema::read_record(data);
    for (const bool title : {false, true}) {
      const std::string text = title ? record.value("title", "") : std::string(schema::read_text(data));
      const auto tokens = tokenize(text);
      if (tokens.size() < 4) continue;
      for (int k = 0; k < (title ? 2 : 6); ++k) {
        const size_t len = 2 + rng() % 3, at = rng() % (tokens.size() - len + 1);
        std::string p;
        for (size_t i = at; i < at + len; ++i) p += (p.empty() ? "" : " ") + tokens[i].key;
        phrases.push_back((title ? "title:\"" : "\"") + p + "\"");
      }
    }
  }
  REQUIRE(phrases.size() > 200);
  std::size_t found = 0, two_words = 0, longer = 0;
  for (const auto& p : phrases) {
    CAPTURE(p);
    const Q plain = parse(p), paired = word_pairs::use_pairs(plain);
    const auto want = matches(db, plain), got = matches(db, paired);
    REQUIRE(got.size() == want.size());
    for (size_t i = 0; i < want.size(); ++i) {
      CHECK(got[i].first == want[i].first);
      CHECK(got[i].second == doctest::Approx(want[i].second).epsilon(1e-9));
    }
    found += !want.empty();
    const std::string d = paired.get_description();
    if (d.find(" FILTER P") != std::string::npos) (d.find(" PHRASE ") == std::string::npos ? two_words : longer)++;
  }
  // Most phrases cut from the texts are found, and both kinds of rewrite were exercised.
  CHECK(found > phrases.size() * 3 / 4);
  CHECK(two_words > 50);
  CHECK(longer > 50);
}

TEST_CASE("a database with documents indexed before pairs answers phrases from positions") {
  TempDir dir;
  const auto db_path = dir.path / "db";
  const auto n = index_sample_corpus(db_path);
  Searcher searcher(db_path.string(), shipped_gazetteer());
  SearchRequest r;
  r.q = "\"zzqx wwqy\"";
  CHECK(searcher.search(r).total == 0);
  CHECK(searcher.stats(1)["word_pairs"] == true);
  {
    // A document written the way earlier versions did: words with positions, no pair terms.
    Xapian::WritableDatabase w(db_path.string());
    Xapian::Document doc;
    doc.add_posting("zzqx", 1);
    doc.add_posting("wwqy", 2);
    doc.add_boolean_term(std::string(schema::kTypePrefix) + std::string(schema::kArticleType));
    doc.add_boolean_term(std::string(schema::kIdPrefix) + "older");
    doc.set_data(schema::pack_data({{"id", "older"}, {"title", "older"}}, "zzqx wwqy"));
    w.add_document(doc);
    w.commit();
  }
  CHECK_FALSE(word_pairs::complete(Xapian::Database(db_path.string())));
  CHECK(searcher.stats(1)["word_pairs"] == false);
  CHECK(searcher.search(r).total == 1);
  r.q = "\"air base\"";
  CHECK(searcher.search(r).total > 0);
  CHECK(searcher.search(r).total < n);
}
