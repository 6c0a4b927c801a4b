/*-------------------------------------------------------------------------
 *
 * fuzz.h
 *		Helpers shared by the libFuzzer targets of the AWS layer.
 *
 * A target calls a parser on the fuzzer's input, checks what the parser
 * promises (in its header) about what it returns, reads back every byte it
 * returned, and frees all of it.  Reading back is what turns a dangling or
 * short pointer into an AddressSanitizer report; freeing is what lets
 * LeakSanitizer see a leak.  A broken promise aborts, so libFuzzer keeps
 * the input as a crash file.
 *
 * IDENTIFICATION
 *		test/fuzz/fuzz.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_FUZZ_H
#define DDB_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws.h"
#include "json.h"

/* Sum of every byte read back, so the reads cannot be optimized out. */
static volatile unsigned fuzz_sink;

/* A broken promise: report it and abort, so libFuzzer saves the input. */
static inline void
fuzz_fail(const char *what)
{
	fprintf(stderr, "fuzz: broken promise: %s\n", what);
	abort();
}

#define FUZZ_ASSERT(expr) \
	do { if (!(expr)) fuzz_fail(#expr); } while (0)

/* Reads every byte of [p, p + len). */
static inline void
fuzz_touch(const void *p, size_t len)
{
	const unsigned char *c = p;
	unsigned	sum = 0;
	size_t		i;

	for (i = 0; i < len; i++)
		sum += c[i];
	fuzz_sink += sum;
}

/* Reads a C string including its terminator (NULL is fine). */
static inline void
fuzz_touch_str(const char *s)
{
	if (s != NULL)
		fuzz_touch(s, strlen(s) + 1);
}

/* Whether [p, p + len) lies inside [start, start + size). */
static inline bool
fuzz_inside(const void *p, size_t len, const void *start, size_t size)
{
	uintptr_t	a = (uintptr_t) p;
	uintptr_t	s = (uintptr_t) start;

	return a >= s && a - s <= size && len <= size - (a - s);
}

/*
 * Error text ends up in PostgreSQL messages and log lines (see
 * test_error_text_is_utf8 and the control-character checks in the unit
 * tests): it must be terminated inside its buffer, valid UTF-8, and free of
 * control characters.
 */
static inline void
fuzz_check_text(const char *s, size_t size, const char *what)
{
	const char *nul = memchr(s, '\0', size);
	size_t		i;

	if (nul == NULL)
		fuzz_fail(what);
	if (!ddb_utf8_valid(s, (size_t) (nul - s)))
		fuzz_fail(what);
	for (i = 0; s + i < nul; i++)
		if ((unsigned char) s[i] < 0x20 || s[i] == 0x7f)
			fuzz_fail(what);
}

static inline void
fuzz_check_error(const DdbAwsError *err)
{
	fuzz_check_text(err->code, sizeof(err->code), "error code is clean text");
	fuzz_check_text(err->message, sizeof(err->message), "error message is clean text");
	fuzz_check_text(err->request_id, sizeof(err->request_id), "request id is clean text");
}

/* After a parser returned false: it must have said why. */
static inline void
fuzz_check_failure(const DdbAwsError *err)
{
	FUZZ_ASSERT(err->kind != DDB_AWS_OK);
	FUZZ_ASSERT(err->message[0] != '\0');
	fuzz_check_error(err);
}

/*
 * An error struct full of junk (but terminated, clean text), as the unit
 * tests use, so that a parser relying on a cleared struct shows up.
 */
static inline void
fuzz_dirty_error(DdbAwsError *err)
{
	memset(err, 'x', sizeof(*err));
	err->code[sizeof(err->code) - 1] = '\0';
	err->message[0] = '\0';
	err->request_id[sizeof(err->request_id) - 1] = '\0';
	err->kind = DDB_AWS_OK;
	err->http_status = 0;
}

#endif							/* DDB_FUZZ_H */
