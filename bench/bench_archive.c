/*
 * bench_archive - archive throughput and browsing latency.
 *
 * Prints two lines:
 *   archive_inserts_per_s N   attempt records per second, batched 1000 per
 *                             commit; every ok attempt (about 70%) also
 *                             writes its program, evaluation and elite
 *                             update (median of 3 runs of 100,000)
 *   archive_top_ms N          `disco archive top` (open read-only, check,
 *                             query, print) on an archive of 1,000,000
 *                             attempts (median of 7 runs)
 *   report_ms N               `disco report` of that archive: open
 *                             read-only, every query, the HTML page written
 *                             and renamed into place (median of 3 runs)
 *   report_kb N               the size of that page
 * BENCH_ARCHIVE_ATTEMPTS overrides the 1,000,000.  Scratch files live in a
 * temporary directory that is removed at the end.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/stat.h>

#include "archive/arc.h"
#include "archive/report/report.h"
#include "engine/cli/cli.h"
#include "tests/tools/arc_gen.h"
#include "evaluators/mono.h"

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return (a > b) - (a < b);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Writes n attempts into a fresh archive at path; returns elapsed ms or -1. */
static double fill(const char *path, int64_t n)
{
	char err[512];
	int64_t last = 0;
	unlink(path);
	struct arc *a = arc_open(path, ARC_CREATE, err, sizeof err);
	if (!a) {
		fprintf(stderr, "bench_archive: %s\n", err);
		return -1;
	}
	double t0 = mono_ms();
	if (arc_begin(a) || gen_campaign(a, 1) ||
	    gen_attempts(a, 1, 1, n, 1000, &last, NULL, NULL) || arc_commit(a)) {
		fprintf(stderr, "bench_archive: %s\n", arc_errmsg(a));
		arc_close(&a);
		return -1;
	}
	double t = mono_ms() - t0;
	arc_close(&a);
	return t;
}

int main(void)
{
	char dir[512], path[600], cmd[700];
	snprintf(dir, sizeof dir, "%s/disco-bench-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	double runs[7];
	int64_t big = 1000000;
	const char *env = getenv("BENCH_ARCHIVE_ATTEMPTS");
	if (env && atoll(env) > 0)
		big = atoll(env);
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof path, "%s/bench.db", dir);

	for (int i = 0; i < 3; i++) {
		double ms = fill(path, 100000);
		if (ms < 0)
			return 1;
		runs[i] = 100000 / (ms / 1e3);
	}
	printf("archive_inserts_per_s %.0f\n", median(runs, 3));
	fflush(stdout);

	double ms = fill(path, big);
	if (ms < 0)
		return 1;
	fprintf(stderr, "bench_archive: building %lld attempts took %.1f s (%.0f/s)\n",
	        (long long)big, ms / 1e3, (double)big / (ms / 1e3));
	char *argv[] = {"archive", "top", "--db", path, NULL};
	int out = dup(1), null = open("/dev/null", O_WRONLY);
	for (int i = 0; i < 7; i++) {
		dup2(null, 1);
		double t0 = mono_ms();
		int rc = cmd_archive(4, argv);
		fflush(stdout);
		runs[i] = mono_ms() - t0;
		dup2(out, 1);
		if (rc != 0) {
			fprintf(stderr, "bench_archive: archive top failed (%d)\n", rc);
			return 1;
		}
	}
	close(null);
	close(out);
	printf("archive_top_ms %.2f\n", median(runs, 7));
	fflush(stdout);

	char html[700], err[1024];
	struct stat sb;
	snprintf(html, sizeof html, "%s/report.html", dir);
	for (int i = 0; i < 3; i++) {
		double t0 = mono_ms();
		if (rpt_write_file(path, html, err, sizeof err)) {
			fprintf(stderr, "bench_archive: report: %s\n", err);
			return 1;
		}
		runs[i] = mono_ms() - t0;
	}
	printf("report_ms %.0f\n", median(runs, 3));
	printf("report_kb %.0f\n", stat(html, &sb) == 0 ? (double)sb.st_size / 1024 : -1.0);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : 1;
}
