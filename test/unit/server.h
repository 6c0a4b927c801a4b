/*-------------------------------------------------------------------------
 *
 * server.h
 *		A scripted HTTP/1.1 server on loopback, in a thread of the test.
 *
 * The server is a thread accepting on 127.0.0.1, port chosen by the
 * kernel.  It speaks just enough HTTP/1.1 for curl: it reads a request
 * (head plus Content-Length body), records it, and answers from a queue of
 * scripts the test pushes beforehand: a status, headers and body, after an
 * optional delay, or a close without an answer, or a partial body and then
 * a close.  Connections are kept alive until a script or the client closes
 * them, so connection reuse can be counted on both sides.  One connection
 * is served at a time.  Several servers may run at once (a test may play
 * a proxy with a second one).
 *
 * IDENTIFICATION
 *		test/unit/server.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_UNIT_SERVER_H
#define DDB_UNIT_SERVER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#define SERVER_REQ_MAX (4 * 1024 * 1024)
#define SERVER_MAX_SCRIPTS 16
#define SERVER_MAX_SEEN 64

typedef enum ScriptAction
{
	ANSWER,						/* send the whole response, keep the connection */
	CLOSE,						/* close without answering */
	PARTIAL						/* send the head and part of the body, close */
} ScriptAction;

typedef struct Script
{
	ScriptAction action;
	int			status;			/* 0: 200 */
	const char *headers;		/* extra header lines, each ending in CRLF */
	const char *body;			/* NULL: empty; not copied, must outlive
								 * the answer */
	size_t		body_len;		/* 0: strlen(body) */
	bool		auto_crc;		/* add a correct x-amz-crc32 */
	int			delay_ms;		/* wait before answering */
	size_t		partial_len;	/* PARTIAL: body bytes sent before closing */
	const char *preamble;		/* raw bytes sent before the response */
	bool		no_length;		/* no Content-Length: the body ends when
								 * the server closes the connection */
} Script;

/* One request as the server received it. */
typedef struct Seen
{
	char	   *head;			/* request line and headers, CRLF-separated */
	char	   *body;
	size_t		body_len;
	int			conn_no;		/* 1 for the first accepted connection */
} Seen;

typedef struct Server
{
	int			listen_fd;
	int			port;
	int			wake[2];		/* written to stop the thread */
	pthread_t	thread;
	pthread_mutex_t mu;
	Script		queue[SERVER_MAX_SCRIPTS];
	int			qhead;
	int			qtail;
	Seen		seen[SERVER_MAX_SEEN];
	int			nseen;
	int			accepts;
	bool		answering;		/* between taking a script and sending it */
} Server;

/* A socket bound to 127.0.0.1 on a port the kernel picks (not listening). */
extern int	bind_loopback(int *port);

/* Starts s on a fresh loopback port (exits the test on failure). */
extern void server_start(Server *s);
/*
 * Forgets recorded requests and pending scripts, once an answer still being
 * sent is done (after that, a script's body may be freed).
 */
extern void server_reset(Server *s);
extern void server_stop(Server *s);

/* Queues the answer to a coming request; with none queued: 200 "{}". */
extern void server_push(Server *s, const Script *sc);
/* Requests recorded so far. */
extern int	server_nseen(Server *s);
/* The i-th recorded request (the last with -1); NULL if there is none. */
extern const Seen *server_seen(Server *s, int i);
/* Connections accepted so far. */
extern int	server_accepts(Server *s);

/*
 * Value of a request header (trimmed) into out; false when absent.  *count
 * (if given) gets the number of occurrences.
 */
extern bool seen_header_value(const Seen *r, const char *name, char *out,
							  size_t outlen, int *count);
/* The header occurs once, with value want. */
extern bool seen_header_is(const Seen *r, const char *name, const char *want);
/* The request line is want. */
extern bool seen_request_line_is(const Seen *r, const char *want);

#endif							/* DDB_UNIT_SERVER_H */
