// Indexes input files into a database, on one thread or several.
//
// With jobs > 1 one thread reads the files and hands each article, by a hash of its id, to one of
// `jobs` threads that analyse it and write it into a shard of their own, so a re-read article
// always lands on the shard that holds its earlier version and replaces it. At the end the shards
// are combined: compacted into the database when it did not exist (one rename makes it appear
// whole), or copied into it document by document when it did. With shards > 0 the shards are the
// database: `db/shard-K` for K < shards, combined by the Xapian stub file `db/XAPIANDB`, which
// every Xapian reader (incidex-serve, xapian-delve) opens as one database; later builds into the
// same folder route each article to the same shard again.
//
// Crash safety: the sequential and sharded builds commit every `batch` articles per database, so a
// killed run leaves each at its last commit. A combined parallel build changes the database only
// at the end; a killed run leaves it untouched, and its scratch folders are removed by the next
// build into the same database.
#pragma once

#include <xapian.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "gazetteer.h"
#include "ingest.h"

namespace incidex {

struct BuildOptions {
  std::filesystem::path db;
  unsigned batch = 1000;  // articles per commit, per database written
  unsigned jobs = 1;      // analysing threads (shards > 0: one per shard)
  unsigned shards = 0;    // > 0: keep the database as this many shards behind a stub
  ReadOptions read;
};

struct BuildReport {
  std::size_t read = 0;      // articles read from the files
  std::size_t added = 0;     // new ids
  std::size_t replaced = 0;  // ids indexed before (in the database, or earlier in this run)
  std::vector<std::string> ids;  // every id indexed, for linking into incidents
  bool interrupted = false;
};

// Called from the reading thread with the bytes of the files read so far and the articles indexed.
using BuildProgress = std::function<void(std::uintmax_t bytes, std::size_t articles)>;

// Indexes `files` (from list_inputs) into options.db. Problems with the input go to `problems`
// (from the reading thread only). Setting `stop` ends the run early: what was indexed is kept
// (committed, and combined) and the report says interrupted. Throws Xapian::Error when a database
// cannot be written, and std::runtime_error for an option that does not fit the database (a
// shard count different from the one it was built with).
BuildReport build_index(const Gazetteer& gazetteer, const BuildOptions& options,
                        const std::vector<std::filesystem::path>& files, const ProblemSink& problems,
                        const BuildProgress& progress, const std::atomic<bool>& stop);

// The number of shards of a database built with shards > 0 (0 for a single database or none).
unsigned shard_count(const std::filesystem::path& db);

// Opens a database, or every shard of a sharded one, for writing (linking incidents after a build).
Xapian::WritableDatabase open_writable(const std::filesystem::path& db);

}  // namespace incidex
