# The seams of DESIGN.md, enforced at configure time: a target of the module on the left
# may link only targets of the modules listed after ALLOWS.
flyover_seam(common            ALLOWS common)
flyover_seam(kube              ALLOWS common kube)
# The worker runs without Kubernetes: it never links kube/.
flyover_seam(worker            ALLOWS common worker_protocol worker)
# The rendezvous protocol and its in-process server (worker/comm/): spoken by the worker
# (client) and served by the operator, so both may link it; it links only common.
flyover_seam(worker_protocol   ALLOWS common worker_protocol)
# Scheduler plugins see only the framework, which itself knows nothing of kube/.
flyover_seam(sched_framework   ALLOWS common sched_framework)
flyover_seam(sched_plugins     ALLOWS common sched_framework sched_plugins)
flyover_seam(scheduler         ALLOWS common kube sched_framework sched_plugins scheduler)
# The kubelet device-plugin protocol is shared by the plugin and the virtual kubelet.
flyover_seam(deviceplugin_api  ALLOWS deviceplugin_api)
flyover_seam(device_plugin     ALLOWS common kube deviceplugin_api device_plugin)
flyover_seam(operator          ALLOWS common kube worker_protocol operator)
flyover_seam(apiserver         ALLOWS common kube apiserver)
flyover_seam(nodesim           ALLOWS common kube deviceplugin_api nodesim)
# Helpers shared by the cross-module tests and the benchmarks (tests/testing/): a local
# cluster driven from a test process; they link only common and kube.
flyover_seam(test_support      ALLOWS common kube test_support)
# The command line and the cross-module tests and benchmarks may use everything.
flyover_seam(cli               ALLOWS common kube worker worker_protocol sched_framework
                                      sched_plugins scheduler deviceplugin_api device_plugin
                                      operator apiserver nodesim cli)
flyover_seam(tests             ALLOWS common kube worker worker_protocol sched_framework
                                      sched_plugins scheduler deviceplugin_api device_plugin
                                      operator apiserver nodesim test_support tests)
flyover_seam(bench             ALLOWS common kube worker worker_protocol sched_framework
                                      sched_plugins scheduler deviceplugin_api device_plugin
                                      operator apiserver nodesim test_support bench)
