// Writes analysed articles into a Xapian database: one document per article, replaced by its
// unique id term so that re-indexing never duplicates, plus the words for spelling suggestions
// (gathered per batch and added at its commit), committed in batches so that an interrupted run
// leaves the database at its last commit. Not thread-safe: one writer per
// database (Xapian's lock makes a second writer fail with DatabaseLockError).
#pragma once

#include <xapian.h>

#include <filesystem>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "analyzer.h"

namespace incidex {

class IndexWriter {
 public:
  // Opens or creates the database. Throws Xapian::Error (e.g. DatabaseLockError) on failure.
  IndexWriter(const std::filesystem::path& db, const Gazetteer& gazetteer, unsigned batch_size = 1000);
  // Commits what was added since the last commit.
  ~IndexWriter();

  // Adds or replaces the article's document; true when it replaced one with the same id.
  bool add(const Analysis& a, const nlohmann::json& record);
  // Makes everything added so far durable and visible to readers.
  void commit();

  Xapian::doccount doc_count() const { return db_.get_doccount(); }
  // Documents of one type ("article", "incident") in the database.
  Xapian::doccount count(std::string_view type) const;

  // The database, for linking incidents after a run (incidents.h).
  Xapian::WritableDatabase& database() { return db_; }

 private:
  Xapian::WritableDatabase db_;
  const Gazetteer& gazetteer_;
  unsigned batch_size_;
  unsigned pending_ = 0;
  // Spelling words of the batch: word → articles containing it.
  std::unordered_map<std::string, Xapian::termcount> spelling_;
  // While the database was empty when opened: the ids written, so that new ones are added
  // without looking them up.
  bool started_empty_ = false;
  std::unordered_set<std::string> written_;
};

}  // namespace incidex
