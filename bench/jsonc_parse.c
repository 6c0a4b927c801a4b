/*-------------------------------------------------------------------------
 *
 * jsonc_parse.c
 *		The parse-only limit of the benchmarks: json-c parses the very bytes
 *		of the Scan pages ddb_fdw decodes, and nothing else.
 *
 * Reads a file of pages as bench/replay.py's /__replay/bodies writes them
 * ("<length>\n<bytes>" each) into memory, then parses every page with
 * json_tokener_parse_ex (one tokener, reset per page), reads its "Count" and
 * frees the tree -- REPEAT times.  Prints one JSON line: pages, items, bytes,
 * and the median CPU seconds (CLOCK_PROCESS_CPUTIME_ID) of one pass: parsing
 * ("cpu_seconds") and freeing the trees ("free_cpu_seconds") apart.
 *
 *		cc -O2 -o bench/jsonc_parse bench/jsonc_parse.c -ljson-c
 *		bench/jsonc_parse PAGES_FILE [REPEAT]
 *
 * IDENTIFICATION
 *		bench/jsonc_parse.c
 *
 *-------------------------------------------------------------------------
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct Page
{
	const char *data;
	size_t		len;
} Page;

static double
cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a;
	double		y = *(const double *) b;

	return (x > y) - (x < y);
}

/* Reads the whole file; returns a malloc'd buffer or NULL. */
static char *
slurp(const char *path, size_t *len)
{
	FILE	   *f = fopen(path, "rb");
	char	   *buf;
	long		n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
		fseek(f, 0, SEEK_SET) != 0)
		return NULL;
	buf = malloc(n + 1);
	if (buf == NULL || fread(buf, 1, n, f) != (size_t) n)
		return NULL;
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

int
main(int argc, char **argv)
{
	size_t		len,
				off = 0,
				bytes = 0;
	char	   *buf;
	Page	   *pages = NULL;
	int			npages = 0,
				cap = 0,
				repeat = argc > 2 ? atoi(argv[2]) : 5;
	long		items = 0;
	double	   *cpu,
			   *cpu_free;
	json_tokener *tok;

	if (argc < 2 || repeat < 1)
	{
		fprintf(stderr, "usage: %s PAGES_FILE [REPEAT]\n", argv[0]);
		return 2;
	}
	if ((buf = slurp(argv[1], &len)) == NULL)
	{
		perror(argv[1]);
		return 1;
	}
	while (off < len)
	{
		char	   *end;
		unsigned long n = strtoul(buf + off, &end, 10);

		if (*end != '\n' || end + 1 + n > buf + len)
		{
			fprintf(stderr, "%s: malformed at offset %zu\n", argv[1], off);
			return 1;
		}
		if (npages == cap)
		{
			cap = cap ? cap * 2 : 256;
			pages = realloc(pages, cap * sizeof(Page));
			if (pages == NULL)
				return 1;
		}
		pages[npages].data = end + 1;
		pages[npages].len = n;
		npages++;
		bytes += n;
		off = (end + 1 - buf) + n;
	}

	tok = json_tokener_new();
	cpu = calloc(repeat, sizeof(double));
	cpu_free = calloc(repeat, sizeof(double));
	for (int r = 0; r < repeat; r++)
	{
		long		seen = 0;

		for (int i = 0; i < npages; i++)
		{
			struct json_object *obj,
					   *count;

			double		t0 = cpu_now(),
						t1;

			json_tokener_reset(tok);
			obj = json_tokener_parse_ex(tok, pages[i].data, (int) pages[i].len);
			if (obj == NULL || json_tokener_get_error(tok) != json_tokener_success)
			{
				fprintf(stderr, "page %d does not parse: %s\n", i,
						json_tokener_error_desc(json_tokener_get_error(tok)));
				return 1;
			}
			if (json_object_object_get_ex(obj, "Count", &count))
				seen += json_object_get_int64(count);
			t1 = cpu_now();
			cpu[r] += t1 - t0;
			json_object_put(obj);
			cpu_free[r] += cpu_now() - t1;
		}
		items = seen;
	}
	json_tokener_free(tok);
	qsort(cpu, repeat, sizeof(double), cmp_double);
	qsort(cpu_free, repeat, sizeof(double), cmp_double);
	printf("{\"pages\": %d, \"items\": %ld, \"bytes\": %zu, \"cpu_seconds\": %.6f, "
		   "\"free_cpu_seconds\": %.6f, \"repeat\": %d}\n",
		   npages, items, bytes, cpu[repeat / 2], cpu_free[repeat / 2], repeat);
	free(cpu);
	free(cpu_free);
	free(pages);
	free(buf);
	return 0;
}
