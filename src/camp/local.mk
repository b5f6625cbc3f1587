# src/camp: campaign files, manifests, child processes, launched servers and
# the runner behind `campaign`.
libservecal_a_SOURCES += \
	src/camp/campaign.c src/camp/campaign.h \
	src/camp/manifest.c src/camp/manifest.h \
	src/camp/child.c src/camp/child.h \
	src/camp/proc.c src/camp/proc.h \
	src/camp/launch.c src/camp/launch.h \
	src/camp/argbuf.c src/camp/argbuf.h \
	src/camp/rundir.c src/camp/rundir.h \
	src/camp/runner.c src/camp/runner.h src/camp/runner_state.h \
	src/camp/runner_note.c src/camp/runner_note.h \
	src/camp/runner_step.c src/camp/runner_step.h \
	src/camp/runner_child.c src/camp/runner_child.h \
	src/camp/runner_target.c src/camp/runner_target.h \
	src/camp/runner_levels.c src/camp/runner_levels.h \
	src/camp/runner_bench.c src/camp/runner_bench.h \
	src/camp/runner_fit.c src/camp/runner_fit.h \
	src/camp/runner_match.c src/camp/runner_match.h \
	src/camp/runner_tool.c src/camp/runner_tool.h \
	src/camp/runner_plan.c src/camp/runner_plan.h \
	src/camp/eta.c src/camp/eta.h \
	src/camp/verify.c src/camp/verify.h \
	src/camp/clicmd.c src/camp/clicmd.h \
	src/camp/health.c src/camp/health.h \
	src/camp/slurm.c src/camp/slurm.h \
	src/camp/k8s.c src/camp/k8s.h

check_PROGRAMS += tests/unit/test_campaign tests/unit/test_campaign_eta \
	tests/unit/test_proc \
	tests/unit/test_launch tests/unit/test_gen_cluster \
	tests/unit/test_verify tests/unit/test_health
TESTS += tests/unit/test_campaign tests/unit/test_campaign_eta \
	tests/unit/test_proc tests/unit/test_launch tests/unit/test_verify \
	tests/unit/test_health \
	tests/unit/test_gen_cluster \
	tests/integration/campaign.sh tests/integration/campaign_launch.sh \
	tests/integration/verify.sh tests/integration/campaign_slurm.sh \
	tests/integration/campaign_k8s.sh tests/integration/campaign_progress.sh \
	tests/integration/verify_closure.sh
tests_unit_test_health_LDADD = libscstub.a $(LDADD) -lpthread
# realsrv.sh (the llama-server helpers) is sourced by campaign_launch.sh.
dist_noinst_SCRIPTS += tests/integration/verify.sh \
	tests/integration/verify_closure.sh \
	tests/integration/campaign_slurm.sh tests/integration/campaign_k8s.sh
dist_noinst_SCRIPTS += tests/integration/campaign.sh \
	tests/integration/campaign_progress.sh \
	tests/integration/campaign_launch.sh tests/integration/realsrv.sh
EXTRA_DIST += bench/demo.json bench/demo-agg.json bench/demo-disagg.json \
	bench/qwen3-32b-h200.json tests/fixtures/e2e-campaign \
	bench/perf/fit-emulator.json bench/perf/fit-disagg-2p2.json \
	bench/perf/fit_emulator.sh bench/perf/closure.sh bench/perf/closure_real.sh \
	bench/perf/engine_spread.sh bench/perf/args.sh \
	bench/llamacpp-tiny.json \
	bench/llamacpp-tiny-par2.json bench/llamacpp-tiny-par4.json
