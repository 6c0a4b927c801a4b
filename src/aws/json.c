/*-------------------------------------------------------------------------
 *
 * json.c
 *		A strict, allocation-light pull reader for JSON text.
 *
 * See json.h for the contract.  Everything here validates as it goes:
 * strings are checked for well-formed UTF-8 and escapes, numbers against
 * the RFC 8259 grammar, containers for balance and depth.
 *
 * IDENTIFICATION
 *		src/aws/json.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include "json.h"

#define ARENA_CHUNK_MIN 4096
#define JSON_DEPTH_LIMIT 256

struct DdbArenaChunk
{
	DdbArenaChunk *next;
	size_t		size;			/* usable bytes in data */
	char		data[];
};

/* Points j at the start of data, outside any container, without error. */
static void
set_position(DdbJson *j, const char *data, size_t len)
{
	j->start = data;
	j->p = data;
	j->end = data + len;
	j->depth = 0;
	j->error = NULL;
	j->error_offset = 0;
}

void
ddb_json_init(DdbJson *j, const char *data, size_t len)
{
	set_position(j, data, len);
	j->max_depth = DDB_JSON_DEFAULT_MAX_DEPTH;
	j->arena.head = NULL;
	j->arena.used = 0;
}

void
ddb_json_set_input(DdbJson *j, const char *data, size_t len)
{
	set_position(j, data, len);
	ddb_json_reset_arena(j);
}

void
ddb_json_free(DdbJson *j)
{
	DdbArenaChunk *c = j->arena.head;

	while (c)
	{
		DdbArenaChunk *next = c->next;

		free(c);
		c = next;
	}
	j->arena.head = NULL;
	j->arena.used = 0;
}

void
ddb_json_free_secret(DdbJson *j)
{
	DdbArenaChunk *c;

	for (c = j->arena.head; c != NULL; c = c->next)
		ddb_wipe(c->data, c->size);
	ddb_json_free(j);
}

void
ddb_json_reset_arena(DdbJson *j)
{
	DdbArenaChunk *c;

	if (j->arena.head == NULL)
		return;
	/* keep the newest chunk for reuse, free the others */
	c = j->arena.head->next;
	while (c)
	{
		DdbArenaChunk *next = c->next;

		free(c);
		c = next;
	}
	j->arena.head->next = NULL;
	j->arena.used = 0;
}

static char *
arena_alloc(DdbJson *j, size_t size)
{
	DdbArenaChunk *c = j->arena.head;

	if (c == NULL || c->size - j->arena.used < size)
	{
		size_t		want = size < ARENA_CHUNK_MIN ? ARENA_CHUNK_MIN : size;

		c = malloc(sizeof(DdbArenaChunk) + want);
		if (c == NULL)
			return NULL;
		c->size = want;
		c->next = j->arena.head;
		j->arena.head = c;
		j->arena.used = 0;
	}
	j->arena.used += size;
	return c->data + j->arena.used - size;
}

bool
ddb_json_fail(DdbJson *j, const char *msg)
{
	if (j->error == NULL)
	{
		j->error = msg;
		j->error_offset = (size_t) (j->p - j->start);
	}
	/* stop every further read at once */
	j->p = j->end;
	return false;
}

static inline void
skip_ws(DdbJson *j)
{
	const char *p = j->p;

	while (p < j->end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	j->p = p;
}

DdbJsonType
ddb_json_peek(DdbJson *j)
{
	if (j->error)
		return DDB_JSON_INVALID;
	skip_ws(j);
	if (j->p >= j->end)
		return DDB_JSON_INVALID;
	switch (*j->p)
	{
		case '{':
			return DDB_JSON_OBJECT;
		case '[':
			return DDB_JSON_ARRAY;
		case '"':
			return DDB_JSON_STRING;
		case 't':
			return DDB_JSON_TRUE;
		case 'f':
			return DDB_JSON_FALSE;
		case 'n':
			return DDB_JSON_NULL;
		case '-':
		case '0':
		case '1':
		case '2':
		case '3':
		case '4':
		case '5':
		case '6':
		case '7':
		case '8':
		case '9':
			return DDB_JSON_NUMBER;
		default:
			return DDB_JSON_INVALID;
	}
}

static bool
expect_char(DdbJson *j, char c, const char *msg)
{
	skip_ws(j);
	if (j->p >= j->end)
		return ddb_json_fail(j, "unexpected end of input");
	if (*j->p != c)
		return ddb_json_fail(j, msg);
	j->p++;
	return true;
}

/* ----------------------------------------------------------------
 * Strings
 * ----------------------------------------------------------------
 */

static int
hex4(const char *p)
{
	int			v = 0;
	int			i;

	for (i = 0; i < 4; i++)
	{
		char		c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

/*
 * Reads the \uXXXX escape (or surrogate pair) at p (pointing at the 'u');
 * stores the code point and returns the number of input bytes consumed after
 * the backslash, or 0 when invalid.
 */
static int
read_unicode_escape(const char *p, const char *end, unsigned int *cp)
{
	int			hi;
	int			lo;

	if (end - p < 5 || (hi = hex4(p + 1)) < 0)
		return 0;
	if (hi >= 0xDC00 && hi <= 0xDFFF)
		return 0;				/* lone low surrogate */
	if (hi < 0xD800 || hi > 0xDBFF)
	{
		*cp = (unsigned int) hi;
		return 5;
	}
	/* high surrogate: a low one must follow */
	if (end - p < 11 || p[5] != '\\' || p[6] != 'u' ||
		(lo = hex4(p + 7)) < 0 || lo < 0xDC00 || lo > 0xDFFF)
		return 0;
	*cp = 0x10000 + (((unsigned int) hi - 0xD800) << 10) +
		((unsigned int) lo - 0xDC00);
	return 11;
}

static size_t
put_utf8(char *out, unsigned int cp)
{
	if (cp < 0x80)
	{
		out[0] = (char) cp;
		return 1;
	}
	if (cp < 0x800)
	{
		out[0] = (char) (0xC0 | (cp >> 6));
		out[1] = (char) (0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000)
	{
		out[0] = (char) (0xE0 | (cp >> 12));
		out[1] = (char) (0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char) (0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char) (0xF0 | (cp >> 18));
	out[1] = (char) (0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char) (0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char) (0x80 | (cp & 0x3F));
	return 4;
}

/*
 * Scans the string whose opening quote is at j->p.  On success *body and
 * *body_end delimit the raw contents, *escapes tells whether any backslash
 * escape occurs, and j->p is past the closing quote.
 */
static bool
scan_string(DdbJson *j, const char **body, const char **body_end,
			bool *escapes)
{
	const unsigned char *p = (const unsigned char *) j->p + 1;
	const unsigned char *end = (const unsigned char *) j->end;

	*escapes = false;
	*body = (const char *) p;
	for (;;)
	{
		/* fast path: plain ASCII */
		while (p < end && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
			p++;
		if (p >= end)
		{
			j->p = (const char *) p;
			return ddb_json_fail(j, "unterminated string");
		}
		if (*p == '"')
			break;
		if (*p == '\\')
		{
			*escapes = true;
			if (p + 1 >= end)
			{
				j->p = (const char *) p;
				return ddb_json_fail(j, "unterminated string");
			}
			switch (p[1])
			{
				case '"':
				case '\\':
				case '/':
				case 'b':
				case 'f':
				case 'n':
				case 'r':
				case 't':
					p += 2;
					break;
				case 'u':
					{
						unsigned int cp;
						int			n = read_unicode_escape((const char *) p + 1,
															(const char *) end, &cp);

						if (n == 0)
						{
							j->p = (const char *) p;
							return ddb_json_fail(j, "invalid \\u escape in string");
						}
						p += 1 + n;
						break;
					}
				default:
					j->p = (const char *) p;
					return ddb_json_fail(j, "invalid escape in string");
			}
			continue;
		}
		if (*p < 0x20)
		{
			j->p = (const char *) p;
			return ddb_json_fail(j, "control character in string");
		}
		/* *p >= 0x80 */
		{
			int			n = ddb_utf8_sequence(p, end);

			if (n == 0)
			{
				j->p = (const char *) p;
				return ddb_json_fail(j, "invalid UTF-8 in string");
			}
			p += n;
		}
	}
	*body_end = (const char *) p;
	j->p = (const char *) p + 1;
	return true;
}

/* Decodes the escapes of an already validated string body into the arena. */
static bool
decode_string(DdbJson *j, const char *s, const char *e, DdbJsonStr *out)
{
	char	   *buf = arena_alloc(j, (size_t) (e - s) + 1);
	char	   *o = buf;

	if (buf == NULL)
		return ddb_json_fail(j, "out of memory");
	out->has_nul = false;
	while (s < e)
	{
		if (*s != '\\')
		{
			*o++ = *s++;
			continue;
		}
		switch (s[1])
		{
			case 'b':
				*o++ = '\b';
				break;
			case 'f':
				*o++ = '\f';
				break;
			case 'n':
				*o++ = '\n';
				break;
			case 'r':
				*o++ = '\r';
				break;
			case 't':
				*o++ = '\t';
				break;
			case 'u':
				{
					unsigned int cp = 0;
					int			n = read_unicode_escape(s + 1, e, &cp);

					if (cp == 0)
						out->has_nul = true;
					o += put_utf8(o, cp);
					s += 1 + n;
					continue;
				}
			default:			/* '"', '\\', '/' */
				*o++ = s[1];
				break;
		}
		s += 2;
	}
	*o = '\0';
	out->ptr = buf;
	out->len = (size_t) (o - buf);
	return true;
}

bool
ddb_json_read_string(DdbJson *j, DdbJsonStr *out)
{
	const char *s;
	const char *e;
	bool		escapes;

	if (ddb_json_peek(j) != DDB_JSON_STRING)
		return ddb_json_fail(j, "expected a string");
	if (!scan_string(j, &s, &e, &escapes))
		return false;
	if (!escapes)
	{
		out->ptr = s;
		out->len = (size_t) (e - s);
		out->has_nul = false;
		return true;
	}
	return decode_string(j, s, e, out);
}

/* ----------------------------------------------------------------
 * Numbers and literals
 * ----------------------------------------------------------------
 */
static bool
scan_number(DdbJson *j)
{
	const char *p = j->p;
	const char *end = j->end;

	if (p < end && *p == '-')
		p++;
	if (p >= end)
		return ddb_json_fail(j, "invalid number");
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
	{
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	else
		return ddb_json_fail(j, "invalid number");
	if (p < end && *p == '.')
	{
		p++;
		if (p >= end || *p < '0' || *p > '9')
		{
			j->p = p;
			return ddb_json_fail(j, "invalid number");
		}
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E'))
	{
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (p >= end || *p < '0' || *p > '9')
		{
			j->p = p;
			return ddb_json_fail(j, "invalid number");
		}
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	j->p = p;
	return true;
}

bool
ddb_json_read_number(DdbJson *j, DdbJsonStr *out)
{
	const char *s;

	if (ddb_json_peek(j) != DDB_JSON_NUMBER)
		return ddb_json_fail(j, "expected a number");
	s = j->p;
	if (!scan_number(j))
		return false;
	out->ptr = s;
	out->len = (size_t) (j->p - s);
	out->has_nul = false;
	return true;
}

static bool
scan_literal(DdbJson *j, const char *lit, size_t len)
{
	if ((size_t) (j->end - j->p) < len || memcmp(j->p, lit, len) != 0)
		return ddb_json_fail(j, "invalid literal");
	j->p += len;
	return true;
}

bool
ddb_json_read_bool(DdbJson *j, bool *out)
{
	switch (ddb_json_peek(j))
	{
		case DDB_JSON_TRUE:
			*out = true;
			return scan_literal(j, "true", 4);
		case DDB_JSON_FALSE:
			*out = false;
			return scan_literal(j, "false", 5);
		default:
			return ddb_json_fail(j, "expected true or false");
	}
}

bool
ddb_json_read_null(DdbJson *j)
{
	if (ddb_json_peek(j) != DDB_JSON_NULL)
		return ddb_json_fail(j, "expected null");
	return scan_literal(j, "null", 4);
}

/* ----------------------------------------------------------------
 * Containers
 * ----------------------------------------------------------------
 */
static bool
enter(DdbJson *j, char open, const char *msg)
{
	if (!expect_char(j, open, msg))
		return false;
	if (++j->depth > j->max_depth || j->depth > JSON_DEPTH_LIMIT)
		return ddb_json_fail(j, "nesting too deep");
	/* mark "first member not yet read" by peeking at the closer lazily */
	return true;
}

bool
ddb_json_enter_object(DdbJson *j)
{
	return enter(j, '{', "expected an object");
}

bool
ddb_json_enter_array(DdbJson *j)
{
	return enter(j, '[', "expected an array");
}

/*
 * Moves to the next member of the object being read.  The reader tells the
 * first member from later ones by the previous non-blank byte: after '{'
 * no comma is expected.
 */
static bool
at_container_start(const DdbJson *j)
{
	const char *q = j->p;

	while (q > j->start)
	{
		char		c = *--q;

		if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
			continue;
		return c == '{' || c == '[';
	}
	return false;
}

static bool
next_in_container(DdbJson *j, char close, bool *done)
{
	bool		first;

	*done = false;
	if (j->error)
		return false;
	first = at_container_start(j);
	skip_ws(j);
	if (j->p >= j->end)
		return ddb_json_fail(j, "unexpected end of input");
	if (*j->p == close)
	{
		j->p++;
		j->depth--;
		*done = true;
		return true;
	}
	if (!first)
	{
		if (*j->p != ',')
			return ddb_json_fail(j, close == '}' ? "expected ',' or '}'" :
								 "expected ',' or ']'");
		j->p++;
		skip_ws(j);
		/* a trailing comma is not JSON */
		if (j->p < j->end && *j->p == close)
			return ddb_json_fail(j, "trailing comma");
	}
	return true;
}

bool
ddb_json_next_member(DdbJson *j, DdbJsonStr *name, bool *done)
{
	if (!next_in_container(j, '}', done))
		return false;
	if (*done)
		return true;
	if (!ddb_json_read_string(j, name))
		return ddb_json_fail(j, "expected a member name");
	return expect_char(j, ':', "expected ':'");
}

bool
ddb_json_next_element(DdbJson *j, bool *done)
{
	return next_in_container(j, ']', done);
}

/*
 * Skips one value.  Iterative, with an explicit stack of container kinds, so
 * hostile nesting cannot exhaust the C stack.
 */
bool
ddb_json_skip_value(DdbJson *j)
{
	char		stack[JSON_DEPTH_LIMIT];
	int			sp = 0;
	bool		first = false;	/* first member/element of current container */

	for (;;)
	{
		const char *s;
		const char *e;
		bool		escapes;

		/* at a value position */
		skip_ws(j);
		if (j->p >= j->end)
			return ddb_json_fail(j, "unexpected end of input");
		switch (*j->p)
		{
			case '{':
			case '[':
				if (sp >= JSON_DEPTH_LIMIT || j->depth + sp >= j->max_depth)
					return ddb_json_fail(j, "nesting too deep");
				stack[sp++] = *j->p == '{' ? '}' : ']';
				j->p++;
				first = true;
				break;
			case '"':
				if (!scan_string(j, &s, &e, &escapes))
					return false;
				first = false;
				break;
			case 't':
				if (!scan_literal(j, "true", 4))
					return false;
				first = false;
				break;
			case 'f':
				if (!scan_literal(j, "false", 5))
					return false;
				first = false;
				break;
			case 'n':
				if (!scan_literal(j, "null", 4))
					return false;
				first = false;
				break;
			default:
				if (*j->p == '-' || (*j->p >= '0' && *j->p <= '9'))
				{
					if (!scan_number(j))
						return false;
					first = false;
					break;
				}
				return ddb_json_fail(j, "unexpected character");
		}

		/* after a value, or just after an opening bracket */
		for (;;)
		{
			if (sp == 0)
				return true;
			skip_ws(j);
			if (j->p >= j->end)
				return ddb_json_fail(j, "unexpected end of input");
			if (*j->p == stack[sp - 1])
			{
				j->p++;
				sp--;
				first = false;
				continue;
			}
			if (!first)
			{
				if (*j->p != ',')
					return ddb_json_fail(j, "expected ',' or a closing bracket");
				j->p++;
				skip_ws(j);
				if (j->p < j->end && *j->p == stack[sp - 1])
					return ddb_json_fail(j, "trailing comma");
			}
			first = false;
			if (stack[sp - 1] == '}')
			{
				skip_ws(j);
				if (j->p >= j->end || *j->p != '"')
					return ddb_json_fail(j, "expected a member name");
				if (!scan_string(j, &s, &e, &escapes) ||
					!expect_char(j, ':', "expected ':'"))
					return false;
			}
			break;				/* read the next value */
		}
	}
}

bool
ddb_json_capture_value(DdbJson *j, DdbJsonStr *raw)
{
	const char *s;

	skip_ws(j);
	s = j->p;
	if (!ddb_json_skip_value(j))
		return false;
	raw->ptr = s;
	raw->len = (size_t) (j->p - s);
	raw->has_nul = false;
	return true;
}

bool
ddb_json_finish(DdbJson *j)
{
	if (j->error)
		return false;
	skip_ws(j);
	if (j->p != j->end)
		return ddb_json_fail(j, "unexpected data after the JSON value");
	return true;
}
