// SIGTERM and SIGINT as a flag: InstallStopSignalHandlers() makes both set the returned
// flag (without SA_RESTART, so a blocking poll(2) returns at once) instead of killing the
// process; the agent's loop forwards the stop to its ranks. Call once, before threads.
#ifndef FLYOVER_WORKER_MAIN_STOP_SIGNALS_H_
#define FLYOVER_WORKER_MAIN_STOP_SIGNALS_H_

#include <atomic>

namespace flyover::worker {

const std::atomic<bool>* InstallStopSignalHandlers();

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_MAIN_STOP_SIGNALS_H_
