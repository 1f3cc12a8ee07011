/*
 * external.c - speak the JSON protocol with an external evaluator command;
 * see external.h.  Running the command is sandbox/spawn.h's job; this file
 * builds requests, reads answers, keeps the pool of persistent processes,
 * and presents the command as a struct ev_evaluator.
 */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "evaluators/irjson.h"
#include "evaluators/external.h"
#include "evaluators/mono.h"
#include "evaluators/open.h"
#include "evaluators/text.h"
#include "sandbox/sbx.h"

#define POOL_MAX 256 /* persistent processes at most (one per job in flight) */

struct pproc {
	struct sbx_proc *p; /* NULL: free entry */
	int busy;
};

struct ext {
	char *cmd;
	char *label;   /* "evaluator command 'CMD'" (CMD shortened) */
	struct ext_limits lim;
	struct sbx_cmd *once;       /* one process per request (info, and not persistent) */
	struct sbx_cmd *resident;   /* persistent processes: no CPU rlimit */
	struct ext_info info;
	struct ev_seed *seeds;  /* owned copies behind info.seeds */
	struct ev_ir_store *ir; /* owns info.ir */
	char *dimnames[EV_MAX_DIMS];
	struct pproc pool[POOL_MAX];
	int jobs;               /* in flight */
	long next_id;           /* persistent requests sent */
};

struct ext_job {
	struct ext *x;
	struct sbx_proc *p;
	int pooled;             /* index into x->pool, or -1 (one process per request) */
	long id;                /* persistent: the request's "id", else -1 */
	int done;
	size_t line;            /* persistent: answer length including its newline, 0 if none */
	int garbled;            /* persistent: it printed more than its answers: replace
	                           the process after this request */
	int failure;            /* set when it failed before any process ran */
	char msg[EXT_MSG_MAX];
	double t0;
	struct sbx_fd fds[SBX_PROC_NFD];
	int nfds;
};

static cJSON *parse_answer(const char *out, size_t nout, char *msg, size_t len);
static int take_answer(const struct ext *x, const cJSON *j, struct ext_result *out, char *msg,
                       size_t len);
static char *utf8_clean(const char *src, size_t len);
static char *make_request(const char *kind, const char *split, const char *source, long id,
                          size_t *len);

void ext_limits_default(struct ext_limits *lim)
{
	*lim = (struct ext_limits){
		.wall_ms = 10000,
		.info_wall_ms = 10000,
		.cpu_s = 0,
		.mem_bytes = (size_t)1 << 30,
		.fsize_bytes = (size_t)64 << 20,
		.nofile = 256,
		.nproc = 0,
		.max_output = (size_t)1 << 20,
		.seccomp = 1,
	};
}

const char *ext_failure_name(enum ext_failure f)
{
	static const char *const names[EXT_FAIL_N] = {
		[EXT_FAIL_NONE] = "none",       [EXT_FAIL_SPAWN] = "spawn",
		[EXT_FAIL_TIMEOUT] = "timeout", [EXT_FAIL_SIGNAL] = "signal",
		[EXT_FAIL_EXIT] = "exit",       [EXT_FAIL_OUTPUT] = "output",
		[EXT_FAIL_JSON] = "json",       [EXT_FAIL_PROTOCOL] = "protocol",
	};
	return (unsigned)f < EXT_FAIL_N ? names[f] : "unknown";
}

static void cmd_limits(const struct ext_limits *l, unsigned wall_ms, int resident,
                       struct sbx_cmd_limits *c)
{
	*c = (struct sbx_cmd_limits){
		.cpu_s = resident ? 0 : l->cpu_s ? l->cpu_s : wall_ms / 1000 + 2,
		.mem_bytes = l->mem_bytes, .fsize_bytes = l->fsize_bytes, .nofile = l->nofile,
		.nproc = l->nproc, .max_output = l->max_output, .seccomp = l->seccomp,
	};
}

/* The last non-empty stderr line, trimmed to fit a message. */
static void last_err_line(const char *err, char *buf, size_t len)
{
	buf[0] = 0;
	size_t end = strlen(err);
	while (end > 0 && (err[end - 1] == '\n' || err[end - 1] == '\r' ||
	                   err[end - 1] == ' ' || err[end - 1] == '\t'))
		end--;
	size_t start = end;
	while (start > 0 && err[start - 1] != '\n')
		start--;
	size_t n = end - start;
	if (n > 300) {
		start = end - 300;
		n = 300;
	}
	if (n + 1 > len)
		n = len - 1;
	memcpy(buf, err + start, n);
	buf[n] = 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)buf[i] < 32)
			buf[i] = ' ';
}

/* Compose "evaluator command 'CMD' <what>[: <last stderr line>]". */
static void fail_msg(const struct ext *x, const char *err, const char *what, char *buf, size_t len)
{
	char line[320];
	last_err_line(err ? err : "", line, sizeof line);
	if (line[0])
		snprintf(buf, len, "%s %s: %s", x->label, what, line);
	else
		snprintf(buf, len, "%s %s", x->label, what);
}

static int failure_of(int how)
{
	switch (how) {
	case SBX_PROC_EXIT0: return EXT_FAIL_NONE;
	case SBX_PROC_TIMEOUT: case SBX_PROC_CPU: return EXT_FAIL_TIMEOUT;
	case SBX_PROC_SIGNAL: return EXT_FAIL_SIGNAL;
	case SBX_PROC_EXIT: case SBX_PROC_KILLED: return EXT_FAIL_EXIT;
	case SBX_PROC_FLOOD: return EXT_FAIL_OUTPUT;
	default: return EXT_FAIL_SPAWN;
	}
}

/* Fill out as a failure of the evaluator; returns EXT_FAILED. */
static int failed(const struct ext *x, int failure, const char *what, const char *errtail,
                  int exit_code, int signal, struct ext_result *out, char *err, size_t errlen)
{
	double wall = out->wall_ms;
	memset(out, 0, sizeof *out);
	out->wall_ms = wall;
	out->t_run_ms = wall;
	out->failure = failure;
	out->status = failure == EXT_FAIL_TIMEOUT ? SBX_TIMEOUT
	            : failure == EXT_FAIL_SIGNAL ? SBX_CRASH : SBX_INVALID_OUTPUT;
	out->exit_code = exit_code;
	out->signal = signal;
	fail_msg(x, errtail, what, out->message, sizeof out->message);
	if (err && errlen)
		snprintf(err, errlen, "%s", out->message);
	return EXT_FAILED;
}

/* Parse one answer into out: EXT_ANSWERED, or EXT_FAILED (json, protocol).
 * id >= 0: the answer must echo it (persistent processes). */
static int answer(const struct ext *x, const char *text, size_t n, const char *errtail, long id,
                  struct ext_result *out, char *err, size_t errlen)
{
	char what[EXT_MSG_MAX];
	double wall = out->wall_ms;
	cJSON *j = parse_answer(text, n, what, sizeof what);
	if (!j)
		return failed(x, EXT_FAIL_JSON, what, errtail, 0, 0, out, err, errlen);
	const cJSON *jid = cJSON_GetObjectItemCaseSensitive(j, "id");
	if (id >= 0 && (!cJSON_IsNumber(jid) || jid->valuedouble != (double)id)) {
		snprintf(what, sizeof what, "answered request %ld %s (a persistent evaluator echoes each "
		         "request's \"id\")", id, cJSON_IsNumber(jid) ? "with another \"id\"" : "without its \"id\"");
		cJSON_Delete(j);
		return failed(x, EXT_FAIL_PROTOCOL, what, errtail, 0, 0, out, err, errlen);
	}
	memset(out, 0, sizeof *out);
	out->wall_ms = wall;
	int rc = take_answer(x, j, out, what, sizeof what);
	cJSON_Delete(j);
	if (rc != 0)
		return failed(x, EXT_FAIL_PROTOCOL, what, errtail, 0, 0, out, err, errlen);
	/* Phase times: the answer's own, within what disco measured; without
	 * them the whole request was run time. */
	double *ph[] = { &out->t_compile_ms, &out->t_run_ms, &out->t_score_ms };
	int given = 0;
	double left = wall;
	for (int k = 0; k < 3; k++)
		if (*ph[k] >= 0) {
			given = 1;
			if (*ph[k] > left)
				*ph[k] = left;
			left -= *ph[k];
		}
	for (int k = 0; k < 3; k++)
		if (*ph[k] < 0)
			*ph[k] = 0;
	if (!given)
		out->t_run_ms = wall;
	out->exit_code = 0;
	return EXT_ANSWERED;
}

/* --- jobs ---------------------------------------------------------------- */

static int pool_take(struct ext *x, char *why, size_t whylen)
{
	int free_slot = -1;
	for (int i = 0; i < POOL_MAX; i++) {
		struct pproc *pp = &x->pool[i];
		if (!pp->p) {
			if (free_slot < 0)
				free_slot = i;
			continue;
		}
		if (pp->busy)
			continue;
		/* An idle process that died, or spoke out of turn, is replaced. */
		size_t n;
		if (sbx_proc_step(pp->p) || (sbx_proc_out(pp->p, &n), n > 0)) {
			struct sbx_proc_end end;
			sbx_proc_finish(&pp->p, &end);
			free(end.out);
			if (free_slot < 0)
				free_slot = i;
			continue;
		}
		pp->busy = 1;
		return i;
	}
	if (free_slot < 0) {
		snprintf(why, whylen, "has more than %d requests in flight", POOL_MAX);
		return -1;
	}
	if (sbx_proc_start(x->resident, &x->pool[free_slot].p, why, whylen))
		return -1;
	x->pool[free_slot].busy = 1;
	return free_slot;
}

int ext_job_start(struct ext *x, const char *src, size_t len, int split, struct ext_job **jp,
                  char *err, size_t errlen)
{
	struct ext_job *j = calloc(1, sizeof *j);
	char *clean = utf8_clean(src ? src : "", src ? len : 0);
	size_t reqlen = 0;
	long id = x->info.persistent ? ++x->next_id : -1;
	char *req = clean ? make_request("evaluate", split == EV_HELDOUT ? "heldout" : "train",
	                                 clean, id, &reqlen) : NULL;
	free(clean);
	if (!j || !req) {
		free(j);
		free(req);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	j->x = x;
	j->id = id;
	j->pooled = -1;
	j->t0 = mono_ms();
	x->jobs++;
	*jp = j;
	char why[SBX_PROC_MSG];
	if (x->info.persistent) {
		j->pooled = pool_take(x, why, sizeof why);
		if (j->pooled >= 0) {
			j->p = x->pool[j->pooled].p;
			sbx_proc_clear_err(j->p);
		}
	} else {
		sbx_proc_start(x->once, &j->p, why, sizeof why);
	}
	if (!j->p) {
		j->done = 1;
		j->failure = EXT_FAIL_SPAWN;
		snprintf(j->msg, sizeof j->msg, "%s", why);
		free(req);
		return 0;
	}
	if (sbx_proc_send(j->p, req, reqlen) != 0) {
		j->done = 1;
		j->failure = EXT_FAIL_SPAWN;
		snprintf(j->msg, sizeof j->msg, "could not be sent the request");
	}
	if (!x->info.persistent)
		sbx_proc_end_input(j->p); /* after the request: EOF */
	free(req);
	sbx_proc_set_deadline(j->p, x->lim.wall_ms);
	ext_job_step(j);
	return 0;
}

int ext_job_fds(const struct ext_job *j, struct sbx_fd *fds)
{
	struct ext_job *m = (struct ext_job *)j;
	if (!j->done && j->p) {
		m->nfds = sbx_proc_fds(j->p, m->fds);
	} else {
		for (int i = 0; i < m->nfds; i++)
			m->fds[i].mask = 0;
	}
	memcpy(fds, m->fds, sizeof m->fds[0] * (size_t)m->nfds);
	return m->nfds;
}

int64_t ext_job_deadline(const struct ext_job *j)
{
	return j->done || !j->p ? -1 : sbx_proc_deadline(j->p);
}

int ext_job_step(struct ext_job *j)
{
	if (j->done)
		return 1;
	int ended = sbx_proc_step(j->p);
	if (j->pooled >= 0) {
		for (;;) {
			size_t n;
			const char *out = sbx_proc_out(j->p, &n);
			const char *nl = memchr(out, '\n', n);
			if (!nl) {
				if (ended)
					j->done = 1;
				break;
			}
			/* An answer to an earlier request (a second answer, late) is
			 * dropped; the process is replaced after this request. */
			size_t len = (size_t)(nl - out) + 1;
			cJSON *a = cJSON_ParseWithLength(out, len);
			const cJSON *id = cJSON_GetObjectItemCaseSensitive(a, "id");
			int stale = cJSON_IsNumber(id) && id->valuedouble < (double)j->id;
			cJSON_Delete(a);
			if (stale) {
				j->garbled = 1;
				sbx_proc_consume(j->p, len);
				continue;
			}
			j->line = len;
			j->garbled |= n > len;
			j->done = 1;
			break;
		}
	} else if (ended) {
		j->done = 1;
	}
	return j->done;
}

/* Run the job to its end with a plain poll loop. */
static void job_wait(struct ext_job *j)
{
	while (!ext_job_step(j)) {
		struct sbx_fd f[SBX_PROC_NFD];
		struct pollfd pf[SBX_PROC_NFD];
		int n = ext_job_fds(j, f), k = 0;
		for (int i = 0; i < n; i++)
			if (f[i].mask)
				pf[k++] = (struct pollfd){ f[i].fd, (short)((f[i].mask & SBX_FD_READ ? POLLIN : 0) |
				                                           (f[i].mask & SBX_FD_WRITE ? POLLOUT : 0)), 0 };
		int64_t d = ext_job_deadline(j);
		double wait = d < 0 ? 20 : (double)d - mono_ms();
		if (wait < 0)
			wait = 0;
		if (n <= 3 && wait > 20) /* no pidfd: notice the exit by polling */
			wait = 20;
		if (poll(pf, (nfds_t)k, (int)(wait > 1e6 ? 1e6 : wait)) < 0 && errno != EINTR)
			break;
	}
}

int ext_job_finish(struct ext_job **jp, struct ext_result *out, char *err, size_t errlen)
{
	struct ext_job *j = *jp;
	struct ext *x = j->x;
	memset(out, 0, sizeof *out);
	out->exit_code = -1;
	int rc;
	if (!j->done && j->p) {
		/* Asked for before it ended: it is stopped. */
		j->done = 1;
	}
	out->wall_ms = mono_ms() - j->t0;
	if (!j->p || (j->failure && j->pooled < 0)) {
		rc = failed(x, j->failure ? j->failure : EXT_FAIL_SPAWN, j->msg, NULL, -1, 0, out, err, errlen);
		if (j->p) {
			struct sbx_proc_end end;
			sbx_proc_finish(&j->p, &end);
			free(end.out);
		}
	} else if (j->pooled < 0) {
		struct sbx_proc_end end;
		sbx_proc_finish(&j->p, &end);
		if (end.how != SBX_PROC_EXIT0)
			rc = failed(x, failure_of(end.how), end.msg, end.err, end.exit_code, end.signal, out,
			            err, errlen);
		else
			rc = answer(x, end.out, end.nout, end.err, -1, out, err, errlen);
		free(end.out);
	} else {
		struct pproc *pp = &x->pool[j->pooled];
		if (j->line && !j->failure) {
			size_t n;
			const char *text = sbx_proc_out(j->p, &n);
			char *line = strndup(text, j->line);
			char errtail[SBX_ERR_TAIL * 2 + 1];
			snprintf(errtail, sizeof errtail, "%s", sbx_proc_err(j->p));
			rc = line ? answer(x, line, j->line, errtail, j->id, out, err, errlen)
			          : failed(x, EXT_FAIL_SPAWN, "could not be read: out of memory", NULL, -1, 0,
			                   out, err, errlen);
			free(line);
			sbx_proc_consume(j->p, j->line);
			if (rc == EXT_ANSWERED && !j->garbled) {
				sbx_proc_set_deadline(j->p, 0);
				pp->busy = 0; /* back to the pool */
				j->p = NULL;
			}
		} else {
			rc = -1;
		}
		if (j->p) {
			/* It died, timed out, flooded, or garbled: replaced next time. */
			struct sbx_proc_end end;
			sbx_proc_finish(&j->p, &end);
			pp->p = NULL;
			pp->busy = 0;
			if (rc < 0) {
				char what[SBX_PROC_MSG + 64];
				if (end.how == SBX_PROC_EXIT0)
					snprintf(what, sizeof what, "exited before answering (persistent)");
				else if (end.how == SBX_PROC_KILLED)
					snprintf(what, sizeof what, "was stopped before answering");
				else
					snprintf(what, sizeof what, "%s", end.msg);
				rc = failed(x, j->failure ? j->failure : end.how == SBX_PROC_EXIT0 ? EXT_FAIL_EXIT
				                                          : failure_of(end.how),
				            j->failure ? j->msg : what, end.err, end.exit_code, end.signal, out,
				            err, errlen);
			}
			free(end.out);
		}
	}
	x->jobs--;
	free(j);
	*jp = NULL;
	return rc;
}

void ext_job_cancel(struct ext_job **jp)
{
	if (!jp || !*jp)
		return;
	struct ext_job *j = *jp;
	j->done = 1;
	j->line = 0; /* whatever it said, the process is not reused */
	struct ext_result *r = malloc(sizeof *r);
	if (r) {
		ext_job_finish(jp, r, NULL, 0);
		free(r);
		return;
	}
	/* Out of memory: release without a result. */
	if (j->p) {
		struct sbx_proc_end end;
		sbx_proc_finish(&j->p, &end);
		free(end.out);
		if (j->pooled >= 0)
			j->x->pool[j->pooled] = (struct pproc){ 0 };
	}
	j->x->jobs--;
	free(j);
	*jp = NULL;
}

int ext_eval(struct ext *x, const char *src, size_t len, int split, struct ext_result *out,
             char *err, size_t errlen)
{
	struct ext_job *j;
	if (ext_job_start(x, src, len, split, &j, err, errlen)) {
		memset(out, 0, sizeof *out);
		return failed(x, EXT_FAIL_SPAWN, "could not be asked: out of memory", NULL, -1, 0, out,
		              err, errlen);
	}
	job_wait(j);
	return ext_job_finish(&j, out, err, errlen);
}

/* --- JSON ---------------------------------------------------------------- */

/* Parse stdout as exactly one JSON object.  NULL with why in msg. */
static cJSON *parse_answer(const char *out, size_t nout, char *msg, size_t len)
{
	const char *s = out;
	while (*s == ' ' || *s == '\n' || *s == '\r' || *s == '\t')
		s++;
	if (!*s) {
		snprintf(msg, len, "printed nothing on stdout (expected one JSON object)");
		return NULL;
	}
	if (strlen(out) != nout) {
		snprintf(msg, len, "printed a NUL byte on stdout (expected one JSON object)");
		return NULL;
	}
	const char *end = NULL;
	cJSON *j = cJSON_ParseWithOpts(s, &end, 0);
	if (j && end) {
		const char *t = end;
		while (*t == ' ' || *t == '\n' || *t == '\r' || *t == '\t')
			t++;
		if (*t) {
			cJSON_Delete(j);
			j = NULL;
			end = t;
		}
	}
	if (!j) {
		if (!end)
			end = cJSON_GetErrorPtr();
		size_t off = end && end >= out && end <= out + nout ? (size_t)(end - out) : 0;
		char near[64];
		size_t k = 0;
		for (const char *p = out + off; *p && k < 40; p++)
			near[k++] = (unsigned char)*p < 32 ? ' ' : *p;
		near[k] = 0;
		const char *hint = "";
		if (strstr(out, "NaN") || strstr(out, "Infinity"))
			hint = " (JSON has no NaN or Infinity; in Python use json.dumps(..., allow_nan=False))";
		snprintf(msg, len, "printed invalid JSON on stdout at byte %zu near '%s'%s", off, near,
		         hint);
		return NULL;
	}
	if (!cJSON_IsObject(j)) {
		snprintf(msg, len, "printed JSON that is not an object (expected {\"status\": ...})");
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}

/* Copy src into a NUL-terminated string, replacing what is not UTF-8 with
 * U+FFFD so every JSON parser accepts the request. */
static char *utf8_clean(const char *src, size_t len)
{
	char *o = malloc(len * 3 + 1);
	if (!o)
		return NULL;
	size_t k = 0;
	const unsigned char *s = (const unsigned char *)src;
	for (size_t i = 0; i < len;) {
		unsigned c = s[i];
		size_t n = c < 0x80 ? 1 : (c >= 0xc2 && c <= 0xdf) ? 2 : (c >= 0xe0 && c <= 0xef) ? 3
		         : (c >= 0xf0 && c <= 0xf4) ? 4 : 0;
		int ok = n > 0 && i + n <= len;
		for (size_t j = 1; ok && j < n; j++)
			ok = (s[i + j] & 0xc0) == 0x80;
		if (ok && n == 3) /* overlong or surrogate */
			ok = !(c == 0xe0 && s[i + 1] < 0xa0) && !(c == 0xed && s[i + 1] >= 0xa0);
		if (ok && n == 4)
			ok = !(c == 0xf0 && s[i + 1] < 0x90) && !(c == 0xf4 && s[i + 1] >= 0x90);
		if (ok && c == 0)
			ok = 0;
		if (!ok) {
			memcpy(o + k, "\xef\xbf\xbd", 3);
			k += 3;
			i++;
			continue;
		}
		memcpy(o + k, s + i, n);
		k += n;
		i += n;
	}
	o[k] = 0;
	return o;
}

/* Build a request; malloc'd, newline-terminated. */
/* id >= 0: a persistent process's request number, echoed in its answer. */
static char *make_request(const char *kind, const char *split, const char *source, long id,
                          size_t *len)
{
	cJSON *j = cJSON_CreateObject();
	if (!j)
		return NULL;
	cJSON_AddNumberToObject(j, "protocol", EXT_PROTOCOL);
	cJSON_AddStringToObject(j, "request", kind);
	if (split)
		cJSON_AddStringToObject(j, "split", split);
	if (source)
		text_json_add(j, "source", source); /* valid UTF-8 for the command's parser */
	if (id >= 0)
		cJSON_AddNumberToObject(j, "id", (double)id);
	char *s = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	if (!s)
		return NULL;
	size_t n = strlen(s);
	char *t = realloc(s, n + 2);
	if (!t) {
		free(s);
		return NULL;
	}
	t[n] = '\n';
	t[n + 1] = 0;
	*len = n + 1;
	return t;
}

/* --- info ---------------------------------------------------------------- */

static char *dupstr(const char *s)
{
	return strdup(s ? s : "");
}

static const char *get_string(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Fill x->info from the info answer.  -1 with msg naming the field. */
static int take_info(struct ext *x, const cJSON *j, char *msg, size_t len)
{
	const cJSON *proto = cJSON_GetObjectItemCaseSensitive(j, "protocol");
	if (proto && (!cJSON_IsNumber(proto) || proto->valuedouble != EXT_PROTOCOL)) {
		snprintf(msg, len, "speaks protocol %s, disco speaks %d",
		         cJSON_IsNumber(proto) ? "another version" : "(not a number)", EXT_PROTOCOL);
		return -1;
	}
	const char *name = get_string(j, "name");
	if (!name || !*name) {
		snprintf(msg, len, "answered info without \"name\" (a non-empty string)");
		return -1;
	}
	const cJSON *sum = cJSON_GetObjectItemCaseSensitive(j, "summary");
	if (sum && !cJSON_IsString(sum)) {
		snprintf(msg, len, "answered info with \"summary\" that is not a string");
		return -1;
	}
	/* names are printed on terminals as they are: printable text only */
	if (!text_is_clean(name) || (sum && !text_is_clean(sum->valuestring))) {
		snprintf(msg, len, "answered info with a \"%s\" holding control characters or invalid UTF-8",
		         text_is_clean(name) ? "summary" : "name");
		return -1;
	}
	const cJSON *seeds = cJSON_GetObjectItemCaseSensitive(j, "seeds");
	int nseeds = cJSON_IsArray(seeds) ? cJSON_GetArraySize(seeds) : 0;
	if (nseeds < 1 || nseeds > EXT_MAX_SEEDS) {
		snprintf(msg, len, "answered info with %s (expected \"seeds\": an array of 1 to %d "
		         "{\"name\", \"source\"} objects)",
		         !seeds ? "no \"seeds\"" : !cJSON_IsArray(seeds) ? "\"seeds\" not an array"
		         : nseeds ? "too many seeds" : "an empty \"seeds\" array", EXT_MAX_SEEDS);
		return -1;
	}
	for (int i = 0; i < nseeds; i++) {
		const cJSON *s = cJSON_GetArrayItem(seeds, i);
		if (!get_string(s, "name") || !get_string(s, "source")) {
			snprintf(msg, len, "answered info with seeds[%d] lacking a string \"%s\"", i,
			         get_string(s, "name") ? "source" : "name");
			return -1;
		}
		if (!text_is_clean(get_string(s, "name"))) {
			snprintf(msg, len, "answered info with seeds[%d].name holding control characters or invalid UTF-8", i);
			return -1;
		}
	}
	const cJSON *dims = cJSON_GetObjectItemCaseSensitive(j, "dims");
	int ndims = 0;
	if (dims) {
		ndims = cJSON_IsArray(dims) ? cJSON_GetArraySize(dims) : -1;
		if (ndims < 0 || ndims > EV_MAX_DIMS) {
			snprintf(msg, len, "answered info with \"dims\" %s (expected an array of at most %d "
			         "{\"name\", \"lo\", \"hi\", \"bins\"} objects)",
			         ndims < 0 ? "not an array" : "too long", EV_MAX_DIMS);
			return -1;
		}
	}
	for (int i = 0; i < ndims; i++) {
		const cJSON *d = cJSON_GetArrayItem(dims, i);
		const char *dn = get_string(d, "name");
		const cJSON *lo = cJSON_GetObjectItemCaseSensitive(d, "lo");
		const cJSON *hi = cJSON_GetObjectItemCaseSensitive(d, "hi");
		const cJSON *bins = cJSON_GetObjectItemCaseSensitive(d, "bins");
		if (!dn || !*dn || strlen(dn) >= EV_NAME_MAX) {
			snprintf(msg, len, "answered info with dims[%d] lacking a \"name\" of 1 to %d characters",
			         i, EV_NAME_MAX - 1);
			return -1;
		}
		if (!text_is_clean(dn)) {
			snprintf(msg, len, "answered info with dims[%d].name holding control characters or invalid UTF-8", i);
			return -1;
		}
		if (!cJSON_IsNumber(lo) || !cJSON_IsNumber(hi) || !(lo->valuedouble < hi->valuedouble) ||
		    !isfinite(lo->valuedouble) || !isfinite(hi->valuedouble)) {
			snprintf(msg, len, "answered info with dims[%d] (\"%s\") lacking numbers \"lo\" < \"hi\"",
			         i, dn);
			return -1;
		}
		if (!cJSON_IsNumber(bins) || bins->valuedouble != (int)bins->valuedouble ||
		    bins->valuedouble < 1 || bins->valuedouble > 4096) {
			snprintf(msg, len, "answered info with dims[%d] (\"%s\") lacking an integer \"bins\" "
			         "in 1..4096", i, dn);
			return -1;
		}
		for (int k = 0; k < i; k++)
			if (!strcmp(dn, x->info.dims[k].name)) {
				snprintf(msg, len, "answered info with two dims named \"%s\"", dn);
				return -1;
			}
		x->dimnames[i] = dupstr(dn);
		x->info.dims[i] = (struct ev_dim){ x->dimnames[i], lo->valuedouble, hi->valuedouble,
		                                   (int)bins->valuedouble };
		x->info.ndims = i + 1;
	}
	const cJSON *noisy = cJSON_GetObjectItemCaseSensitive(j, "noisy");
	if (noisy && !cJSON_IsBool(noisy)) {
		snprintf(msg, len, "answered info with \"noisy\" that is not true or false");
		return -1;
	}
	x->info.noisy = cJSON_IsTrue(noisy);
	const cJSON *pers = cJSON_GetObjectItemCaseSensitive(j, "persistent");
	if (pers && !cJSON_IsBool(pers)) {
		snprintf(msg, len, "answered info with \"persistent\" that is not true or false");
		return -1;
	}
	x->info.persistent = cJSON_IsTrue(pers);
	x->info.name = dupstr(name);
	x->info.summary = dupstr(sum ? sum->valuestring : "");
	x->seeds = calloc((size_t)nseeds + 1, sizeof *x->seeds);
	if (!x->seeds) {
		snprintf(msg, len, "out of memory");
		return -1;
	}
	for (int i = 0; i < nseeds; i++) {
		const cJSON *s = cJSON_GetArrayItem(seeds, i);
		x->seeds[i].name = dupstr(get_string(s, "name"));
		x->seeds[i].source = dupstr(get_string(s, "source"));
		x->info.nseeds = i + 1;
	}
	x->info.seeds = x->seeds;
	const cJSON *ir = cJSON_GetObjectItemCaseSensitive(j, "ir");
	if (ir) {
		char why[200];
		x->info.ir = ev_ir_from_json(ir, &x->ir, why, sizeof why);
		if (!x->info.ir) {
			snprintf(msg, len, "answered info with a bad \"ir\": %s", why);
			return -1;
		}
	}
	return 0;
}

/* --- the public API ------------------------------------------------------ */

void ext_close(struct ext **xp)
{
	struct ext *x = xp ? *xp : NULL;
	if (!x)
		return;
	for (int i = 0; i < POOL_MAX; i++)
		if (x->pool[i].p) {
			struct sbx_proc_end end;
			sbx_proc_finish(&x->pool[i].p, &end);
			free(end.out);
		}
	sbx_cmd_free(&x->once);
	sbx_cmd_free(&x->resident);
	ev_ir_store_free(&x->ir);
	for (int i = 0; x->seeds && i < x->info.nseeds; i++) {
		free((char *)x->seeds[i].name);
		free((char *)x->seeds[i].source);
	}
	free(x->seeds);
	for (int i = 0; i < EV_MAX_DIMS; i++)
		free(x->dimnames[i]);
	free((char *)x->info.name);
	free((char *)x->info.summary);
	free(x->cmd);
	free(x->label);
	free(x);
	*xp = NULL;
}

static char *make_label(const char *cmd)
{
	char shown[96];
	size_t n = strlen(cmd);
	if (n > 80)
		snprintf(shown, sizeof shown, "%.77s...", cmd);
	else
		snprintf(shown, sizeof shown, "%s", cmd);
	for (char *p = shown; *p; p++)
		if ((unsigned char)*p < 32)
			*p = ' ';
	size_t len = strlen(shown) + 32;
	char *l = malloc(len);
	if (l)
		snprintf(l, len, "evaluator command '%s'", shown);
	return l;
}

struct ext *ext_open(const char *cmd, const struct ext_limits *lim, char *err, size_t errlen)
{
	if (!cmd || !*cmd || strspn(cmd, " \t\n") == strlen(cmd)) {
		snprintf(err, errlen, "the evaluator command is empty (expected e.g. \"python3 my_eval.py\")");
		return NULL;
	}
	struct ext *x = calloc(1, sizeof *x);
	if (!x) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (lim)
		x->lim = *lim;
	else
		ext_limits_default(&x->lim);
	x->cmd = strdup(cmd);
	x->info.cmd = x->cmd;
	x->label = make_label(cmd);
	if (!x->cmd || !x->label) {
		snprintf(err, errlen, "evaluator command '%s': out of memory", cmd);
		ext_close(&x);
		return NULL;
	}
	struct sbx_cmd_limits cl;
	char why[256];
	cmd_limits(&x->lim, x->lim.info_wall_ms, 0, &cl);
	x->once = sbx_cmd_new(cmd, NULL, &cl, why, sizeof why);
	cmd_limits(&x->lim, x->lim.wall_ms, 1, &cl);
	x->resident = x->once ? sbx_cmd_new(cmd, NULL, &cl, why, sizeof why) : NULL;
	if (!x->resident) {
		snprintf(err, errlen, "%s: %s", x->label, why);
		ext_close(&x);
		return NULL;
	}
	size_t reqlen;
	char *req = make_request("info", NULL, NULL, -1, &reqlen);
	if (!req) {
		snprintf(err, errlen, "%s: out of memory", x->label);
		ext_close(&x);
		return NULL;
	}
	struct sbx_proc_end end;
	char what[EXT_MSG_MAX];
	sbx_cmd_run(x->once, req, reqlen, x->lim.info_wall_ms, &end);
	free(req);
	cmd_limits(&x->lim, x->lim.wall_ms, 0, &cl);
	sbx_cmd_set_limits(x->once, &cl);
	if (end.how != SBX_PROC_EXIT0) {
		char m[EXT_MSG_MAX + 64];
		snprintf(m, sizeof m, "failed the info request: %s", end.msg);
		fail_msg(x, end.err, m, err, errlen);
		free(end.out);
		ext_close(&x);
		return NULL;
	}
	cJSON *j = parse_answer(end.out, end.nout, what, sizeof what);
	if (!j || take_info(x, j, what, sizeof what) != 0) {
		char m[EXT_MSG_MAX + 64];
		snprintf(m, sizeof m, "failed the info request: %s", what);
		fail_msg(x, end.err, m, err, errlen);
		cJSON_Delete(j);
		free(end.out);
		ext_close(&x);
		return NULL;
	}
	cJSON_Delete(j);
	free(end.out);
	return x;
}

const struct ext_info *ext_info(const struct ext *x)
{
	return x ? &x->info : NULL;
}

void ext_set_limits(struct ext *x, const struct ext_limits *lim)
{
	int had = x->lim.seccomp;
	x->lim = *lim;
	x->lim.seccomp = had; /* the filter is built at open only */
	struct sbx_cmd_limits cl;
	cmd_limits(&x->lim, x->lim.wall_ms, 0, &cl);
	sbx_cmd_set_limits(x->once, &cl);
	cmd_limits(&x->lim, x->lim.wall_ms, 1, &cl);
	sbx_cmd_set_limits(x->resident, &cl);
}

static const char *known_statuses(void)
{
	static char buf[160];
	if (!buf[0])
		for (int i = 0; i < SBX_NSTATUS; i++) {
			size_t n = strlen(buf);
			snprintf(buf + n, sizeof buf - n, "%s%s", i ? ", " : "", sbx_status_name(i));
		}
	return buf;
}

/* Fill out from an evaluate answer.  -1 with msg on a protocol error. */
static int take_answer(const struct ext *x, const cJSON *j, struct ext_result *out, char *msg,
                       size_t len)
{
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(j, "status");
	if (!cJSON_IsString(st)) {
		snprintf(msg, len, "answered without \"status\" (a string: one of %s)", known_statuses());
		return -1;
	}
	int status = sbx_status_parse(st->valuestring);
	if (status < 0) {
		snprintf(msg, len, "answered \"status\": \"%.40s\", which is not one of %s",
		         st->valuestring, known_statuses());
		return -1;
	}
	const cJSON *score = cJSON_GetObjectItemCaseSensitive(j, "score");
	if (score && !cJSON_IsNull(score) && (!cJSON_IsNumber(score) || !isfinite(score->valuedouble))) {
		snprintf(msg, len, "answered a \"score\" that is not a finite number");
		return -1;
	}
	int has_score = cJSON_IsNumber(score);
	if (status == SBX_OK && !has_score) {
		snprintf(msg, len, "answered \"status\": \"ok\" without a \"score\" (a number)");
		return -1;
	}
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "message");
	if (m && !cJSON_IsNull(m) && !cJSON_IsString(m)) {
		snprintf(msg, len, "answered a \"message\" that is not a string");
		return -1;
	}
	const cJSON *metrics = cJSON_GetObjectItemCaseSensitive(j, "metrics");
	if (metrics && !cJSON_IsNull(metrics) && !cJSON_IsObject(metrics)) {
		snprintf(msg, len, "answered \"metrics\" that is not an object of numbers");
		return -1;
	}
	const cJSON *it;
	const cJSON *mobj = cJSON_IsObject(metrics) ? metrics : NULL;
	cJSON_ArrayForEach(it, mobj) {
		if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble)) {
			snprintf(msg, len, "answered metrics.%.40s that is not a finite number", it->string);
			return -1;
		}
		ev_metric(&out->ev, it->string, it->valuedouble);
	}
	const cJSON *desc = cJSON_GetObjectItemCaseSensitive(j, "descriptors");
	if (desc && !cJSON_IsNull(desc) && !cJSON_IsObject(desc)) {
		snprintf(msg, len, "answered \"descriptors\" that is not an object of numbers");
		return -1;
	}
	const struct ext_info *in = &x->info;
	const cJSON *dobj = cJSON_IsObject(desc) ? desc : NULL;
	cJSON_ArrayForEach(it, dobj) {
		int k = 0;
		while (k < in->ndims && strcmp(in->dims[k].name, it->string))
			k++;
		if (k == in->ndims) {
			char names[160] = "";
			for (int i = 0; i < in->ndims; i++) {
				size_t n = strlen(names);
				snprintf(names + n, sizeof names - n, "%s%s", i ? ", " : "", in->dims[i].name);
			}
			snprintf(msg, len, "answered descriptors.%.40s, which is not a dim from info (%s)",
			         it->string, in->ndims ? names : "none declared");
			return -1;
		}
		if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble)) {
			snprintf(msg, len, "answered descriptors.%.40s that is not a finite number", it->string);
			return -1;
		}
		out->ev.desc[k] = it->valuedouble;
	}
	if (status == SBX_OK)
		for (int k = 0; k < in->ndims; k++)
			if (!cJSON_GetObjectItemCaseSensitive(desc, in->dims[k].name)) {
				snprintf(msg, len, "answered \"status\": \"ok\" without descriptors.%s "
				         "(every dim from info is required)", in->dims[k].name);
				return -1;
			}
	const cJSON *times = cJSON_GetObjectItemCaseSensitive(j, "times");
	if (times && !cJSON_IsNull(times) && !cJSON_IsObject(times)) {
		snprintf(msg, len, "answered \"times\" that is not an object of numbers");
		return -1;
	}
	static const char *const phase[] = { "compile_ms", "run_ms", "score_ms" };
	double *slot[] = { &out->t_compile_ms, &out->t_run_ms, &out->t_score_ms };
	for (int k = 0; k < 3; k++) {
		const cJSON *t = cJSON_IsObject(times) ? cJSON_GetObjectItemCaseSensitive(times, phase[k]) : NULL;
		if (t && (!cJSON_IsNumber(t) || !isfinite(t->valuedouble) || t->valuedouble < 0)) {
			snprintf(msg, len, "answered times.%s that is not a finite number >= 0", phase[k]);
			return -1;
		}
		*slot[k] = t ? t->valuedouble : -1; /* -1: not given */
	}
	out->status = status;
	out->has_score = has_score;
	out->score = has_score ? score->valuedouble : 0;
	out->ev.score = out->score;
	if (cJSON_IsString(m))
		snprintf(out->message, sizeof out->message, "%s", m->valuestring);
	return 0;
}

/* --- the command as a struct ev_evaluator -------------------------------- */

struct extev {
	struct ev_evaluator ev; /* first: the evaluator pointer is the wrapper pointer */
	struct ext *x;
};

static int ext_score_marker(const struct ev_evaluator *ev, int task, int split, const double *out,
                            size_t n, struct ev_result *res)
{
	snprintf(res->message, sizeof res->message, "external evaluators score candidates themselves");
	return -1;
}

struct ext *ext_of(const struct ev_evaluator *ev)
{
	return ev && ev->score == ext_score_marker ? ((const struct extev *)ev)->x : NULL;
}

const struct ev_evaluator *ev_open_cmd(const char *cmd, const struct sbx_limits *lim, char *err,
                                       size_t errlen)
{
	struct ext_limits el;
	ext_limits_default(&el);
	if (lim)
		el.wall_ms = lim->wall_ms > el.wall_ms ? lim->wall_ms : el.wall_ms;
	struct extev *w = calloc(1, sizeof *w);
	if (!w) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	w->x = ext_open(cmd, &el, err, errlen);
	if (!w->x) {
		free(w);
		return NULL;
	}
	const struct ext_info *in = ext_info(w->x);
	w->ev = (struct ev_evaluator){
		.version = EV_API_VERSION, .name = in->name, .summary = in->summary, .seeds = in->seeds,
		.nstages = 1, .ndims = in->ndims, .noisy = in->noisy, .score = ext_score_marker,
		.stages = { { "external", 0 } }, .ir = in->ir,
	};
	memcpy(w->ev.dims, in->dims, sizeof w->ev.dims);
	return &w->ev;
}

void ext_evaluator_free(const struct ev_evaluator *ev)
{
	struct extev *w = (struct extev *)ev;
	ext_close(&w->x);
	free(w);
}
