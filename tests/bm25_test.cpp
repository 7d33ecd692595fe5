// Bm25Term: its weights are the very doubles Enquire's matcher gives, for common and rare
// terms, repeated query terms, short and long documents.
#include "bm25.h"

#include <doctest/doctest.h>

#include <random>

#include "test_support.h"

using namespace incidex;
using namespace incidex::testing;

namespace {

using Q = Xapian::Query;

// 800 documents with terms of varied frequency, wdf and document length; some deleted.
std::string make_db(const TempDir& dir) {
  const std::string path = (dir.path / "db").string();
  Xapian::WritableDatabase db(path, Xapian::DB_CREATE);
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> u(0, 1);
  const double share[] = {0.9, 0.55, 0.2, 0.02};
  for (int i = 0; i < 800; ++i) {
    Xapian::Document doc;
    for (int t = 0; t < 4; ++t)
      if (u(rng) < share[t]) doc.add_term(std::string(1, char('a' + t)), 1 + rng() % 6);
    doc.add_term("filler", rng() % 300);  // the length varies a lot
    doc.add_boolean_term("Kflag");
    db.add_document(doc);
  }
  for (Xapian::docid did : {3u, 400u, 800u}) db.delete_document(did);
  db.commit();
  return path;
}

}  // namespace

TEST_CASE("a term's weights are the matcher's, to the last bit") {
  TempDir dir;
  const Xapian::Database db(make_db(dir));
  struct Case {
    std::string term;
    Xapian::termcount wqf;
  };
  for (const Case& c : {Case{"a", 1}, Case{"b", 1}, Case{"c", 1}, Case{"d", 1}, Case{"c", 3}, Case{"d", 2}}) {
    CAPTURE(c.term);
    CAPTURE(c.wqf);
    Xapian::Enquire e(db);
    e.set_query(Q(Q::OP_FILTER, Q(c.term, c.wqf), Q("Kflag")));
    const Xapian::MSet m = e.get_mset(0, db.get_doccount());
    REQUIRE(m.size() == db.get_termfreq(c.term));
    const Bm25Term bm25(db, c.term, c.wqf);
    std::size_t same = 0;
    for (auto it = m.begin(); it != m.end(); ++it) {
      Xapian::TermIterator t = db.termlist_begin(*it);
      t.skip_to(c.term);
      const Xapian::termcount wdf = t.get_wdf();
      same += bm25.part(wdf, db.get_doclength(*it)) == it.get_weight();
    }
    CHECK(same == m.size());
    CHECK(m.size() > 5);
  }
}

TEST_CASE("weights fall with the length of the document and grow with the occurrences") {
  TempDir dir;
  const Xapian::Database db(make_db(dir));
  CHECK(Bm25Term(db, "Kflag").part(0, 10) == 0);  // a boolean term: no occurrences, no weight
  const Bm25Term a(db, "a");
  CHECK(a.part(3, 40) > 0);
  CHECK(a.part(3, 40) > a.part(3, 400));  // longer documents weigh less
  CHECK(a.part(4, 40) > a.part(3, 40));   // more occurrences weigh more
}
