// The bench tools' split of a corpus over threads: share(k) for every k in [0, n), each on a
// thread of its own. Returns the shares' results in order; when a share throws, rethrows the
// first such exception once every thread has ended.
#pragma once

#include <exception>
#include <thread>
#include <vector>

template <class Share>
auto on_threads(unsigned n, Share share) -> std::vector<decltype(share(0u))> {
  std::vector<decltype(share(0u))> results(n);
  std::vector<std::exception_ptr> errors(n);
  std::vector<std::thread> threads;
  for (unsigned k = 0; k < n; ++k)
    threads.emplace_back([&, k] {
      try {
        results[k] = share(k);
      } catch (...) {
        errors[k] = std::current_exception();
      }
    });
  for (auto& t : threads) t.join();
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
  return results;
}
