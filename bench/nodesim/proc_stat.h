// CPU time of a process from /proc/<pid>/stat (utime + stime, in seconds), and the
// system's load average, for benchmarks that measure other processes. Thread-compatible.
#ifndef FLYOVER_BENCH_NODESIM_PROC_STAT_H_
#define FLYOVER_BENCH_NODESIM_PROC_STAT_H_

#include <sys/types.h>

#include <optional>
#include <string>

namespace flyover::bench {

// User + system CPU seconds `pid` has used; nullopt when it is gone.
[[nodiscard]] std::optional<double> CpuSeconds(pid_t pid);

// The first three fields of /proc/loadavg ("0.52 0.40 0.33").
[[nodiscard]] std::string LoadAverage();

}  // namespace flyover::bench

#endif  // FLYOVER_BENCH_NODESIM_PROC_STAT_H_
