#!/usr/bin/env bash
# make bench: measure, print, and record in docs/BENCHMARKS.md.
# Each figure is a median of several runs (the machines are shared and
# noisy); tests never assert times, this file only reports them.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d "${TMPDIR:-/tmp}/disco-bench.XXXXXX")
trap 'rm -rf "$out"' EXIT
RUNS=${RUNS:-3}
ENGINE_EVALS=${ENGINE_EVALS:-20000}

echo "== sandbox and evaluators (in-process, disco eval's code path)"
build/bench/bench_eval | tee "$out/eval.txt"
echo "== archive"
build/bench/bench_archive | tee "$out/arc.txt"

median() { sort -g | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
# engine RUN WORKERS: one campaign, prints "per_s text func engine_kb forksrv_kb"
engine() {
	rm -f "$out/e.db"*
	./disco run --evaluator expapprox --workers "$2" --budget-evals "$ENGINE_EVALS" --quiet --no-source \
		--db "$out/e.db" --log-json "$out/e.log" >/dev/null
	jq -r 'select(.event=="summary") | "\(.per_s) \(.text_hit_rate) \(.func_hit_rate) \(.engine_peak_kb) \(.forksrv_peak_kb)"' "$out/e.log"
}
echo "== engine end to end (disco run, expapprox, $ENGINE_EVALS attempts, $RUNS runs)"
for w in 2 1; do
	for i in $(seq "$RUNS"); do engine $i $w; done > "$out/engine$w.txt"
	cat "$out/engine$w.txt" | sed "s/^/workers=$w: /"
done
e2=$(cut -d' ' -f1 "$out/engine2.txt" | median | xargs printf '%.0f')
e1=$(cut -d' ' -f1 "$out/engine1.txt" | median | xargs printf '%.0f')
hit_t=$(cut -d' ' -f2 "$out/engine2.txt" | median)
hit_f=$(cut -d' ' -f3 "$out/engine2.txt" | median)
rss_e=$(cut -d' ' -f4 "$out/engine2.txt" | sort -g | tail -1)
rss_f=$(cut -d' ' -f5 "$out/engine2.txt" | sort -g | tail -1)
get() { awk -v k="$2" '$1==k {print $2}' "$1"; }
eval_ms=$(get "$out/eval.txt" expapprox_eval_ms)
overhead=$(awk -v r="$e1" -v s="$eval_ms" 'BEGIN {printf "%.3f", 1000/r - s}')

# ext_rate ARGS WORKERS EVALS: candidates/s of a campaign over bench/ext_eval.py
ext_rate() {
	rm -f "$out/x.db"*
	./disco run --evaluator-cmd "python3 bench/ext_eval.py $1" --workers "$2" --budget-evals "$3" --quiet \
		--no-source --db "$out/x.db" --log-json "$out/x.log" >/dev/null
	jq -r 'select(.event=="summary") | .per_s' "$out/x.log"
}
echo "== external evaluator command (disco run --evaluator-cmd bench/ext_eval.py, $RUNS runs)"
for w in 1 2; do
	for i in $(seq "$RUNS"); do ext_rate "" $w "${EXT_EVALS:-100}"; done | median | xargs printf '%.1f\n' >"$out/ext_once$w.txt"
	for i in $(seq "$RUNS"); do ext_rate --persistent $w "${EXT_PEVALS:-2000}"; done | median | xargs printf '%.0f\n' >"$out/ext_pers$w.txt"
	echo "workers=$w: per request $(cat "$out/ext_once$w.txt")/s, persistent $(cat "$out/ext_pers$w.txt")/s"
done
py_ms=$(for i in $(seq 5); do /usr/bin/time -f %e python3 -c pass 2>&1 >/dev/null; done | median | awk '{printf "%.0f", $1 * 1000}')

echo "== search quality (disco run --evaluator optim, ${QUALITY_EVALS:=1000} attempts, seeds 1..$RUNS)"
for i in $(seq "$RUNS"); do
	rm -f "$out/q.db"*
	./disco run --evaluator optim --workers 2 --seed "$i" --budget-evals "$QUALITY_EVALS" --quiet --no-source \
		--db "$out/q.db" --log-json "$out/q.log" >/dev/null
	jq -r 'select(.event=="summary") | "\(.best) \(.baseline) \(.best_heldout) \(.baseline_heldout)"' "$out/q.log"
done | tee "$out/quality.txt"
q_best=$(cut -d' ' -f1 "$out/quality.txt" | median | xargs printf '%.3f')
q_base=$(cut -d' ' -f2 "$out/quality.txt" | median | xargs printf '%.3f')
q_hbest=$(cut -d' ' -f3 "$out/quality.txt" | median | xargs printf '%.3f')
q_hbase=$(cut -d' ' -f4 "$out/quality.txt" | median | xargs printf '%.3f')

echo "== LLM mutator (tests/llm/bench.sh, loopback fault server)"
RUNS=$RUNS tests/llm/bench.sh "$out/llm.md"

echo "== baselines"
./disco baseline expapprox | tee "$out/base_exp.txt"
./disco baseline optim | tee "$out/base_opt.txt"

cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
{
	echo "# Benchmarks"
	echo
	echo "Written by \`make bench\` (bench/run.sh). Medians of several runs; the machines are shared"
	echo "and noisy, so read ratios and orders of magnitude, not the last digit."
	echo
	echo "- date: $(date -u +%Y-%m-%d)"
	echo "- machine: $(nproc) cores, $cpu, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
	echo "- disco $(./disco --version | cut -d' ' -f2), $(gcc --version | head -1)"
	echo
	echo "## One candidate through \`disco eval\`'s code path (in-process loop)"
	echo
	echo "| figure | value | target |"
	echo "|---|---|---|"
	echo "| expapprox: libtcc compile inside the sandbox child (median) | $(get "$out/eval.txt" expapprox_compile_ms) ms | |"
	echo "| expapprox: prescan + fork + compile + sandboxed run + scoring (median) | $eval_ms ms | <= 1 ms |"
	echo "| expapprox: candidates per second, one at a time | $(get "$out/eval.txt" expapprox_per_s) | |"
	echo "| expapprox: candidates per second, 2 in flight | $(get "$out/eval.txt" expapprox_per_s_2slots) | |"
	echo "| optim: one train evaluation, both stages, the candidate in its own process (median) | $(get "$out/eval.txt" optim_eval_ms) ms | <= 20 ms |"
	echo "| optim: the same with the candidate in run()'s process (no serve(): the cost of the separate process is the difference) | $(get "$out/eval.txt" optim_inprocess_eval_ms) ms | |"
	echo
	echo "## Engine end to end (\`disco run --evaluator expapprox\`, $ENGINE_EVALS attempts)"
	echo
	echo "The default campaign: select, mutate (the symbolic mutator, fitting the constants of one structural child in"
	echo "two: in-process scorings, most of the engine's work; on pool threads with 2 workers, on the engine's thread with 1),"
	echo "text hash, interpreted probe hash, batches of up to 116 compiled, sandboxed and scored together, archive.  The"
	echo "same campaign with fitting off: docs/BENCHMARKS-sym.md, campaign throughput."
	echo
	echo "| figure | value | target |"
	echo "|---|---|---|"
	echo "| candidates per second, 2 workers | $e2 | >= 1500 |"
	echo "| ratio to OpenEvolve's ~110 candidates/s (figure from the project brief: same machine kind, instant LLM, unsandboxed; not re-measured here) | $(awk -v r="$e2" 'BEGIN {printf "%.0fx", r/110}') | |"
	echo "| candidates per second, 1 worker | $e1 | |"
	echo "| engine time per candidate (1 worker: 1/rate minus the eval path above; constant fitting included) | $overhead ms | |"
	echo "| hash hit rate: normalized text / functional | $hit_t / $hit_f | |"
	echo "| engine peak RSS | $(awk -v k="$rss_e" 'BEGIN {printf "%.1f", k/1024}') MiB | < 200 MB |"
	echo "| fork server peak RSS | $(awk -v k="$rss_f" 'BEGIN {printf "%.1f", k/1024}') MiB | < 20 MB |"
	echo
	echo "## External evaluator command (\`disco run --evaluator-cmd \"python3 bench/ext_eval.py\"\`)"
	echo
	echo "A light Python evaluator (sums the candidate's literals, scores the distance to pi): the rate disco"
	echo "drives a command at.  Per request, every candidate starts \`/bin/sh\` and a fresh \`python3\` (here"
	echo "\`python3 -c pass\` alone takes $py_ms ms); persistent (\`\"persistent\": true\` in the info answer), one"
	echo "process per worker serves every request."
	echo
	echo "| candidates per second | 1 worker | 2 workers |"
	echo "|---|---|---|"
	echo "| one process per request | $(cat "$out/ext_once1.txt") | $(cat "$out/ext_once2.txt") |"
	echo "| persistent | $(cat "$out/ext_pers1.txt") | $(cat "$out/ext_pers2.txt") |"
	echo
	echo "## Search quality (\`disco run --evaluator optim\`, $QUALITY_EVALS attempts, the default symbolic mutator, median of $RUNS seeds)"
	echo
	echo "Scores are the optim evaluator's mean area under the log10 loss-reduction curve (docs/EVALUATORS.md); the baseline is"
	echo "the best seed program with its default constants (Adam); baselines tuned with the search's own fitter, and"
	echo "100,000-candidate runs: docs/BENCHMARKS-sym.md.  Held-out workloads are never used for selection."
	echo
	echo "| split | best discovered | best baseline |"
	echo "|---|---|---|"
	echo "| train | $q_best | $q_base |"
	echo "| held-out | $q_hbest | $q_hbase |"
	echo
	echo "## Archive (SQLite)"
	echo
	echo "| figure | value | target |"
	echo "|---|---|---|"
	echo "| attempt records inserted per second (batched) | $(get "$out/arc.txt" archive_inserts_per_s) | >= 20,000 |"
	echo "| \`disco archive top\` on 1,000,000 attempts | $(get "$out/arc.txt" archive_top_ms) ms | < 100 ms |"
	echo "| \`disco report\` on 1,000,000 attempts: time to write the page | $(get "$out/arc.txt" report_ms) ms | a few seconds |"
	echo "| \`disco report\` on 1,000,000 attempts: size of the page | $(get "$out/arc.txt" report_kb) KiB | a few MB |"
	echo
	cat "$out/llm.md"
	echo
	echo "## Baselines (the bar discovered programs have to beat)"
	echo
	echo '```'
	cat "$out/base_exp.txt"
	echo
	cat "$out/base_opt.txt"
	echo '```'
	if [ -f docs/BENCHMARKS-long.md ]; then echo; cat docs/BENCHMARKS-long.md; fi
	echo
	echo "Symbolic search (quality from weak seeds, batching, the interpreter): docs/BENCHMARKS-sym.md (bench/sym.sh)."
} > docs/BENCHMARKS.md
echo "== written to docs/BENCHMARKS.md"
bench/sym.sh
