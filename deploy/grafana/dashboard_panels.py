"""The panels of Flyover's four dashboards (dashboards.py renders them to Grafana JSON).

Labels the queries rely on (docs/observability.md has the scrape side):
  operator   flyover_operator_* ; the per-job gauges carry {namespace, job} themselves
             (scraped with honor_labels so the target's own job label does not rename them)
  worker     flyover_worker_* carry {rank}; the scrape adds namespace, job (the
             PostTrainingJob), pod and node as target labels
  exporter   npu_chip_info_* carry {id, model_name, namespace, pod_name, container_name};
             the scrape adds node and super_pod
  scheduler  flyover_scheduler_*, no job labels
Recording rules (deploy/prometheus/flyover-rules.yaml) are named flyover:<what>:<how>.
"""
import dataclasses


@dataclasses.dataclass
class Panel:
    title: str
    description: str
    queries: list  # [(PromQL, legend)]
    unit: str = "short"
    kind: str = "timeseries"
    width: int = 12
    thresholds: list = None  # [(value or None for the base, color)]
    max: float = None


JOB = '{namespace="$namespace", job="$job"}'
NS = '{namespace=~"$namespace", job=~"$job"}'
RATE = "[$__rate_interval]"


def quantile(q, metric, by, selector=""):
    return ("histogram_quantile(%s, sum by (le, %s) (rate(%s_bucket%s%s)))"
            % (q, by, metric, selector, RATE))


FLEET = [
    ("Jobs", [
        Panel("Jobs by phase", "PostTrainingJobs the operator knows, by status.phase.",
              [("sum by (phase) (flyover_operator_jobs)", "{{phase}}")], width=12),
        Panel("Running jobs", "Jobs in phase Running now.",
              [('sum(flyover_operator_jobs{phase="Running"})', "running")], kind="stat", width=6),
        Panel("Recovering jobs", "Jobs in phase Recovering now.",
              [('sum(flyover_operator_jobs{phase="Recovering"})', "recovering")],
              kind="stat", width=6),
        Panel("Goodput by job", "Productive time / wall time since each job first ran.",
              [("flyover_operator_job_goodput_ratio" + NS, "{{namespace}}/{{job}}")],
              unit="percentunit", max=1, width=12,
              thresholds=[(None, "red"), (0.8, "yellow"), (0.9, "green")]),
        Panel("Step by job", "status.step of each job.",
              [("flyover_operator_job_step" + NS, "{{namespace}}/{{job}}")], width=12),
    ]),
    ("Faults and recoveries", [
        Panel("Faults by class", "Faults recorded into job status per interval, by class.",
              [("sum by (class) (increase(flyover_operator_faults_total%s))" % RATE,
                "{{class}}")], width=8),
        Panel("Recoveries by level", "Recovery attempts started per interval, by level "
              "(InPlace, ReschedulePod, RestartJob).",
              [("sum by (level) (increase(flyover_operator_restarts_total%s))" % RATE,
                "{{level}}")], width=8),
        Panel("Recoveries in the last 30 minutes", "Recovery attempts by level, 30 minutes.",
              [("flyover:operator_restarts:increase30m", "{{level}}")], kind="stat", width=8),
        Panel("Fault detection time (p90)", "Fault occurred -> detected, 90th percentile by "
              "class.", [(quantile(0.9, "flyover_operator_fault_detection_seconds", "class"),
                          "{{class}}")], unit="s"),
        Panel("Recovery time (p90)", "Fault detected -> first step completed after the "
              "recovery, 90th percentile by level.",
              [(quantile(0.9, "flyover_operator_recovery_seconds", "level"), "{{level}}")],
              unit="s"),
    ]),
]

JOB_PANELS_PROGRESS = [
    Panel("Step", "The job's status.step (operator) and each rank's last reported step.",
          [("flyover_operator_job_step" + JOB, "status.step"),
           ("max by (rank) (flyover_worker_rank_step%s)" % JOB, "rank {{rank}}")]),
    Panel("Loss", "Training loss at each rank's last step.",
          [("max by (rank) (flyover_worker_rank_loss%s)" % JOB, "rank {{rank}}")]),
    Panel("Step time", "Duration of each rank's last step.",
          [("max by (rank) (flyover_worker_rank_step_seconds%s)" % JOB, "rank {{rank}}")],
          unit="s"),
    Panel("Tokens per second", "Training throughput: the job's sum and each rank.",
          [("flyover:worker_tokens_per_second:sum" + JOB, "job"),
           ("max by (rank) (flyover_worker_rank_tokens_per_second%s)" % JOB, "rank {{rank}}")]),
    Panel("Goodput", "Productive time / wall time since the job first ran.",
          [("flyover_operator_job_goodput_ratio" + JOB, "goodput")], unit="percentunit",
          kind="stat", max=1, width=6, thresholds=[(None, "red"), (0.8, "yellow"), (0.9, "green")]),
    Panel("Generation", "Restart generation the job's rank processes run in.",
          [("max(flyover_worker_generation%s)" % JOB, "generation")], kind="stat", width=6),
]

JOB_PANELS_HEALTH = [
    Panel("Checkpoint stall (p90)", "Time a rank's training loop was blocked by a checkpoint "
          "save, 90th percentile.",
          [(quantile(0.9, "flyover_worker_checkpoint_stall_seconds", "rank", JOB),
            "rank {{rank}}")], unit="s"),
    Panel("Time stalled on checkpoints", "Fraction of wall time each rank spent blocked by "
          "checkpoint saves.",
          [("sum by (rank) (rate(flyover_worker_checkpoint_stall_seconds_sum%s%s))" % (JOB, RATE),
            "rank {{rank}}")], unit="percentunit"),
    Panel("Stragglers: step time / job median", "Each rank's last step time over the job's "
          "median; a rank well above 1 is a straggler.",
          [("flyover:worker_rank_step_seconds:ratio_to_median" + JOB, "rank {{rank}}")],
          thresholds=[(None, "green"), (1.5, "red")]),
    Panel("Recovery timeline", "Operator recovery attempts by level (all jobs), and the job's "
          "rank restarts and heartbeat failures.",
          [("sum by (level) (increase(flyover_operator_restarts_total%s))" % RATE, "{{level}}"),
           ("sum(increase(flyover_worker_rank_restarts_total%s%s))" % (JOB, RATE),
            "rank restarts"),
           ("sum(increase(flyover_worker_heartbeat_failures_total%s%s))" % (JOB, RATE),
            "heartbeat failures")]),
    Panel("Pods", "The job's pods being scraped now, with their node.",
          [('count by (pod, node) (flyover_worker_rank_step%s)' % JOB, "{{pod}} on {{node}}")],
          kind="table", width=24),
]

JOB = [("Progress", JOB_PANELS_PROGRESS), ("Health", JOB_PANELS_HEALTH)]

SCHEDULER = [
    ("Latency", [
        Panel("Gang scheduling latency", "Start of a gang's successful attempt -> its last pod "
              "bound: p50 and p99.",
              [(quantile(0.5, "flyover_scheduler_gang_scheduling_duration_seconds", "instance"),
                "p50 {{instance}}"),
               ("flyover:scheduler_gang_scheduling_seconds:p99", "p99")], unit="s"),
        Panel("Placement time (p99)", "Time one placement computation took.",
              [(quantile(0.99, "flyover_scheduler_placement_duration_seconds", "instance"),
                "{{instance}}")], unit="s"),
        Panel("Attempts by result", "Gang scheduling attempts per second by result.",
              [("sum by (result) (rate(flyover_scheduler_schedule_attempts_total%s))" % RATE,
                "{{result}}")], unit="ops"),
        Panel("Pods bound", "Pods bound per second.",
              [("sum(rate(flyover_scheduler_pods_bound_total%s))" % RATE, "bound")],
              unit="ops"),
    ]),
    ("Queue and capacity", [
        Panel("Unschedulable and pending gangs", "Gangs parked as unschedulable, and ready "
              "gangs waiting in the queue.",
              [("sum(flyover_scheduler_unschedulable_gangs)", "unschedulable"),
               ("sum(flyover_scheduler_pending_gangs)", "pending")]),
        Panel("Fragmentation", "Free dies in partly used physical super-pods.",
              [("sum(flyover_scheduler_fragmented_free_dies)", "fragmented free dies")]),
    ]),
    ("Topology", [
        Panel("Super-pods spanned per gang", "Placed gangs by the number of physical super-pods "
              "they span, over the dashboard's range.",
              [("sum by (le) (increase(flyover_scheduler_gang_super_pods_spanned_bucket"
                "[$__range]))", "<= {{le}}")], kind="bargauge", width=8),
        Panel("Gangs over the lower bound", "Placed gangs spanning more super-pods than they "
              "had to, over the dashboard's range.",
              [("sum(increase(flyover_scheduler_gang_super_pods_over_lower_bound_total"
                "[$__range]))", "over the bound")], kind="stat", width=8),
        Panel("Dies of $job by super-pod", "Where the selected job runs: its dies per "
              "physical super-pod and node (device-plugin exporter).",
              [('count by (super_pod, node) (npu_chip_info_health_status{namespace="$namespace",'
                ' pod_name=~"$job-.*"})', "{{super_pod}} / {{node}}")], kind="table", width=8),
    ]),
]

DIE = '{node=~"$node", super_pod=~"$super_pod"}'

NPU = [
    ("Health", [
        Panel("Unhealthy dies by node", "Dies out of service (health status 0), by node.",
              [("flyover:npu_unhealthy_dies:sum" + DIE, "{{super_pod}} / {{node}}")],
              thresholds=[(None, "green"), (1, "red")]),
        Panel("Healthy dies by super-pod", "Healthy dies / dies per super-pod.",
              [("sum by (super_pod) (npu_chip_info_health_status%s) / sum by (super_pod) "
                "(machine_npu_nums%s)" % (DIE, DIE), "{{super_pod}}")],
              unit="percentunit", max=1),
        Panel("Per-die health", "Health status of every die (1 healthy, 0 out of service) and "
              "its first fault code.",
              [("max by (node, id) (npu_chip_info_health_status%s)" % DIE, "{{node}} die {{id}}"),
               ("max by (node, id) (npu_chip_info_error_code%s)" % DIE, "code {{node}}/{{id}}")],
              kind="table", width=24),
        Panel("Network and links down", "Dies whose parameter-plane network or link is down.",
              [("sum by (node) (1 - npu_chip_info_network_status%s)" % DIE, "network {{node}}"),
               ("sum by (node) (1 - npu_chip_info_link_status%s)" % DIE, "link {{node}}")]),
    ]),
    ("Memory and errors", [
        Panel("HBM used by node", "HBM in use / HBM total per node.",
              [("sum by (node) (npu_chip_info_hbm_used_memory%s) / sum by (node) "
                "(npu_chip_info_hbm_total_memory%s)" % (DIE, DIE), "{{node}}")],
              unit="percentunit", max=1),
        Panel("HBM used by the job's dies", "HBM in use on each die allocated to $job.",
              [('max by (node, id) (npu_chip_info_hbm_used_memory{namespace="$namespace", '
                'pod_name=~"$job-.*"})', "{{node}} die {{id}}")], unit="decmbytes"),
        Panel("HBM ECC errors", "Corrected (single-bit) and uncorrectable (double-bit) HBM ECC "
              "errors, by node.",
              [("sum by (node) (npu_chip_info_hbm_ecc_single_bit_error_cnt%s)" % DIE,
                "single-bit {{node}}"),
               ("sum by (node) (npu_chip_info_hbm_ecc_double_bit_error_cnt%s)" % DIE,
                "double-bit {{node}}")]),
        Panel("Temperature and power", "Hottest die and power draw per node.",
              [("max by (node) (npu_chip_info_temperature%s)" % DIE, "max °C {{node}}"),
               ("sum by (node) (npu_chip_info_power%s)" % DIE, "W {{node}}")]),
        Panel("AI core utilisation", "Mean AI core utilisation per node.",
              [("avg by (node) (npu_chip_info_utilization%s)" % DIE, "{{node}}")],
              unit="percent"),
    ]),
]
