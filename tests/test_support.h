// Helpers shared by the integration tests: temporary folders, running the binaries, indexing
// the sample corpus, and a real incidex-serve on an ephemeral loopback port.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "analyzer.h"
#include "gazetteer.h"
#include "index_writer.h"
#include "ingest.h"

namespace incidex::testing {

namespace fs = std::filesystem;

inline const fs::path kRoot = fs::path(INCIDEX_SOURCE_DIR);
inline const fs::path kBin = fs::path(INCIDEX_BIN_DIR);

struct TempDir {
  fs::path path;
  TempDir() {
    std::random_device rd;
    path = fs::temp_directory_path() / ("incidex-test-" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  fs::path write(const std::string& name, const std::string& content) const {
    const fs::path p = path / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }
};

inline const Gazetteer& shipped_gazetteer() {
  static const Gazetteer g = Gazetteer::load(kRoot / "data" / "gazetteer");
  return g;
}

inline ReadOptions shipped_read_options() {
  ReadOptions o;
  o.boilerplate_markers = load_boilerplate_markers(kRoot / "data" / "boilerplate.txt");
  return o;
}

// Indexes the sample corpus files for which `keep(index)` is true (all by default).
inline std::size_t index_sample_corpus(const fs::path& db, const std::function<bool(std::size_t)>& keep = {}) {
  const Analyzer analyzer(shipped_gazetteer());
  IndexWriter writer(db, shipped_gazetteer(), 50);
  std::size_t n = 0, i = 0;
  for (const auto& f : list_inputs({kRoot / "sample_corpus"}, [](InputProblem&&) {}))
    read_file(f, shipped_read_options(), [&](RawArticle&& raw) {
      if (keep && !keep(i++)) return;
      Analysis a = analyzer.analyze(std::move(raw));
      writer.add(a, analyzer.explain(a));
      ++n;
    }, [](InputProblem&&) {});
  writer.commit();
  return n;
}

// A free TCP port on 127.0.0.1 (bound, read, released).
int free_port();

// A child process with its stdout readable, killed on destruction.
class Process {
 public:
  explicit Process(const std::vector<std::string>& argv) {
    int out[2];
    if (pipe(out) != 0) throw std::runtime_error("pipe failed");
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      // Its own process group: xapian-tcpsrv signals its whole group when stopped.
      setpgid(0, 0);
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      close(out[1]);
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
    close(out[1]);
    out_ = fdopen(out[0], "r");
  }
  ~Process() { stop(); }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // The next line of the child's stdout ("" at end of file).
  std::string read_line() {
    std::array<char, 4096> buf{};
    if (!out_ || !std::fgets(buf.data(), buf.size(), out_)) return {};
    return buf.data();
  }
  void stop() {
    if (pid_ > 0) {
      kill(-pid_, SIGTERM);  // the process and any children it forked
      int status;
      waitpid(pid_, &status, 0);
      pid_ = -1;
    }
    if (out_) {
      std::fclose(out_);
      out_ = nullptr;
    }
  }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  FILE* out_ = nullptr;
};

// incidex-serve on an ephemeral loopback port; the port is read from its first line.
class Server {
 public:
  explicit Server(const std::string& db, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {(kBin / "incidex-serve").string(), "--db", db, "--port", "0", "--web", "none"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    process_ = std::make_unique<Process>(argv);
    const std::string line = process_->read_line();
    const auto at = line.rfind(':');
    if (line.find("listening on") == std::string::npos || at == std::string::npos)
      throw std::runtime_error("incidex-serve did not start: " + line);
    port_ = std::stoi(line.substr(at + 1));
  }
  int port() const { return port_; }

 private:
  std::unique_ptr<Process> process_;
  int port_ = 0;
};

// Runs a command line through the shell; returns its exit code and stdout (+stderr if merged).
struct RunResult {
  int code = -1;
  std::string out;
};

inline RunResult run(const std::string& cmd) {
  RunResult r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  std::size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace incidex::testing
