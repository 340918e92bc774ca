// One rank process for rank_process_test.cc: `flyover-worker rank` without the rest of the
// binary. Everything comes from the environment (rank_main.h).
#include "worker/train/rank_main.h"

int main() { return flyover::worker::RunRankProcess(); }
