/*-------------------------------------------------------------------------
 *
 * unit.h
 *		A minimal harness for the C unit tests of the AWS layer.
 *
 * Each test program counts checks and failures and exits non-zero when any
 * check failed.  No PostgreSQL headers, no network beyond loopback.  The
 * helpers every program may need are here too; the mock network,
 * environment and clock are in mock.h.
 *
 * IDENTIFICATION
 *		test/unit/unit.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_UNIT_H
#define DDB_UNIT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws.h"

extern int	unit_checks;
extern int	unit_failures;

#define UNIT_DEFINE_COUNTERS int unit_checks = 0; int unit_failures = 0

/* Records one check; prints the failing expression and where it is. */
static inline int
unit_check(int ok, const char *expr, const char *file, int line,
		   const char *context)
{
	unit_checks++;
	if (!ok)
	{
		unit_failures++;
		fprintf(stderr, "FAIL %s:%d: %s%s%s\n", file, line, expr,
				context ? " -- " : "", context ? context : "");
	}
	return ok;
}

#define CHECK(expr) unit_check((expr) ? 1 : 0, #expr, __FILE__, __LINE__, NULL)
#define CHECK_MSG(expr, ctx) unit_check((expr) ? 1 : 0, #expr, __FILE__, __LINE__, (ctx))

static inline int
unit_check_str(const char *got, const char *want, const char *what,
			   const char *file, int line)
{
	int			ok = (got && want && strcmp(got, want) == 0) || (!got && !want);

	unit_check(ok, what, file, line, NULL);
	if (!ok)
		fprintf(stderr, "  want: [%s]\n  got:  [%s]\n",
				want ? want : "(null)", got ? got : "(null)");
	return ok;
}

#define CHECK_STR(got, want) unit_check_str((got), (want), #got " == " #want, __FILE__, __LINE__)

/* malloc that never returns NULL: a test has no use for recovery. */
static inline void *
xmalloc(size_t n)
{
	void	   *p = malloc(n ? n : 1);

	if (p == NULL)
	{
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	return p;
}

/* A heap copy of exactly len bytes: ASan flags any read past its end. */
static inline char *
exact_copy(const char *s, size_t len)
{
	char	   *p = xmalloc(len);

	if (len > 0)
		memcpy(p, s, len);
	return p;
}

/* A malloc'd copy of the first len bytes of s, NUL-terminated. */
static inline char *
xstrndup(const char *s, size_t len)
{
	char	   *p = xmalloc(len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

static inline char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

/* a fixed "now" of the tests: 2023-11-14T22:13:20Z, and an hour later */
#define UNIT_T0 ((time_t) 1700000000)
#define UNIT_T0_PLUS_1H "2023-11-14T23:13:20Z"

/* An error struct full of junk, to see that the code sets what it owns. */
static inline void
dirty_error(DdbAwsError *err)
{
	memset(err, 'x', sizeof(*err));
	err->code[sizeof(err->code) - 1] = '\0';
	err->message[sizeof(err->message) - 1] = '\0';
	err->request_id[sizeof(err->request_id) - 1] = '\0';
	err->kind = DDB_AWS_OK;
}

/* Whether s holds a control character (error text must not). */
static inline bool
has_control_chars(const char *s)
{
	for (; *s; s++)
		if ((unsigned char) *s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* Whether s is well-formed UTF-8 (the AWS layer's own definition). */
static inline bool
valid_utf8(const char *s)
{
	return ddb_utf8_valid(s, strlen(s));
}

static inline int
unit_report(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, unit_checks, unit_failures);
	return unit_failures == 0 ? 0 : 1;
}

#endif							/* DDB_UNIT_H */
