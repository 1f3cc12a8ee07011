/*
 * arc.c - the archive's schema, migrations, transactions and writes, the
 * MAP-Elites rule and the lookups the engine needs.  See arc.h.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "archive/arc.h"
#include "archive/arc_int.h"
#include "evaluators/mono.h"

#ifndef DISCO_VERSION
#define DISCO_VERSION "unknown"
#endif

const char *const arc_status_names[ARC_NSTATUS] = {
	"ok", "rejected", "compile_error", "timeout", "crash",
	"memory", "syscall", "invalid_output", "duplicate", "edit_failed",
};

static const char *const outcome_names[ARC_NOUTCOMES] = {
	"NOT_ADDED", "NEW", "IMPROVED", "DUPLICATE",
};

/* Cached prepared statements, prepared on first use. */
enum {
	S_ADD_PROGRAM, S_ADD_ATTEMPT, S_ADD_EVAL, S_ADD_LLM, S_ADD_EVENT,
	S_ELITE_GET, S_ELITE_PUT, S_ELITE_COUNT, S_ELITE_COUNT_ALL, S_ELITE_NTH,
	S_ELITE_BEST, S_ELITE_BEST_ALL, S_FIND_TEXT, S_FIND_FUNC,
	S_GET_PROGRAM, S_GET_EVAL, S_LLM_LINK, S_FAILURES, S_ELITE_ISLAND, S_NSTMT
};

static const char *const stmt_sql[S_NSTMT] = {
	[S_ADD_PROGRAM] =
	"INSERT INTO programs(source, source_len, ir, text_hash, func_hash,"
	" parent_id, parent2_id, inspirations, mutator, island, created)"
	" VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)",
	[S_ADD_ATTEMPT] =
	"INSERT INTO attempts(seq, program_id, parent_id, status, message,"
	" compile_ms, run_ms, score_ms, total_ms, outcome, duplicate_of, island,"
	" mutator, stage, created)"
	" VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15)",
	[S_ADD_EVAL] =
	"INSERT INTO evaluations(program_id, score, metrics, descriptors, stage,"
	" split, created) VALUES(?1,?2,?3,?4,?5,?6,?7)",
	[S_ADD_LLM] =
	"INSERT INTO llm_calls(model, tokens_in, tokens_out, latency_ms, cost,"
	" status, message, attempt_seq, created, retries, finish_reason, prompt, answer,"
	" parent_id) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)",
	[S_ADD_EVENT] =
	"INSERT INTO events(kind, detail, created) VALUES(?1,?2,?3)",
	[S_ELITE_GET] =
	"SELECT program_id, score, source_len FROM elites WHERE island=?1 AND cell=?2",
	[S_ELITE_PUT] =
	"INSERT INTO elites(island, cell, program_id, score, source_len,"
	" descriptors, updated, replacements) VALUES(?1,?2,?3,?4,?5,?6,?7,0)"
	" ON CONFLICT(island, cell) DO UPDATE SET program_id=excluded.program_id,"
	" score=excluded.score, source_len=excluded.source_len,"
	" descriptors=excluded.descriptors, updated=excluded.updated,"
	" replacements=replacements+1",
	[S_ELITE_COUNT] = "SELECT count(*) FROM elites WHERE island=?1",
	[S_ELITE_COUNT_ALL] = "SELECT count(*) FROM elites",
	[S_ELITE_NTH] =
	"SELECT program_id FROM elites WHERE island=?1 ORDER BY cell LIMIT 1 OFFSET ?2",
	[S_ELITE_ISLAND] =
	"SELECT cell, program_id, score, source_len FROM elites WHERE island=?1 ORDER BY cell",
	[S_ELITE_BEST] =
	"SELECT program_id, score FROM elites WHERE island=?1"
	" ORDER BY score DESC, program_id ASC LIMIT 1",
	[S_ELITE_BEST_ALL] =
	"SELECT program_id, score FROM elites ORDER BY score DESC, program_id ASC LIMIT 1",
	[S_FIND_TEXT] =
	"SELECT id FROM programs WHERE text_hash=?1 ORDER BY id LIMIT 1",
	[S_FIND_FUNC] =
	"SELECT id FROM programs WHERE func_hash=?1 ORDER BY id LIMIT 1",
	[S_GET_PROGRAM] =
	"SELECT id, source, ir, mutator, text_hash, func_hash, parent_id,"
	" parent2_id, inspirations, island, created FROM programs WHERE id=?1",
	[S_GET_EVAL] =
	"SELECT id, program_id, score, metrics, descriptors, stage, split"
	" FROM evaluations WHERE program_id=?1 AND split=?2"
	" ORDER BY stage DESC, id DESC LIMIT 1",
	[S_LLM_LINK] = "UPDATE llm_calls SET attempt_seq=?2 WHERE id=?1",
	[S_FAILURES] =
	"SELECT status, message FROM attempts WHERE parent_id=?1"
	" AND status NOT IN ('ok','duplicate') ORDER BY seq DESC LIMIT ?2",
};

#define ARC_ECOUNT_CACHE 65 /* all, then islands 0..63 */

struct arc {
	sqlite3 *db;
	char *path;
	int readonly;
	int lock_fd;        /* ARC_WRITER: the flock()ed descriptor, or -1 */
	int depth;          /* arc_begin nesting */
	long pending;       /* writes in the open batch */
	double batch_start; /* monotonic ms when the batch began */
	int ndims;          /* cached dims (-1: not loaded) */
	struct arc_dim dims[ARC_MAX_DIMS];
	sqlite3_stmt *stmt[S_NSTMT];
	char err[512];
	/* Elite counts (index island + 1, 0: all islands) of a writer's handle,
	 * valid while ecount_gen[i] == elites_gen + 1: every elite write and every
	 * rollback goes through this file and bumps elites_gen.  A handle that
	 * does not hold ARC_WRITER counts afresh each time (another process
	 * may be writing). */
	uint64_t elites_gen, ecount_gen[ARC_ECOUNT_CACHE];
	int64_t ecount[ARC_ECOUNT_CACHE];
	/* A writer's copy of each island's elites (islands 0..ARC_ECOUNT_CACHE-2),
	 * in cell order, valid under the same rule (etab[i].gen == elites_gen
	 * + 1); an elite write by this handle updates it in place, so the
	 * parent draws and the MAP-Elites comparison of a campaign read memory,
	 * not SQL. */
	struct etab {
		uint64_t gen;
		int n, cap;
		struct etab_row {
			int64_t cell, program_id, source_len;
			double score;
		} *row;
	} etab[ARC_ECOUNT_CACHE - 1];
};

/* --- the schema ------------------------------------------------------------- */

/* The oldest schema version a read-only handle opens as it is: the
 * versions since read the same (2 -> 3 only respells a check). */
#define ARC_SCHEMA_READABLE 2

/* migrations[i] brings user_version i to i+1.  Never edit a released step:
 * append one. */
static const char *const migrations[ARC_SCHEMA_VERSION] = {
	/* 0 -> 1 */
	"CREATE TABLE campaigns("
	"  id INTEGER PRIMARY KEY,"
	"  config TEXT NOT NULL CHECK (json_valid(config)),"
	"  seed INTEGER NOT NULL,"
	"  engine_version TEXT NOT NULL,"
	"  started REAL NOT NULL,"
	"  finished REAL);"
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID;"
	"CREATE TABLE dims("
	"  idx INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  lo REAL NOT NULL, hi REAL NOT NULL,"
	"  bins INTEGER NOT NULL CHECK (bins >= 1),"
	"  CHECK (lo < hi));"
	"CREATE TABLE programs("
	"  id INTEGER PRIMARY KEY,"
	"  source TEXT NOT NULL,"
	"  source_len INTEGER NOT NULL,"
	"  ir TEXT,"
	"  text_hash INTEGER NOT NULL,"
	"  func_hash INTEGER,"
	"  parent_id INTEGER REFERENCES programs(id),"
	"  parent2_id INTEGER REFERENCES programs(id),"
	"  inspirations TEXT CHECK (inspirations IS NULL OR json_valid(inspirations)),"
	"  mutator TEXT,"
	"  island INTEGER NOT NULL,"
	"  created REAL NOT NULL);"
	"CREATE INDEX programs_text_hash ON programs(text_hash);"
	"CREATE INDEX programs_func_hash ON programs(func_hash) WHERE func_hash IS NOT NULL;"
	"CREATE INDEX programs_parent ON programs(parent_id);"
	"CREATE TABLE attempts("
	"  id INTEGER PRIMARY KEY,"
	"  seq INTEGER NOT NULL UNIQUE,"
	"  program_id INTEGER REFERENCES programs(id),"
	"  parent_id INTEGER REFERENCES programs(id),"
	"  status TEXT NOT NULL,"
	"  message TEXT,"
	"  compile_ms REAL, run_ms REAL, score_ms REAL, total_ms REAL,"
	"  outcome TEXT NOT NULL"
	"    CHECK (outcome IN ('NEW','IMPROVED','NOT_ADDED','DUPLICATE')),"
	"  duplicate_of INTEGER REFERENCES programs(id),"
	"  island INTEGER NOT NULL,"
	"  mutator TEXT,"
	"  stage INTEGER NOT NULL,"
	"  created REAL NOT NULL);"
	"CREATE INDEX attempts_program ON attempts(program_id);"
	"CREATE TABLE evaluations("
	"  id INTEGER PRIMARY KEY,"
	"  program_id INTEGER NOT NULL REFERENCES programs(id),"
	"  score REAL,"
	"  metrics TEXT CHECK (metrics IS NULL OR json_valid(metrics)),"
	"  descriptors TEXT NOT NULL CHECK (json_valid(descriptors)),"
	"  stage INTEGER NOT NULL,"
	"  split INTEGER NOT NULL,"
	"  created REAL NOT NULL);"
	"CREATE INDEX evaluations_program ON evaluations(program_id, split, stage);"
	"CREATE INDEX evaluations_score ON evaluations(split, score);"
	"CREATE TABLE elites("
	"  island INTEGER NOT NULL,"
	"  cell INTEGER NOT NULL,"
	"  program_id INTEGER NOT NULL REFERENCES programs(id),"
	"  score REAL NOT NULL,"
	"  source_len INTEGER NOT NULL,"
	"  descriptors TEXT NOT NULL,"
	"  updated REAL NOT NULL,"
	"  replacements INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (island, cell)) WITHOUT ROWID;"
	"CREATE INDEX elites_program ON elites(program_id);"
	"CREATE TABLE llm_calls("
	"  id INTEGER PRIMARY KEY,"
	"  model TEXT,"
	"  tokens_in INTEGER, tokens_out INTEGER,"
	"  latency_ms REAL, cost REAL,"
	"  status TEXT NOT NULL,"
	"  message TEXT,"
	"  attempt_seq INTEGER,"
	"  created REAL NOT NULL);"
	"CREATE TABLE events("
	"  id INTEGER PRIMARY KEY,"
	"  kind TEXT NOT NULL,"
	"  detail TEXT CHECK (detail IS NULL OR json_valid(detail)),"
	"  created REAL NOT NULL);",
	/* 1 -> 2: what each LLM call was told and answered; failures by parent. */
	"ALTER TABLE llm_calls ADD COLUMN retries INTEGER;"
	"ALTER TABLE llm_calls ADD COLUMN finish_reason TEXT;"
	"ALTER TABLE llm_calls ADD COLUMN prompt TEXT;"
	"ALTER TABLE llm_calls ADD COLUMN answer TEXT;"
	"ALTER TABLE llm_calls ADD COLUMN parent_id INTEGER;"
	"CREATE INDEX attempts_parent ON attempts(parent_id, seq);",
	/* 2 -> 3: the outcome check spelled without IN.  SQLite evaluates an IN
	 * list of 4 constants by building a temporary b-tree on every insert
	 * (about a quarter of an attempt's insert cost); "= ... OR" accepts
	 * exactly the same values.  No stored row changes, so this is SQLite's
	 * documented edit of a table's text (writable_schema, then migrate()
	 * bumps schema_version), not a table rebuild. */
	"PRAGMA writable_schema=ON;"
	"UPDATE sqlite_schema SET sql=replace(sql,"
	" 'CHECK (outcome IN (''NEW'',''IMPROVED'',''NOT_ADDED'',''DUPLICATE''))',"
	" 'CHECK (outcome = ''NEW'' OR outcome = ''IMPROVED'' OR outcome = ''NOT_ADDED''"
	" OR outcome = ''DUPLICATE'')')"
	" WHERE type='table' AND name='attempts';"
	"PRAGMA writable_schema=OFF;",
};

/* --- small helpers ------------------------------------------------------------ */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void arc_seterr(struct arc *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(a->err, sizeof a->err, fmt, ap);
	va_end(ap);
}

int arc_sqlerr(struct arc *a, const char *what)
{
	arc_seterr(a, "%s: %s: %s", a->path, what, sqlite3_errmsg(a->db));
	return ARC_ERR;
}

sqlite3 *arc_db(struct arc *a) { return a->db; }
const char *arc_errmsg(const struct arc *a) { return a ? a->err : "no archive"; }
const char *arc_path(const struct arc *a) { return a ? a->path : ""; }

const char *arc_outcome_name(int outcome)
{
	return outcome >= 0 && outcome < ARC_NOUTCOMES ? outcome_names[outcome] : "?";
}

int arc_status_index(const char *status)
{
	if (!status)
		return -1;
	for (int i = 0; i < ARC_NSTATUS; i++)
		if (strcmp(status, arc_status_names[i]) == 0)
			return i;
	return -1;
}

/* %.17g of an integral v with |v| < 1e15 (its digits, "-0" for -0.0)
 * into out (24 bytes); returns the length. */
static size_t int_digits(char *out, double v)
{
	char t[24];
	int k = 0;
	uint64_t u = (uint64_t)fabs(v);
	do
		t[k++] = (char)('0' + u % 10);
	while (u /= 10);
	size_t n = 0;
	if (signbit(v))
		out[n++] = '-';
	while (k)
		out[n++] = t[--k];
	out[n] = 0;
	return n;
}

char *arc_desc_json(char *buf, size_t n, const double *desc, int ndesc)
{
	size_t used = 0;
	buf[0] = 0;
	used += (size_t)snprintf(buf, n, "[");
	for (int i = 0; i < ndesc && used < n; i++) {
		const char *sep = i ? "," : "";
		char d[24];
		if (isfinite(desc[i]) && desc[i] == floor(desc[i]) && fabs(desc[i]) < 1e15 &&
		    used + 1 + 24 < n) { /* an operation count: no printf */
			if (*sep)
				buf[used++] = ',';
			size_t l = int_digits(d, desc[i]);
			memcpy(buf + used, d, l + 1);
			used += l;
		} else if (isfinite(desc[i]))
			used += (size_t)snprintf(buf + used, n - used, "%s%.17g", sep, desc[i]);
		else
			used += (size_t)snprintf(buf + used, n - used, "%snull", sep);
	}
	if (used < n)
		snprintf(buf + used, n - used, "]");
	return buf;
}

int arc_desc_parse(const char *json, double *desc, int max)
{
	int n = 0;
	cJSON *j = json ? cJSON_Parse(json) : NULL;
	if (cJSON_IsArray(j)) {
		const cJSON *it;
		cJSON_ArrayForEach(it, j) {
			if (n >= max)
				break;
			desc[n++] = cJSON_IsNumber(it) ? it->valuedouble : NAN;
		}
	}
	cJSON_Delete(j);
	return n;
}

static sqlite3_stmt *stmt(struct arc *a, int k)
{
	if (!a->stmt[k] &&
	    sqlite3_prepare_v3(a->db, stmt_sql[k], -1, SQLITE_PREPARE_PERSISTENT,
	                       &a->stmt[k], NULL) != SQLITE_OK) {
		arc_sqlerr(a, "preparing a statement");
		a->stmt[k] = NULL;
		return NULL;
	}
	return a->stmt[k];
}

/* Steps a write statement to completion and resets it. */
static int step_done(struct arc *a, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);
	if (rc != SQLITE_DONE) {
		arc_sqlerr(a, what);
		sqlite3_reset(s);
		return ARC_ERR;
	}
	sqlite3_reset(s);
	a->pending++;
	return ARC_OK;
}

static void bind_id(sqlite3_stmt *s, int i, int64_t id)
{
	if (id > 0)
		sqlite3_bind_int64(s, i, id);
	else
		sqlite3_bind_null(s, i);
}

static void bind_text(sqlite3_stmt *s, int i, const char *t)
{
	if (t)
		sqlite3_bind_text(s, i, t, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

static void bind_real(sqlite3_stmt *s, int i, double v)
{
	if (isfinite(v))
		sqlite3_bind_double(s, i, v);
	else
		sqlite3_bind_null(s, i);
}

static char *dup_col(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	return t ? strdup((const char *)t) : NULL;
}

static int exec(struct arc *a, const char *sql, const char *what)
{
	if (sqlite3_exec(a->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return arc_sqlerr(a, what);
	return ARC_OK;
}

/* Runs a one-integer query (a PRAGMA or count). */
static int query_int(struct arc *a, const char *sql, int64_t *out, const char *what)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(a->db, sql, -1, &s, NULL) != SQLITE_OK)
		return arc_sqlerr(a, what);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(s, 0);
	} else if (rc == SQLITE_DONE) {
		*out = 0;
	} else {
		arc_sqlerr(a, what);
		sqlite3_finalize(s);
		return ARC_ERR;
	}
	sqlite3_finalize(s);
	return ARC_OK;
}

/* --- open, check, migrate ---------------------------------------------------- */

static int migrate(struct arc *a, int64_t from)
{
	for (int64_t v = from; v < ARC_SCHEMA_VERSION; v++) {
		char sql[224];
		if (exec(a, "BEGIN IMMEDIATE", "starting the schema migration"))
			return ARC_ERR;
		if (exec(a, migrations[v], "creating the schema")) {
			sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
			return ARC_ERR;
		}
		/* A step may edit a table's text in place (2 -> 3): a new schema
		 * cookie makes every connection, this one too, read it again. */
		int64_t cookie;
		if (query_int(a, "PRAGMA schema_version", &cookie, "reading the schema cookie")) {
			sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
			return ARC_ERR;
		}
		snprintf(sql, sizeof sql,
		         "PRAGMA schema_version=%lld; PRAGMA application_id=%d; PRAGMA user_version=%d;"
		         "INSERT INTO events(kind, detail, created) VALUES('migration',"
		         " '{\"from\":%d,\"to\":%d}', %.6f);",
		         (long long)cookie + 1, ARC_APPLICATION_ID, (int)(v + 1), (int)v, (int)(v + 1), now_s());
		if (exec(a, sql, "recording the schema version") ||
		    exec(a, "COMMIT", "committing the schema migration")) {
			sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
			return ARC_ERR;
		}
	}
	return ARC_OK;
}

/* Is this file a disco archive we understand?  Initialises an empty file
 * when allowed. */
static int check_schema(struct arc *a, int flags)
{
	int64_t app = 0, ver = 0, nobj = 0;
	if (query_int(a, "PRAGMA application_id", &app, "reading the header"))
		return ARC_ERR;
	if (query_int(a, "PRAGMA user_version", &ver, "reading the schema version") ||
	    query_int(a, "SELECT count(*) FROM sqlite_master", &nobj,
	              "reading the schema"))
		return ARC_ERR;
	if (app == 0 && ver == 0 && nobj == 0) { /* empty database */
		if (!(flags & ARC_CREATE) || a->readonly) {
			arc_seterr(a, "%s: not a disco archive (empty database)", a->path);
			return ARC_ERR;
		}
		return migrate(a, 0);
	}
	if (app != ARC_APPLICATION_ID) {
		arc_seterr(a, "%s: not a disco archive (SQLite application_id 0x%llx,"
		           " expected 0x%x)", a->path, (unsigned long long)(uint32_t)app,
		           ARC_APPLICATION_ID);
		return ARC_ERR;
	}
	if (ver > ARC_SCHEMA_VERSION) {
		arc_seterr(a, "%s: archive schema version %lld is newer than this disco"
		           " understands (%d); use a newer disco", a->path,
		           (long long)ver, ARC_SCHEMA_VERSION);
		return ARC_ERR;
	}
	if (ver < ARC_SCHEMA_VERSION) {
		if (a->readonly && ver >= ARC_SCHEMA_READABLE)
			return ARC_OK; /* reads the same: later steps only respell checks */
		if (a->readonly) {
			arc_seterr(a, "%s: archive schema version %lld is older than %d;"
			           " open it once for writing (disco resume) to migrate it",
			           a->path, (long long)ver, ARC_SCHEMA_VERSION);
			return ARC_ERR;
		}
		return migrate(a, ver);
	}
	return ARC_OK;
}

/* Reopens a read-only archive as immutable (no -shm, no locks), which is
 * right only when nobody can write it and no write-ahead log holds
 * committed pages: a cleanly closed archive on a read-only mount. */
static int open_immutable(struct arc *a, char *err, size_t errlen)
{
	char wal[4096];
	struct stat ws;
	snprintf(wal, sizeof wal, "%s-wal", a->path);
	if (stat(wal, &ws) == 0 && ws.st_size > 0) {
		snprintf(err, errlen, "%s: cannot read the archive: its write-ahead log %s holds"
		         " commits and the folder is not writable (a read-only mount?); copy the"
		         " archive with its -wal file to a writable folder", a->path, wal);
		return -1;
	}
	/* file: URI of the path, percent-encoding what a URI would read. */
	size_t n = strlen(a->path);
	char *uri = malloc(3 * n + 32), *o = uri;
	if (!uri) {
		snprintf(err, errlen, "%s: out of memory", a->path);
		return -1;
	}
	o += sprintf(o, "file:");
	for (const unsigned char *p = (const unsigned char *)a->path; *p; p++) {
		if (*p == '%' || *p == '?' || *p == '#' || *p < 0x21 || *p >= 0x7f)
			o += sprintf(o, "%%%02X", *p);
		else
			*o++ = (char)*p;
	}
	strcpy(o, "?immutable=1");
	sqlite3_close(a->db);
	a->db = NULL;
	int rc = sqlite3_open_v2(uri, &a->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI |
	                         SQLITE_OPEN_NOMUTEX, NULL);
	free(uri);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot open archive: %s", a->path,
		         a->db ? sqlite3_errmsg(a->db) : "out of memory");
		return -1;
	}
	sqlite3_extended_result_codes(a->db, 1);
	if (check_schema(a, ARC_READONLY)) {
		snprintf(err, errlen, "%s", a->err);
		return -1;
	}
	return 0;
}

/* SQLite without its memory statistics: with them every allocation and
 * free takes a global mutex and updates counters (about a tenth of an
 * attempt's archive writes, callgrind); nothing in disco reads them.  Only
 * possible before SQLite initializes (the first open in the process); if
 * something initialized it earlier, the call is refused and changes
 * nothing. */
static void sqlite_setup(void)
{
	static int done;
	if (!done) {
		done = 1;
		sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	}
}

struct arc *arc_open(const char *path, int flags, char *err, size_t errlen)
{
	struct stat sb;
	struct arc *a = NULL;
	int oflags;

	sqlite_setup();

	if (!path || !*path) {
		snprintf(err, errlen, "archive path is empty");
		return NULL;
	}
	if (stat(path, &sb) != 0) {
		if (errno != ENOENT || !(flags & ARC_CREATE) || (flags & ARC_READONLY)) {
			snprintf(err, errlen, "%s: cannot open archive: %s", path, strerror(errno));
			return NULL;
		}
	} else if (!S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "%s: not a disco archive (not a regular file)", path);
		return NULL;
	}
	a = calloc(1, sizeof *a);
	if (!a || !(a->path = strdup(path))) {
		snprintf(err, errlen, "%s: out of memory", path);
		free(a);
		return NULL;
	}
	a->ndims = -1;
	a->lock_fd = -1;
	a->readonly = (flags & ARC_READONLY) != 0;
	oflags = a->readonly ? SQLITE_OPEN_READONLY
	                     : SQLITE_OPEN_READWRITE | ((flags & ARC_CREATE) ? SQLITE_OPEN_CREATE : 0);
	if (sqlite3_open_v2(path, &a->db, oflags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot open archive: %s", path,
		         a->db ? sqlite3_errmsg(a->db) : "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(a->db, 1);
	sqlite3_busy_timeout(a->db, 5000);
	if ((flags & ARC_WRITER) && !a->readonly) {
		/* flock() is independent of SQLite's own POSIX locks on the file. */
		a->lock_fd = open(path, O_RDONLY | O_CLOEXEC);
		if (a->lock_fd < 0 || flock(a->lock_fd, LOCK_EX | LOCK_NB) != 0) {
			if (errno == EWOULDBLOCK)
				snprintf(err, errlen,
				         "%s: another disco run or resume is writing to this archive; wait for it to end, or use another --db",
				         path);
			else
				snprintf(err, errlen, "%s: cannot lock the archive: %s", path, strerror(errno));
			goto fail;
		}
	}
	if (check_schema(a, flags)) {
		if (!a->readonly || (sqlite3_errcode(a->db) & 0xff) != SQLITE_CANTOPEN)
			goto fail_msg;
		/* A WAL archive in a folder we cannot write (a read-only mount):
		 * SQLite cannot create the -shm file readers need. */
		if (open_immutable(a, err, errlen))
			goto fail;
	}
	if (!a->readonly) {
		int64_t dummy;
		if (query_int(a, "PRAGMA journal_mode=WAL", &dummy, "enabling WAL") ||
		    exec(a, "PRAGMA synchronous=NORMAL", "setting synchronous") ||
		    /* 64 MiB of page cache: hash indexes take random inserts */
		    exec(a, "PRAGMA cache_size=-65536", "setting the cache size"))
			goto fail_msg;
	}
	if (exec(a, "PRAGMA foreign_keys=ON", "enabling foreign keys"))
		goto fail_msg;
	return a;
fail_msg:
	snprintf(err, errlen, "%s", a->err);
fail:
	arc_close(&a);
	return NULL;
}

void arc_close(struct arc **ap)
{
	struct arc *a;
	if (!ap || !(a = *ap))
		return;
	if (a->depth > 0) {
		a->depth = 1;
		arc_commit(a);
	}
	for (int i = 0; i < S_NSTMT; i++)
		sqlite3_finalize(a->stmt[i]);
	for (int i = 0; i < ARC_ECOUNT_CACHE - 1; i++)
		free(a->etab[i].row);
	sqlite3_close(a->db);
	if (a->lock_fd >= 0)
		close(a->lock_fd);
	free(a->path);
	free(a);
	*ap = NULL;
}

/* --- transactions --------------------------------------------------------------- */

int arc_begin(struct arc *a)
{
	if (a->depth == 0) {
		if (exec(a, "BEGIN IMMEDIATE", "beginning a transaction"))
			return ARC_ERR;
		a->pending = 0;
		a->batch_start = mono_ms();
	}
	a->depth++;
	return ARC_OK;
}

int arc_commit(struct arc *a)
{
	if (a->depth == 0) {
		arc_seterr(a, "%s: arc_commit without arc_begin", a->path);
		return ARC_ERR;
	}
	if (--a->depth > 0)
		return ARC_OK;
	if (exec(a, "COMMIT", "committing")) {
		sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
		a->elites_gen++;
		return ARC_ERR;
	}
	a->pending = 0;
	return ARC_OK;
}

int arc_rollback(struct arc *a)
{
	if (a->depth == 0)
		return ARC_OK;
	a->depth = 0;
	a->pending = 0;
	a->elites_gen++;
	return exec(a, "ROLLBACK", "rolling back");
}

int arc_checkpoint(struct arc *a, int max_records, double max_ms, int *committed)
{
	if (committed)
		*committed = 0;
	if (a->depth != 1)
		return ARC_OK;
	if (a->pending < max_records && mono_ms() - a->batch_start < max_ms)
		return ARC_OK;
	if (arc_commit(a) || arc_begin(a))
		return ARC_ERR;
	if (committed)
		*committed = 1;
	return ARC_OK;
}

/* --- campaign -------------------------------------------------------------------- */

int arc_campaign_create(struct arc *a, const char *config_json, uint64_t seed,
                        int64_t *id)
{
	int64_t n;
	sqlite3_stmt *s;
	if (query_int(a, "SELECT count(*) FROM campaigns", &n, "reading campaigns"))
		return ARC_ERR;
	if (n > 0) {
		arc_seterr(a, "%s: already holds a campaign (one campaign per archive file)",
		           a->path);
		return ARC_ERR;
	}
	if (sqlite3_prepare_v2(a->db,
	                       "INSERT INTO campaigns(config, seed, engine_version, started)"
	                       " VALUES(?1,?2,?3,?4)", -1, &s, NULL) != SQLITE_OK)
		return arc_sqlerr(a, "recording the campaign");
	sqlite3_bind_text(s, 1, config_json ? config_json : "{}", -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, (int64_t)seed);
	sqlite3_bind_text(s, 3, DISCO_VERSION, -1, SQLITE_STATIC);
	sqlite3_bind_double(s, 4, now_s());
	int rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return arc_sqlerr(a, "recording the campaign (is config valid JSON?)");
	a->pending++;
	if (id)
		*id = sqlite3_last_insert_rowid(a->db);
	return ARC_OK;
}

int arc_campaign_get(struct arc *a, char **config_json, uint64_t *seed)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(a->db, "SELECT config, seed FROM campaigns ORDER BY id LIMIT 1",
	                       -1, &s, NULL) != SQLITE_OK)
		return arc_sqlerr(a, "reading the campaign");
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		if (config_json && !(*config_json = dup_col(s, 0)))
			*config_json = strdup("{}");
		if (seed)
			*seed = (uint64_t)sqlite3_column_int64(s, 1);
		rc = ARC_OK;
	} else if (rc == SQLITE_DONE) {
		rc = ARC_NOTFOUND;
	} else {
		rc = arc_sqlerr(a, "reading the campaign");
	}
	sqlite3_finalize(s);
	return rc;
}

int arc_campaign_finish(struct arc *a)
{
	char sql[128];
	snprintf(sql, sizeof sql, "UPDATE campaigns SET finished=%.6f", now_s());
	a->pending++;
	return exec(a, sql, "finishing the campaign");
}

/* --- writes ------------------------------------------------------------------------- */

int arc_add_program(struct arc *a, const struct arc_program *p, int64_t *id)
{
	sqlite3_stmt *s;
	char insp[ARC_MAX_INSPIRATIONS * 24 + 4];
	if (!p->source) {
		arc_seterr(a, "%s: program without source", a->path);
		return ARC_ERR;
	}
	if (p->ninspirations < 0 || p->ninspirations > ARC_MAX_INSPIRATIONS) {
		arc_seterr(a, "%s: program has %d inspirations, expected 0..%d", a->path,
		           p->ninspirations, ARC_MAX_INSPIRATIONS);
		return ARC_ERR;
	}
	if (!(s = stmt(a, S_ADD_PROGRAM)))
		return ARC_ERR;
	size_t len = strlen(p->source);
	sqlite3_bind_text(s, 1, p->source, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, (int64_t)len);
	bind_text(s, 3, p->ir);
	sqlite3_bind_int64(s, 4, (int64_t)p->text_hash);
	if (p->func_hash)
		sqlite3_bind_int64(s, 5, (int64_t)p->func_hash);
	else
		sqlite3_bind_null(s, 5);
	bind_id(s, 6, p->parent_id);
	bind_id(s, 7, p->parent2_id);
	if (p->ninspirations > 0) {
		size_t u = 0;
		insp[u++] = '[';
		for (int i = 0; i < p->ninspirations; i++)
			u += (size_t)snprintf(insp + u, sizeof insp - u, "%s%lld", i ? "," : "",
			                      (long long)p->inspirations[i]);
		snprintf(insp + u, sizeof insp - u, "]");
		sqlite3_bind_text(s, 8, insp, -1, SQLITE_STATIC);
	} else {
		sqlite3_bind_null(s, 8);
	}
	bind_text(s, 9, p->mutator);
	sqlite3_bind_int(s, 10, p->island);
	sqlite3_bind_double(s, 11, p->created > 0 ? p->created : now_s());
	if (step_done(a, s, "adding a program (does the parent exist?)"))
		return ARC_ERR;
	if (id)
		*id = sqlite3_last_insert_rowid(a->db);
	return ARC_OK;
}

int arc_add_attempt(struct arc *a, const struct arc_attempt *t, int64_t *id)
{
	sqlite3_stmt *s;
	if (arc_status_index(t->status) < 0) {
		arc_seterr(a, "%s: attempt %lld has status '%s', expected one of ok, rejected,"
		           " compile_error, timeout, crash, memory, syscall, invalid_output,"
		           " duplicate", a->path, (long long)t->seq,
		           t->status ? t->status : "(null)");
		return ARC_ERR;
	}
	if (t->outcome < 0 || t->outcome >= ARC_NOUTCOMES) {
		arc_seterr(a, "%s: attempt %lld has outcome %d, expected 0..%d", a->path,
		           (long long)t->seq, t->outcome, ARC_NOUTCOMES - 1);
		return ARC_ERR;
	}
	if (t->seq < 1) {
		arc_seterr(a, "%s: attempt sequence number %lld, expected >= 1", a->path,
		           (long long)t->seq);
		return ARC_ERR;
	}
	if (!(s = stmt(a, S_ADD_ATTEMPT)))
		return ARC_ERR;
	sqlite3_bind_int64(s, 1, t->seq);
	bind_id(s, 2, t->program_id);
	bind_id(s, 3, t->parent_id);
	sqlite3_bind_text(s, 4, t->status, -1, SQLITE_STATIC);
	bind_text(s, 5, t->message);
	bind_real(s, 6, t->compile_ms);
	bind_real(s, 7, t->run_ms);
	bind_real(s, 8, t->score_ms);
	/* The whole is never smaller than its parts: phases measured by
	 * different clocks (the child's wall time, the engine's scoring) are
	 * added up when the caller's total misses one of them. */
	double parts = (isfinite(t->compile_ms) ? t->compile_ms : 0) +
	               (isfinite(t->run_ms) ? t->run_ms : 0) +
	               (isfinite(t->score_ms) ? t->score_ms : 0);
	bind_real(s, 9, isfinite(t->total_ms) && t->total_ms < parts ? parts : t->total_ms);
	sqlite3_bind_text(s, 10, outcome_names[t->outcome], -1, SQLITE_STATIC);
	bind_id(s, 11, t->duplicate_of);
	sqlite3_bind_int(s, 12, t->island);
	bind_text(s, 13, t->mutator);
	sqlite3_bind_int(s, 14, t->stage);
	sqlite3_bind_double(s, 15, t->created > 0 ? t->created : now_s());
	if (step_done(a, s, "adding an attempt (sequence number used twice, or an"
	              " unknown program id?)"))
		return ARC_ERR;
	if (id)
		*id = sqlite3_last_insert_rowid(a->db);
	return ARC_OK;
}

int arc_add_evaluation(struct arc *a, int64_t program_id, double score,
                       const char *metrics_json, const double *desc, int ndesc,
                       int stage, int split, int64_t *id)
{
	sqlite3_stmt *s;
	char dj[ARC_MAX_DIMS * 28 + 4];
	if (ndesc < 0 || ndesc > ARC_MAX_DIMS || (ndesc > 0 && !desc)) {
		arc_seterr(a, "%s: evaluation of program %lld has %d descriptors, expected"
		           " 0..%d", a->path, (long long)program_id, ndesc, ARC_MAX_DIMS);
		return ARC_ERR;
	}
	if (!(s = stmt(a, S_ADD_EVAL)))
		return ARC_ERR;
	sqlite3_bind_int64(s, 1, program_id);
	bind_real(s, 2, score);
	bind_text(s, 3, metrics_json);
	sqlite3_bind_text(s, 4, arc_desc_json(dj, sizeof dj, desc, ndesc), -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 5, stage);
	sqlite3_bind_int(s, 6, split);
	sqlite3_bind_double(s, 7, now_s());
	if (step_done(a, s, "adding an evaluation (unknown program id, or metrics not"
	              " valid JSON?)"))
		return ARC_ERR;
	if (id)
		*id = sqlite3_last_insert_rowid(a->db);
	return ARC_OK;
}

int arc_add_llm_call(struct arc *a, const struct arc_llm_call *c, int64_t *id)
{
	sqlite3_stmt *s = stmt(a, S_ADD_LLM);
	if (!s)
		return ARC_ERR;
	bind_text(s, 1, c->model);
	if (c->tokens_in >= 0)
		sqlite3_bind_int64(s, 2, c->tokens_in);
	else
		sqlite3_bind_null(s, 2);
	if (c->tokens_out >= 0)
		sqlite3_bind_int64(s, 3, c->tokens_out);
	else
		sqlite3_bind_null(s, 3);
	bind_real(s, 4, c->latency_ms);
	bind_real(s, 5, c->cost);
	sqlite3_bind_text(s, 6, c->status ? c->status : "ok", -1, SQLITE_STATIC);
	bind_text(s, 7, c->message);
	bind_id(s, 8, c->attempt_seq);
	sqlite3_bind_double(s, 9, c->created > 0 ? c->created : now_s());
	sqlite3_bind_int(s, 10, c->retries);
	bind_text(s, 11, c->finish_reason);
	bind_text(s, 12, c->prompt);
	bind_text(s, 13, c->answer);
	bind_id(s, 14, c->parent_id);
	if (step_done(a, s, "adding an LLM call"))
		return ARC_ERR;
	if (id)
		*id = sqlite3_last_insert_rowid(a->db);
	return ARC_OK;
}

int arc_llm_call_link(struct arc *a, int64_t call_id, int64_t attempt_seq)
{
	sqlite3_stmt *s = stmt(a, S_LLM_LINK);
	if (!s)
		return ARC_ERR;
	sqlite3_bind_int64(s, 1, call_id);
	sqlite3_bind_int64(s, 2, attempt_seq);
	return step_done(a, s, "linking an LLM call to its attempt");
}

int arc_recent_failures(struct arc *a, int64_t parent_id, int max, char *buf, size_t len, int *n)
{
	*n = 0;
	if (len)
		buf[0] = '\0';
	sqlite3_stmt *s = stmt(a, S_FAILURES);
	if (!s)
		return ARC_ERR;
	sqlite3_bind_int64(s, 1, parent_id);
	sqlite3_bind_int(s, 2, max);
	size_t used = 0;
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *st = (const char *)sqlite3_column_text(s, 0);
		const char *msg = (const char *)sqlite3_column_text(s, 1);
		char line[320];
		int k = snprintf(line, sizeof line, "%s: %s", st ? st : "?", msg ? msg : "(no message)");
		if (k < 0)
			continue;
		for (char *p = line; *p; p++)
			if (*p == '\n' || *p == '\r' || *p == '\t')
				*p = ' ';
		size_t l = strlen(line);
		if (used + l + 2 > len)
			break;
		memcpy(buf + used, line, l);
		used += l;
		buf[used++] = '\n';
		buf[used] = '\0';
		(*n)++;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return arc_sqlerr(a, "reading recent failures");
	return ARC_OK;
}

int arc_event_first(struct arc *a, const char *kind, char **detail_json)
{
	sqlite3_stmt *s;
	*detail_json = NULL;
	if (sqlite3_prepare_v2(a->db, "SELECT detail FROM events WHERE kind = ?1 ORDER BY id LIMIT 1", -1,
	                       &s, NULL) != SQLITE_OK)
		return arc_sqlerr(a, "reading events");
	sqlite3_bind_text(s, 1, kind, -1, SQLITE_STATIC);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*detail_json = dup_col(s, 0);
		sqlite3_finalize(s);
		return ARC_OK;
	}
	sqlite3_finalize(s);
	if (rc == SQLITE_DONE)
		return ARC_NOTFOUND;
	return arc_sqlerr(a, "reading events");
}

int arc_add_event(struct arc *a, const char *kind, const char *detail_json)
{
	sqlite3_stmt *s;
	if (!kind || !*kind) {
		arc_seterr(a, "%s: event without a kind", a->path);
		return ARC_ERR;
	}
	if (!(s = stmt(a, S_ADD_EVENT)))
		return ARC_ERR;
	sqlite3_bind_text(s, 1, kind, -1, SQLITE_STATIC);
	bind_text(s, 2, detail_json);
	sqlite3_bind_double(s, 3, now_s());
	return step_done(a, s, "adding an event (is detail valid JSON?)");
}

/* --- MAP-Elites ------------------------------------------------------------------------ */

int arc_bin_of(const struct arc_dim *d, double v)
{
	if (d->bins <= 1 || isnan(v) || !(d->hi > d->lo))
		return 0;
	if (v <= d->lo)
		return 0;
	if (v >= d->hi)
		return d->bins - 1;
	double f = (v - d->lo) / (d->hi - d->lo) * d->bins;
	int b = (int)floor(f);
	return b < 0 ? 0 : b >= d->bins ? d->bins - 1 : b;
}

int64_t arc_cell_of(const struct arc_dim *dims, int n, const double *desc)
{
	int64_t cell = 0;
	for (int i = 0; i < n; i++)
		cell = cell * dims[i].bins + arc_bin_of(&dims[i], desc[i]);
	return cell;
}

int64_t arc_cell_count(const struct arc_dim *dims, int n)
{
	int64_t c = 1;
	for (int i = 0; i < n; i++)
		c *= dims[i].bins > 0 ? dims[i].bins : 1;
	return c;
}

static int load_dims(struct arc *a)
{
	sqlite3_stmt *s;
	if (a->ndims >= 0)
		return ARC_OK;
	if (sqlite3_prepare_v2(a->db, "SELECT name, lo, hi, bins FROM dims ORDER BY idx",
	                       -1, &s, NULL) != SQLITE_OK)
		return arc_sqlerr(a, "reading the dimensions");
	int n = 0, rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && n < ARC_MAX_DIMS) {
		struct arc_dim *d = &a->dims[n++];
		const unsigned char *nm = sqlite3_column_text(s, 0);
		snprintf(d->name, sizeof d->name, "%s", nm ? (const char *)nm : "");
		d->lo = sqlite3_column_double(s, 1);
		d->hi = sqlite3_column_double(s, 2);
		d->bins = sqlite3_column_int(s, 3);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return arc_sqlerr(a, "reading the dimensions");
	a->ndims = n;
	return ARC_OK;
}

int arc_get_dims(struct arc *a, struct arc_dim *dims, int max, int *n)
{
	if (load_dims(a))
		return ARC_ERR;
	int k = a->ndims < max ? a->ndims : max;
	memcpy(dims, a->dims, (size_t)k * sizeof *dims);
	*n = k;
	return ARC_OK;
}

static int dims_equal(const struct arc_dim *x, const struct arc_dim *y, int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(x[i].name, y[i].name) || x[i].lo != y[i].lo ||
		    x[i].hi != y[i].hi || x[i].bins != y[i].bins)
			return 0;
	return 1;
}

int arc_set_dims(struct arc *a, const struct arc_dim *dims, int n)
{
	int64_t nelites;
	sqlite3_stmt *s;
	if (n < 0 || n > ARC_MAX_DIMS) {
		arc_seterr(a, "%s: %d dimensions, expected 0..%d", a->path, n, ARC_MAX_DIMS);
		return ARC_ERR;
	}
	for (int i = 0; i < n; i++) {
		if (!(dims[i].lo < dims[i].hi) || !isfinite(dims[i].lo) ||
		    !isfinite(dims[i].hi) || dims[i].bins < 1 || dims[i].bins > 100000) {
			arc_seterr(a, "%s: dimension %d '%s': range [%g, %g] with %d bins; expected"
			           " finite lo < hi and 1..100000 bins", a->path, i, dims[i].name,
			           dims[i].lo, dims[i].hi, dims[i].bins);
			return ARC_ERR;
		}
	}
	if (load_dims(a))
		return ARC_ERR;
	if (a->ndims == n && dims_equal(a->dims, dims, n))
		return ARC_OK;
	if (query_int(a, "SELECT count(*) FROM elites", &nelites, "counting elites"))
		return ARC_ERR;
	if (nelites > 0) {
		arc_seterr(a, "%s: the archive already has elites binned by other dimensions;"
		           " MAP-Elites dimensions cannot change during a campaign", a->path);
		return ARC_ERR;
	}
	if (arc_begin(a))
		return ARC_ERR;
	if (exec(a, "DELETE FROM dims", "replacing the dimensions"))
		goto fail;
	if (sqlite3_prepare_v2(a->db, "INSERT INTO dims(idx, name, lo, hi, bins)"
	                       " VALUES(?1,?2,?3,?4,?5)", -1, &s, NULL) != SQLITE_OK) {
		arc_sqlerr(a, "storing the dimensions");
		goto fail;
	}
	for (int i = 0; i < n; i++) {
		sqlite3_bind_int(s, 1, i);
		sqlite3_bind_text(s, 2, dims[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_double(s, 3, dims[i].lo);
		sqlite3_bind_double(s, 4, dims[i].hi);
		sqlite3_bind_int(s, 5, dims[i].bins);
		if (step_done(a, s, "storing the dimensions")) {
			sqlite3_finalize(s);
			goto fail;
		}
	}
	sqlite3_finalize(s);
	if (arc_commit(a))
		return ARC_ERR;
	memcpy(a->dims, dims, (size_t)n * sizeof *dims);
	for (int i = 0; i < n; i++)
		a->dims[i].name[ARC_NAME_MAX - 1] = 0;
	a->ndims = n;
	return ARC_OK;
fail:
	arc_rollback(a);
	a->ndims = -1;
	return ARC_ERR;
}

/* The writer's table of island's elites, read from the file when it is
 * stale; NULL when this handle keeps none (not the writer, an island past
 * the cache, out of memory) or on a read error (the caller's SQL path
 * then reports it). */
static struct etab *etab_of(struct arc *a, int island)
{
	if (a->lock_fd < 0 || island < 0 || island >= ARC_ECOUNT_CACHE - 1)
		return NULL;
	struct etab *t = &a->etab[island];
	if (t->gen == a->elites_gen + 1)
		return t;
	sqlite3_stmt *s = stmt(a, S_ELITE_ISLAND);
	if (!s)
		return NULL;
	sqlite3_bind_int(s, 1, island);
	int rc, n = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (n == t->cap) {
			int nc = t->cap ? 2 * t->cap : 64;
			struct etab_row *nr = realloc(t->row, (size_t)nc * sizeof *nr);
			if (!nr) {
				rc = SQLITE_NOMEM;
				break;
			}
			t->row = nr;
			t->cap = nc;
		}
		t->row[n++] = (struct etab_row){
			.cell = sqlite3_column_int64(s, 0),
			.program_id = sqlite3_column_int64(s, 1),
			.score = sqlite3_column_type(s, 2) == SQLITE_NULL ? -INFINITY : sqlite3_column_double(s, 2),
			.source_len = sqlite3_column_int64(s, 3),
		};
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return NULL;
	t->n = n;
	t->gen = a->elites_gen + 1;
	return t;
}

/* The row of cell in t (*found), or where it would go. */
static int etab_find(const struct etab *t, int64_t cell, int *found)
{
	int lo = 0, hi = t->n;
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		if (t->row[mid].cell < cell)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < t->n && t->row[lo].cell == cell;
	return lo;
}

/* The elite written at row at (inserted there when is_new). */
static int etab_put(struct etab *t, int at, int is_new, int64_t cell, int64_t program_id, double score,
                    int64_t source_len)
{
	if (is_new) {
		if (t->n == t->cap) {
			int nc = t->cap ? 2 * t->cap : 64;
			struct etab_row *nr = realloc(t->row, (size_t)nc * sizeof *nr);
			if (!nr)
				return -1;
			t->row = nr;
			t->cap = nc;
		}
		memmove(t->row + at + 1, t->row + at, (size_t)(t->n - at) * sizeof *t->row);
		t->n++;
	}
	t->row[at] = (struct etab_row){ .cell = cell, .program_id = program_id, .score = score,
	                                .source_len = source_len };
	return 0;
}

int arc_insert_elite_cell(struct arc *a, int island, const double *desc,
                          int64_t program_id, double score, size_t source_len,
                          int *outcome, int64_t *cellp)
{
	sqlite3_stmt *s;
	char dj[ARC_MAX_DIMS * 28 + 4];
	int out = ARC_NOT_ADDED;
	if (load_dims(a))
		return ARC_ERR;
	if (a->ndims > 0 && !desc) {
		arc_seterr(a, "%s: elite for program %lld without descriptors (%d expected)",
		           a->path, (long long)program_id, a->ndims);
		return ARC_ERR;
	}
	int64_t cell = arc_cell_of(a->dims, a->ndims, desc);
	if (cellp)
		*cellp = cell;
	if (outcome)
		*outcome = ARC_NOT_ADDED;
	if (isnan(score))
		return ARC_OK;
	struct etab *t = etab_of(a, island);
	int at = -1;
	if (t) {
		int found;
		at = etab_find(t, cell, &found);
		if (!found)
			out = ARC_NEW;
		else if (score > t->row[at].score ||
		         (score == t->row[at].score && (int64_t)source_len < t->row[at].source_len))
			out = ARC_IMPROVED;
	} else {
		if (!(s = stmt(a, S_ELITE_GET)))
			return ARC_ERR;
		sqlite3_bind_int(s, 1, island);
		sqlite3_bind_int64(s, 2, cell);
		int rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			double old = sqlite3_column_type(s, 1) == SQLITE_NULL ? -INFINITY
			                                                     : sqlite3_column_double(s, 1);
			int64_t oldlen = sqlite3_column_int64(s, 2);
			if (score > old || (score == old && (int64_t)source_len < oldlen))
				out = ARC_IMPROVED;
		} else if (rc == SQLITE_DONE) {
			out = ARC_NEW;
		} else {
			arc_sqlerr(a, "reading an elite");
			sqlite3_reset(s);
			return ARC_ERR;
		}
		sqlite3_reset(s);
	}
	if (out == ARC_NOT_ADDED)
		return ARC_OK;
	if (!(s = stmt(a, S_ELITE_PUT)))
		return ARC_ERR;
	uint64_t was = a->elites_gen++; /* everything cached is stale until the write succeeds */
	sqlite3_bind_int(s, 1, island);
	sqlite3_bind_int64(s, 2, cell);
	sqlite3_bind_int64(s, 3, program_id);
	sqlite3_bind_double(s, 4, score);
	sqlite3_bind_int64(s, 5, (int64_t)source_len);
	sqlite3_bind_text(s, 6, arc_desc_json(dj, sizeof dj, desc, a->ndims), -1,
	                  SQLITE_STATIC);
	sqlite3_bind_double(s, 7, now_s());
	if (step_done(a, s, "storing an elite (unknown program id?)"))
		return ARC_ERR;
	/* What was valid stays valid: only this island's table and counts
	 * changed, by this one row. */
	for (int c = 0; c < ARC_ECOUNT_CACHE; c++)
		if (a->ecount_gen[c] == was + 1) {
			a->ecount_gen[c] = a->elites_gen + 1;
			if (out == ARC_NEW && (c == 0 || c == island + 1))
				a->ecount[c]++;
		}
	for (int i = 0; i < ARC_ECOUNT_CACHE - 1; i++)
		if (a->etab[i].gen == was + 1)
			a->etab[i].gen = a->elites_gen + 1;
	if (t && etab_put(t, at, out == ARC_NEW, cell, program_id, score, (int64_t)source_len))
		t->gen = 0; /* out of memory: read it again next time */
	if (outcome)
		*outcome = out;
	return ARC_OK;
}

int arc_insert_elite(struct arc *a, int island, const double *desc,
                     int64_t program_id, double score, size_t source_len,
                     int *outcome)
{
	return arc_insert_elite_cell(a, island, desc, program_id, score, source_len,
	                             outcome, NULL);
}

/* Steps a query expected to return at most one row; ARC_NOTFOUND if none. */
static int step_row(struct arc *a, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		return ARC_OK;
	if (rc == SQLITE_DONE)
		return ARC_NOTFOUND;
	arc_sqlerr(a, what);
	return ARC_ERR;
}

int arc_elite_count(struct arc *a, int island, int64_t *n)
{
	struct etab *t = etab_of(a, island);
	if (t) {
		*n = t->n;
		return ARC_OK;
	}
	int c = island < 0 ? 0 : island + 1;
	int cached = a->lock_fd >= 0 && c < ARC_ECOUNT_CACHE;
	if (cached && a->ecount_gen[c] == a->elites_gen + 1) {
		*n = a->ecount[c];
		return ARC_OK;
	}
	sqlite3_stmt *s = stmt(a, island < 0 ? S_ELITE_COUNT_ALL : S_ELITE_COUNT);
	if (!s)
		return ARC_ERR;
	if (island >= 0)
		sqlite3_bind_int(s, 1, island);
	int rc = step_row(a, s, "counting elites");
	*n = rc == ARC_OK ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_reset(s);
	if (rc == ARC_ERR)
		return ARC_ERR;
	if (cached) {
		a->ecount[c] = *n;
		a->ecount_gen[c] = a->elites_gen + 1;
	}
	return ARC_OK;
}

int arc_random_elite(struct arc *a, int island, uint64_t r, int64_t *program_id)
{
	int64_t n;
	sqlite3_stmt *s;
	if (arc_elite_count(a, island, &n))
		return ARC_ERR;
	if (n == 0)
		return ARC_NOTFOUND;
	struct etab *t = etab_of(a, island);
	if (t && t->n == n) {
		*program_id = t->row[r % (uint64_t)n].program_id;
		return ARC_OK;
	}
	if (!(s = stmt(a, S_ELITE_NTH)))
		return ARC_ERR;
	sqlite3_bind_int(s, 1, island);
	sqlite3_bind_int64(s, 2, (int64_t)(r % (uint64_t)n));
	int rc = step_row(a, s, "selecting an elite");
	if (rc == ARC_OK)
		*program_id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return rc;
}

int arc_elite_best(struct arc *a, int island, int64_t *program_id, double *score)
{
	sqlite3_stmt *s = stmt(a, island < 0 ? S_ELITE_BEST_ALL : S_ELITE_BEST);
	if (!s)
		return ARC_ERR;
	if (island >= 0)
		sqlite3_bind_int(s, 1, island);
	int rc = step_row(a, s, "finding the best elite");
	if (rc == ARC_OK) {
		*program_id = sqlite3_column_int64(s, 0);
		if (score)
			*score = sqlite3_column_double(s, 1);
	}
	sqlite3_reset(s);
	return rc;
}

int arc_elite_at(struct arc *a, int island, int64_t cell, int64_t *program_id,
                 double *score)
{
	sqlite3_stmt *s = stmt(a, S_ELITE_GET);
	if (!s)
		return ARC_ERR;
	sqlite3_bind_int(s, 1, island);
	sqlite3_bind_int64(s, 2, cell);
	int rc = step_row(a, s, "reading an elite");
	if (rc == ARC_OK) {
		*program_id = sqlite3_column_int64(s, 0);
		if (score)
			*score = sqlite3_column_double(s, 1);
	}
	sqlite3_reset(s);
	return rc;
}

/* --- reads ------------------------------------------------------------------------------- */

int arc_get_program(struct arc *a, int64_t id, struct arc_program *out)
{
	sqlite3_stmt *s = stmt(a, S_GET_PROGRAM);
	memset(out, 0, sizeof *out);
	if (!s)
		return ARC_ERR;
	sqlite3_bind_int64(s, 1, id);
	int rc = step_row(a, s, "reading a program");
	if (rc == ARC_OK) {
		out->id = sqlite3_column_int64(s, 0);
		out->source = dup_col(s, 1);
		out->ir = dup_col(s, 2);
		out->mutator = dup_col(s, 3);
		out->text_hash = (uint64_t)sqlite3_column_int64(s, 4);
		out->func_hash = (uint64_t)sqlite3_column_int64(s, 5);
		out->parent_id = sqlite3_column_int64(s, 6);
		out->parent2_id = sqlite3_column_int64(s, 7);
		const unsigned char *insp = sqlite3_column_text(s, 8);
		if (insp) {
			double v[ARC_MAX_INSPIRATIONS];
			int n = arc_desc_parse((const char *)insp, v, ARC_MAX_INSPIRATIONS);
			for (int i = 0; i < n; i++)
				out->inspirations[i] = (int64_t)v[i];
			out->ninspirations = n;
		}
		out->island = sqlite3_column_int(s, 9);
		out->created = sqlite3_column_double(s, 10);
		if (!out->source) {
			arc_seterr(a, "%s: out of memory reading program %lld", a->path,
			           (long long)id);
			arc_program_clear(out);
			rc = ARC_ERR;
		}
	}
	sqlite3_reset(s);
	return rc;
}

void arc_program_clear(struct arc_program *p)
{
	if (!p)
		return;
	free(p->source);
	free(p->ir);
	free(p->mutator);
	memset(p, 0, sizeof *p);
}

int arc_get_evaluation(struct arc *a, int64_t program_id, int split,
                       struct arc_eval *out)
{
	sqlite3_stmt *s = stmt(a, S_GET_EVAL);
	memset(out, 0, sizeof *out);
	out->score = NAN;
	if (!s)
		return ARC_ERR;
	sqlite3_bind_int64(s, 1, program_id);
	sqlite3_bind_int(s, 2, split);
	int rc = step_row(a, s, "reading an evaluation");
	if (rc == ARC_OK) {
		out->id = sqlite3_column_int64(s, 0);
		out->program_id = sqlite3_column_int64(s, 1);
		out->score = sqlite3_column_type(s, 2) == SQLITE_NULL
		                     ? NAN : sqlite3_column_double(s, 2);
		out->metrics_json = dup_col(s, 3);
		out->ndesc = arc_desc_parse((const char *)sqlite3_column_text(s, 4),
		                            out->desc, ARC_MAX_DIMS);
		out->stage = sqlite3_column_int(s, 5);
		out->split = sqlite3_column_int(s, 6);
	}
	sqlite3_reset(s);
	return rc;
}

void arc_eval_clear(struct arc_eval *e)
{
	if (!e)
		return;
	free(e->metrics_json);
	memset(e, 0, sizeof *e);
}

int arc_find_text_hash(struct arc *a, uint64_t h, int64_t *program_id)
{
	sqlite3_stmt *s = stmt(a, S_FIND_TEXT);
	if (!s)
		return ARC_ERR;
	sqlite3_bind_int64(s, 1, (int64_t)h);
	int rc = step_row(a, s, "looking up a text hash");
	if (rc == ARC_OK)
		*program_id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return rc;
}

int arc_find_func_hash(struct arc *a, uint64_t h, int64_t *program_id, double *score)
{
	sqlite3_stmt *s = stmt(a, S_FIND_FUNC);
	if (!s)
		return ARC_ERR;
	sqlite3_bind_int64(s, 1, (int64_t)h);
	int rc = step_row(a, s, "looking up a functional hash");
	if (rc == ARC_OK)
		*program_id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc == ARC_OK && score) {
		struct arc_eval e;
		int r2 = arc_get_evaluation(a, *program_id, 0, &e);
		if (r2 == ARC_ERR)
			return ARC_ERR;
		*score = e.score;
		arc_eval_clear(&e);
	}
	return rc;
}

int arc_attempt_count(struct arc *a, int64_t *n)
{
	return query_int(a, "SELECT count(*) FROM attempts", n, "counting attempts");
}

int arc_next_seq(struct arc *a, int64_t *seq)
{
	int64_t m;
	if (query_int(a, "SELECT coalesce(max(seq), 0) FROM attempts", &m,
	              "reading the last attempt"))
		return ARC_ERR;
	*seq = m + 1;
	return ARC_OK;
}

int arc_stats(struct arc *a, int island, struct arc_stats *st)
{
	sqlite3_stmt *s = NULL;
	int rc;
	memset(st, 0, sizeof *st);
	st->best_score = NAN;
	if (load_dims(a))
		return ARC_ERR;

	/* One statement per figure keeps each on its index. */
	static const char *const sql[2] = {
		"SELECT status, outcome, count(*) FROM attempts GROUP BY status, outcome",
		"SELECT status, outcome, count(*) FROM attempts WHERE island=?1"
		" GROUP BY status, outcome",
	};
	if (sqlite3_prepare_v2(a->db, sql[island >= 0], -1, &s, NULL) != SQLITE_OK)
		return arc_sqlerr(a, "counting attempts");
	if (island >= 0)
		sqlite3_bind_int(s, 1, island);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t c = sqlite3_column_int64(s, 2);
		int si = arc_status_index((const char *)sqlite3_column_text(s, 0));
		const char *o = (const char *)sqlite3_column_text(s, 1);
		st->attempts += c;
		if (si >= 0)
			st->by_status[si] += c;
		for (int i = 0; o && i < ARC_NOUTCOMES; i++)
			if (strcmp(o, outcome_names[i]) == 0)
				st->by_outcome[i] += c;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return arc_sqlerr(a, "counting attempts");

	static const char *const sql2[2] = {
		"SELECT (SELECT count(*) FROM programs), (SELECT count(*) FROM evaluations),"
		" count(*), coalesce(sum(score), 0), count(DISTINCT island) FROM elites",
		"SELECT (SELECT count(*) FROM programs WHERE island=?1),"
		" (SELECT count(*) FROM evaluations e JOIN programs p ON p.id=e.program_id"
		"  WHERE p.island=?1),"
		" count(*), coalesce(sum(score), 0), 1 FROM elites WHERE island=?1",
	};
	if (sqlite3_prepare_v2(a->db, sql2[island >= 0], -1, &s, NULL) != SQLITE_OK)
		return arc_sqlerr(a, "computing statistics");
	if (island >= 0)
		sqlite3_bind_int(s, 1, island);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		st->programs = sqlite3_column_int64(s, 0);
		st->evaluations = sqlite3_column_int64(s, 1);
		st->occupied = sqlite3_column_int64(s, 2);
		st->qd_score = sqlite3_column_double(s, 3);
		st->islands = sqlite3_column_int(s, 4);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW)
		return arc_sqlerr(a, "computing statistics");
	{
		int64_t nisl = 0;
		/* The configured island count, when the engine stored it in meta. */
		if (island < 0) {
			if (query_int(a, "SELECT coalesce((SELECT value FROM meta WHERE"
			              " key='islands'), 0)", &nisl, "reading the island count"))
				return ARC_ERR;
			if (nisl > st->islands)
				st->islands = (int)nisl;
		}
	}
	if (st->islands < 1)
		st->islands = 1;
	st->cells = arc_cell_count(a->dims, a->ndims) * st->islands;
	st->coverage = st->cells ? (double)st->occupied / (double)st->cells : 0;
	{
		/* QD-score offset (arc.h): min(0, lowest train score). */
		sqlite3_stmt *m;
		if (sqlite3_prepare_v2(a->db, "SELECT min(score) FROM evaluations WHERE split=0", -1,
		                       &m, NULL) != SQLITE_OK)
			return arc_sqlerr(a, "reading the lowest score");
		rc = sqlite3_step(m);
		if (rc == SQLITE_ROW && sqlite3_column_type(m, 0) != SQLITE_NULL &&
		    sqlite3_column_double(m, 0) < 0)
			st->qd_offset = sqlite3_column_double(m, 0);
		sqlite3_finalize(m);
		if (rc != SQLITE_ROW)
			return arc_sqlerr(a, "reading the lowest score");
		st->qd_score -= (double)st->occupied * st->qd_offset;
	}
	if (arc_elite_best(a, island, &st->best_program_id, &st->best_score) == ARC_ERR)
		return ARC_ERR;

	if (sqlite3_prepare_v2(a->db, "SELECT count(*), coalesce(sum(tokens_in),0),"
	                       " coalesce(sum(tokens_out),0), coalesce(sum(cost),0),"
	                       " sum(tokens_out IS NULL AND status IN ('ok','truncated','no_content')),"
	                       " (SELECT count(*) FROM attempts WHERE mutator='llm'"
	                       "  AND outcome IN ('NEW','IMPROVED'))"
	                       " FROM llm_calls", -1, &s, NULL) != SQLITE_OK)
		return arc_sqlerr(a, "counting LLM calls");
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		st->llm_calls = sqlite3_column_int64(s, 0);
		st->tokens_in = sqlite3_column_int64(s, 1);
		st->tokens_out = sqlite3_column_int64(s, 2);
		st->llm_cost = sqlite3_column_double(s, 3);
		st->llm_usage_unknown = sqlite3_column_int64(s, 4);
		st->llm_improvements = sqlite3_column_int64(s, 5);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW)
		return arc_sqlerr(a, "counting LLM calls");
	return ARC_OK;
}

int arc_set_islands(struct arc *a, int n)
{
	char sql[128];
	if (n < 1) {
		arc_seterr(a, "%s: %d islands, expected >= 1", a->path, n);
		return ARC_ERR;
	}
	snprintf(sql, sizeof sql,
	         "INSERT OR REPLACE INTO meta(key, value) VALUES('islands', %d)", n);
	a->pending++;
	return exec(a, sql, "storing the island count");
}
