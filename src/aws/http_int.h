/*-------------------------------------------------------------------------
 *
 * http_int.h
 *		What http.c (the client, retries, responses) and http_request.c
 *		(one request: curl set-up, callbacks, the transfer and its waits)
 *		share: the client's structure.  Not for use outside src/aws/http*.
 *
 * IDENTIFICATION
 *		src/aws/http_int.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_HTTP_INT_H
#define DDB_HTTP_INT_H

#include <curl/curl.h>

#include "http.h"

/* State shared with the curl callbacks during one request. */
typedef struct RequestState
{
	DdbHttpResponse *resp;
	CURL	   *easy;
	size_t		max_bytes;		/* the body's cap for this request */
	bool		no_proxy;
	bool		sized;			/* the body was sized from Content-Length */
	bool		too_large;
} RequestState;

/* DdbHttpResponse.http_state */
#define RESP_IDLE		0
#define RESP_ACTIVE		1		/* its transfer is the client's current one */
#define RESP_SETTLED	2		/* completed for it; outcome in the response */

struct DdbHttpClient
{
	CURLM	   *multi;
	CURL	   *easy;
	DdbHttpConfig cfg;
	char	   *user_agent;
	long		connections;
	unsigned long retries;		/* backoffs waited */
	unsigned long waits;		/* waits for the sockets */
	uint64_t	rng;			/* xorshift64* state for the jitter */
	/* the transfer under way, if any (at most one) */
	DdbHttpResponse *active;	/* its response; NULL when none */
	bool		in_multi;		/* the easy handle is in the multi handle */
	RequestState st;
	struct curl_slist *hdrs;
	char	   *post_body;		/* our copy of the request body */
	size_t		post_len;
	bool		done;			/* curl reported the transfer's end */
	CURLcode	rc;				/* and its result */
	char		errbuf[CURL_ERROR_SIZE];
};

/*
 * Frees what the transfer under way holds (headers wiped) and takes the
 * easy handle out of the multi handle, which closes an unfinished
 * transfer's connection.  The client then has no transfer.  (http_request.c)
 */
extern void ddb_http_release_transfer(DdbHttpClient *c);

#endif							/* DDB_HTTP_INT_H */
