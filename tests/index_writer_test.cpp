// Indexing the sample corpus: counts, facet terms, idempotent re-indexing, and that a writer
// killed mid-run leaves the database at its last commit.
#include <doctest/doctest.h>
#include <xapian.h>

#include "schema.h"
#include "test_support.h"

using namespace incidex;
using namespace incidex::testing;

namespace {

struct Counts {
  std::size_t read = 0, added = 0, replaced = 0;
};

Counts index_corpus(const fs::path& db) {
  const Analyzer analyzer(shipped_gazetteer());
  IndexWriter writer(db, shipped_gazetteer(), 16);
  Counts c;
  for (const auto& f : list_inputs({kRoot / "sample_corpus"}, [](InputProblem&&) {}))
    read_file(f, shipped_read_options(), [&](RawArticle&& raw) {
      ++c.read;
      Analysis a = analyzer.analyze(std::move(raw));
      (writer.add(a, analyzer.explain(a)) ? c.replaced : c.added)++;
    }, [](InputProblem&&) {});
  writer.commit();
  return c;
}

Xapian::doccount count(const Xapian::Database& db, const Xapian::Query& q) {
  Xapian::Enquire e(db);
  e.set_query(q);
  return e.get_mset(0, 0, db.get_doccount()).get_matches_estimated();
}

}  // namespace

TEST_CASE("indexing the sample corpus twice replaces instead of duplicating") {
  TempDir tmp;
  const fs::path db = tmp.path / "db";

  const Counts first = index_corpus(db);
  REQUIRE(first.read >= 60);
  CHECK(first.added == first.read);
  CHECK(first.replaced == 0);
  Xapian::Database d1(db.string());
  CHECK(d1.get_doccount() == first.read);

  const Counts second = index_corpus(db);
  CHECK(second.read == first.read);
  CHECK(second.added == 0);
  CHECK(second.replaced == first.read);
  Xapian::Database d2(db.string());
  CHECK(d2.get_doccount() == first.read);

  SUBCASE("every article carries its type and id terms") {
    CHECK(count(d2, Xapian::Query("XTarticle")) == first.read);
  }
  SUBCASE("a place filter finds everything under it") {
    // Every document tagged with a Syrian place also carries the country term.
    const auto syria = count(d2, Xapian::Query("XLsy"));
    for (auto it = d2.allterms_begin("XLsy-"); it != d2.allterms_end("XLsy-"); ++it) {
      const Xapian::Query both(Xapian::Query::OP_AND, Xapian::Query(*it), Xapian::Query("XLsy"));
      CHECK(count(d2, both) == it.get_termfreq());
    }
    CHECK(syria > 0);
    CHECK(count(d2, Xapian::Query("XLsy-rmelan")) > 0);
  }
  SUBCASE("a weapon category finds its types") {
    for (auto it = d2.allterms_begin("XWkatyusha"); it != d2.allterms_end("XWkatyusha"); ++it) {
      const Xapian::Query both(Xapian::Query::OP_AND, Xapian::Query(*it), Xapian::Query("XWrocket"));
      CHECK(count(d2, both) == it.get_termfreq());
    }
  }
  SUBCASE("spelling variants meet in the index vocabulary") {
    // Kata'ib / Kata’ib / Kataib all index as one word.
    CHECK(d2.get_termfreq("kataib") > 0);
    CHECK(d2.get_termfreq("kata'ib") == 0);
  }
  SUBCASE("stored data holds the record and the text") {
    Xapian::Enquire e(d2);
    e.set_query(Xapian::Query("XTarticle"));
    const auto m = e.get_mset(0, 1);
    REQUIRE(m.size() == 1);
    const std::string data = m.begin().get_document().get_data();
    const auto j = schema::read_record(data);
    CHECK(j.contains("id"));
    CHECK(j.contains("groups"));
    CHECK_FALSE(schema::read_text(data).empty());
  }
}

TEST_CASE("a writer killed mid-run leaves the database at its last commit") {
  const Gazetteer& g = shipped_gazetteer();
  const Analyzer analyzer(g);
  TempDir tmp;
  const fs::path db = tmp.path / "db";
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // Child: 5 articles with commits every 2, then die without any cleanup.
    IndexWriter writer(db, g, 2);
    for (int i = 0; i < 5; ++i) {
      RawArticle raw;
      raw.id = "crash-" + std::to_string(i);
      raw.title = "Rockets hit a base";
      raw.text = "Several rockets struck the base on Sunday.";
      raw.format = "json";
      Analysis a = analyzer.analyze(std::move(raw));
      writer.add(a, analyzer.explain(a));
    }
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  REQUIRE(WIFEXITED(status));
  Xapian::Database d(db.string());
  CHECK(d.get_doccount() == 4);  // committed at 2 and 4; the fifth was never committed
}
