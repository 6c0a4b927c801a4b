/*-------------------------------------------------------------------------
 *
 * server.c
 *		A scripted HTTP/1.1 server on loopback, in a thread of the test.
 *
 * See server.h for what it does.  It uses the AWS layer's DdbBuf and
 * ddb_crc32, nothing else of it.
 *
 * IDENTIFICATION
 *		test/unit/server.c
 *
 *-------------------------------------------------------------------------
 */
#define _GNU_SOURCE				/* memmem */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "aws.h"
#include "server.h"

/* Waits until fd is readable: 1, timeout: 0, stop requested or error: -1. */
static int
wait_readable(Server *s, int fd, int timeout_ms)
{
	struct pollfd p[2];

	p[0].fd = fd;
	p[0].events = POLLIN;
	p[1].fd = s->wake[0];
	p[1].events = POLLIN;
	for (;;)
	{
		int			rc = poll(p, 2, timeout_ms);

		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0 || (p[1].revents & POLLIN))
			return -1;
		return rc == 0 ? 0 : 1;
	}
}

static bool
send_all(int fd, const char *p, size_t len)
{
	while (len > 0)
	{
		ssize_t		n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t) n;
	}
	return true;
}

/* Content-Length of a request head (0 when absent). */
static size_t
head_content_length(const char *head, size_t len)
{
	const char *p = head;
	const char *end = head + len;

	while (p < end)
	{
		const char *eol = memmem(p, (size_t) (end - p), "\r\n", 2);

		if (eol == NULL)
			eol = end;
		if ((size_t) (eol - p) > 15 && strncasecmp(p, "Content-Length:", 15) == 0)
			return (size_t) strtoul(p + 15, NULL, 10);
		p = eol + 2;
	}
	return 0;
}

static void
record_request(Server *s, const char *head, size_t head_len, const char *body,
			   size_t body_len, int conn_no)
{
	pthread_mutex_lock(&s->mu);
	if (s->nseen < SERVER_MAX_SEEN)
	{
		Seen	   *r = &s->seen[s->nseen++];

		r->head = malloc(head_len + 1);
		memcpy(r->head, head, head_len);
		r->head[head_len] = '\0';
		r->body = malloc(body_len + 1);
		memcpy(r->body, body, body_len);
		r->body[body_len] = '\0';
		r->body_len = body_len;
		r->conn_no = conn_no;
	}
	pthread_mutex_unlock(&s->mu);
}

/*
 * The next script; a plain 200 "{}" when the queue is empty.  The server
 * counts as answering from here until answer_done().
 */
static Script
next_script(Server *s)
{
	Script		sc;

	pthread_mutex_lock(&s->mu);
	s->answering = true;
	if (s->qhead < s->qtail)
		sc = s->queue[s->qhead++ % SERVER_MAX_SCRIPTS];
	else
	{
		memset(&sc, 0, sizeof(sc));
		sc.body = "{}";
	}
	pthread_mutex_unlock(&s->mu);
	return sc;
}

static void
answer_done(Server *s)
{
	pthread_mutex_lock(&s->mu);
	s->answering = false;
	pthread_mutex_unlock(&s->mu);
}

/*
 * Sleeps ms milliseconds unless the client hangs up first (as it does when
 * it times out or aborts); false when the connection is gone.
 */
static bool
delay_unless_closed(Server *s, int fd, int ms)
{
	struct timespec t0;
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;)
	{
		long		elapsed;
		char		c;
		int			rc;

		clock_gettime(CLOCK_MONOTONIC, &t1);
		elapsed = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
		if (elapsed >= ms)
			return true;
		rc = wait_readable(s, fd, (int) (ms - elapsed));
		if (rc < 0)
			return false;
		if (rc > 0 && recv(fd, &c, 1, MSG_PEEK) <= 0)
			return false;
		if (rc > 0)
			usleep(1000);		/* unexpected data: keep waiting */
	}
}

/*
 * Sends what the script says; false when the connection must close.  The
 * body goes out from the script's own memory (it may be tens of MB).
 */
static bool
answer(int fd, const Script *sc)
{
	DdbBuf		b;
	const char *body = sc->body ? sc->body : "";
	size_t		blen = sc->body_len ? sc->body_len : strlen(body);
	size_t		send_len = blen;
	bool		ok;

	if (sc->preamble && !send_all(fd, sc->preamble, strlen(sc->preamble)))
		return false;
	if (sc->action == CLOSE)
		return false;
	ddb_buf_init(&b);
	ddb_buf_printf(&b, "HTTP/1.1 %d Status\r\n", sc->status ? sc->status : 200);
	if (sc->no_length)
		ddb_buf_append_str(&b, "Connection: close\r\n");
	else
		ddb_buf_printf(&b, "Content-Length: %zu\r\n", blen);
	if (sc->auto_crc)
		ddb_buf_printf(&b, "x-amz-crc32: %u\r\n", ddb_crc32(0, body, blen));
	if (sc->headers)
		ddb_buf_append_str(&b, sc->headers);
	ddb_buf_append_str(&b, "\r\n");
	if (sc->action == PARTIAL && sc->partial_len < blen)
		send_len = sc->partial_len;
	ok = send_all(fd, b.data, b.len) && send_all(fd, body, send_len) &&
		sc->action == ANSWER && !sc->no_length;
	ddb_buf_free(&b);
	return ok;
}

/* Serves requests on one connection until it closes. */
static void
serve_connection(Server *s, int fd, int conn_no)
{
	char	   *buf = malloc(SERVER_REQ_MAX);
	size_t		have = 0;

	for (;;)
	{
		char	   *hend;
		size_t		head_len;
		size_t		need;
		ssize_t		n;
		Script		sc;

		while ((hend = memmem(buf, have, "\r\n\r\n", 4)) == NULL)
		{
			if (have == SERVER_REQ_MAX || wait_readable(s, fd, -1) <= 0 ||
				(n = recv(fd, buf + have, SERVER_REQ_MAX - have, 0)) <= 0)
				goto done;
			have += (size_t) n;
		}
		head_len = (size_t) (hend - buf);
		need = head_len + 4 + head_content_length(buf, head_len);
		if (need > SERVER_REQ_MAX)
			goto done;
		while (have < need)
		{
			if (wait_readable(s, fd, -1) <= 0 ||
				(n = recv(fd, buf + have, SERVER_REQ_MAX - have, 0)) <= 0)
				goto done;
			have += (size_t) n;
		}
		record_request(s, buf, head_len, buf + head_len + 4,
					   need - head_len - 4, conn_no);
		memmove(buf, buf + need, have - need);
		have -= need;

		sc = next_script(s);
		if (sc.delay_ms > 0 && !delay_unless_closed(s, fd, sc.delay_ms))
			goto done;
		if (!answer(fd, &sc))
			goto done;
		answer_done(s);
	}
done:
	answer_done(s);
	close(fd);
	free(buf);
}

static void *
server_main(void *arg)
{
	Server	   *s = arg;

	for (;;)
	{
		int			fd;
		int			conn_no;

		if (wait_readable(s, s->listen_fd, -1) <= 0)
			break;
		fd = accept(s->listen_fd, NULL, NULL);
		if (fd < 0)
			continue;
		pthread_mutex_lock(&s->mu);
		conn_no = ++s->accepts;
		pthread_mutex_unlock(&s->mu);
		serve_connection(s, fd, conn_no);
	}
	return NULL;
}

int
bind_loopback(int *port)
{
	struct sockaddr_in a;
	socklen_t	alen = sizeof(a);
	int			fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = 0;
	if (fd < 0 || bind(fd, (struct sockaddr *) &a, sizeof(a)) != 0 ||
		getsockname(fd, (struct sockaddr *) &a, &alen) != 0)
	{
		perror("bind");
		exit(2);
	}
	*port = ntohs(a.sin_port);
	return fd;
}

void
server_start(Server *s)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->mu, NULL);
	s->listen_fd = bind_loopback(&s->port);
	if (listen(s->listen_fd, 16) != 0 || pipe(s->wake) != 0 ||
		pthread_create(&s->thread, NULL, server_main, s) != 0)
	{
		perror("server");
		exit(2);
	}
}

void
server_reset(Server *s)
{
	int			i;

	/* a client that gave up early may leave the server still sending */
	for (;;)
	{
		bool		busy;

		pthread_mutex_lock(&s->mu);
		busy = s->answering;
		pthread_mutex_unlock(&s->mu);
		if (!busy)
			break;
		usleep(1000);
	}
	pthread_mutex_lock(&s->mu);
	for (i = 0; i < s->nseen; i++)
	{
		free(s->seen[i].head);
		free(s->seen[i].body);
	}
	s->nseen = 0;
	s->qhead = s->qtail = 0;
	pthread_mutex_unlock(&s->mu);
}

void
server_stop(Server *s)
{
	if (write(s->wake[1], "x", 1) != 1)
		perror("write");
	pthread_join(s->thread, NULL);
	close(s->listen_fd);
	close(s->wake[0]);
	close(s->wake[1]);
	server_reset(s);
	pthread_mutex_destroy(&s->mu);
}

void
server_push(Server *s, const Script *sc)
{
	pthread_mutex_lock(&s->mu);
	if (s->qtail - s->qhead < SERVER_MAX_SCRIPTS)
		s->queue[s->qtail++ % SERVER_MAX_SCRIPTS] = *sc;
	pthread_mutex_unlock(&s->mu);
}

int
server_nseen(Server *s)
{
	int			n;

	pthread_mutex_lock(&s->mu);
	n = s->nseen;
	pthread_mutex_unlock(&s->mu);
	return n;
}

const Seen *
server_seen(Server *s, int i)
{
	const Seen *r = NULL;

	pthread_mutex_lock(&s->mu);
	if (i < 0)
		i = s->nseen - 1;
	if (i >= 0 && i < s->nseen)
		r = &s->seen[i];
	pthread_mutex_unlock(&s->mu);
	return r;
}

int
server_accepts(Server *s)
{
	int			n;

	pthread_mutex_lock(&s->mu);
	n = s->accepts;
	pthread_mutex_unlock(&s->mu);
	return n;
}

bool
seen_header_value(const Seen *r, const char *name, char *out, size_t outlen,
			 int *count)
{
	const char *p;
	size_t		nlen = strlen(name);
	bool		found = false;

	if (count)
		*count = 0;
	if (r == NULL)
		return false;
	/* skip the request line */
	p = strstr(r->head, "\r\n");
	while (p != NULL)
	{
		const char *line = p + 2;
		const char *eol = strstr(line, "\r\n");
		size_t		llen = eol ? (size_t) (eol - line) : strlen(line);

		if (llen > nlen && line[nlen] == ':' && strncasecmp(line, name, nlen) == 0)
		{
			const char *v = line + nlen + 1;
			size_t		vlen = llen - nlen - 1;

			while (vlen > 0 && (*v == ' ' || *v == '\t'))
				v++, vlen--;
			while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
				vlen--;
			if (!found && out)
			{
				snprintf(out, outlen, "%.*s", (int) vlen, v);
			}
			found = true;
			if (count)
				(*count)++;
		}
		p = eol;
	}
	return found;
}

bool
seen_header_is(const Seen *r, const char *name, const char *want)
{
	char		v[4096];
	int			count;

	return seen_header_value(r, name, v, sizeof(v), &count) && count == 1 &&
		strcmp(v, want) == 0;
}

bool
seen_request_line_is(const Seen *r, const char *want)
{
	size_t		n = strlen(want);

	return r != NULL && strncmp(r->head, want, n) == 0 &&
		strncmp(r->head + n, "\r\n", 2) == 0;
}

