/*-------------------------------------------------------------------------
 *
 * sigv4.c
 *		AWS Signature Version 4 header signing.
 *
 * ddb_sigv4_sign() turns one HTTP request plus credentials and a signing
 * time into the canonical request, the string to sign, the signature and
 * the value of the Authorization header, exactly as the official SigV4 test
 * suites expect (test/unit/test_sigv4.c checks every vector stage by
 * stage).  It is a pure function: no clock, no environment, no globals.
 * It runs the stages the header names, one function each:
 *
 *	1. the canonical request (sigv4_canon.c, ddb_sigv4_canonical_request);
 *	2. the string to sign: algorithm, date, credential scope and the
 *	   canonical request's hash (string_to_sign);
 *	3. the signing key: the HMAC chain over date, region and service
 *	   (derive_signing_key);
 *	4. the signature and the Authorization value (sign_and_authorize);
 *
 * and hands the results and the headers it added over (hand_over).
 *
 * Secrets: "AWS4"+secret, every intermediate HMAC key and the signing key
 * are wiped with OPENSSL_cleanse() before their memory is released.  The
 * session token is not a signing secret (it travels in a header) but it
 * must not outlive the request either: the buffers that hold it (header
 * values, the canonical request) are secret DdbBufs, never realloc'd, and
 * the output's copies of it and the Authorization value are wiped on free.
 *
 * IDENTIFICATION
 *		src/aws/sigv4.c
 *
 *-------------------------------------------------------------------------
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "sigv4_int.h"

/* ----------------------------------------------------------------
 * Input checks
 * ----------------------------------------------------------------
 */

/*
 * A credential-scope component (access key id, region, service): non-empty,
 * printable, no blank, and neither '/' nor ',' since those separate the
 * parts of the Credential= field.
 */
static bool
is_scope_part(const char *s)
{
	if (s == NULL || *s == '\0')
		return false;
	for (; *s; s++)
	{
		unsigned char c = (unsigned char) *s;

		if (c <= 0x20 || c == 0x7f || c == '/' || c == ',')
			return false;
	}
	return true;
}

/* "YYYYMMDDTHHMMSSZ" (only the shape is checked; the vectors decide). */
static bool
is_amz_date(const char *s)
{
	int			i;

	if (s == NULL || strlen(s) != 16)
		return false;
	for (i = 0; i < 16; i++)
	{
		unsigned char c = (unsigned char) s[i];

		if (i == 8)
		{
			if (c != 'T')
				return false;
		}
		else if (i == 15)
		{
			if (c != 'Z')
				return false;
		}
		else if (c < '0' || c > '9')
			return false;
	}
	return true;
}

/* True when s holds no control character (bytes >= 0x80 are fine). */
static bool
has_no_ctl(const char *s)
{
	for (; *s; s++)
	{
		unsigned char c = (unsigned char) *s;

		if (c < 0x20 || c == 0x7f)
			return false;
	}
	return true;
}

static bool
hmac_sha256(const void *key, size_t keylen, const void *data, size_t len,
			unsigned char out[SIGV4_KEY_LEN])
{
	unsigned int outlen = 0;

	if (keylen > INT_MAX)
		return false;
	if (HMAC(EVP_sha256(), key, (int) keylen, data, len, out, &outlen) == NULL)
		return false;
	return outlen == SIGV4_KEY_LEN;
}

/* ----------------------------------------------------------------
 * Stage 3: the signing key
 * ----------------------------------------------------------------
 */

/*
 * kSigning = HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date8), region), service),
 * "aws4_request").  Returns false (key zeroed) when HMAC or malloc fails.
 * Every intermediate key is wiped.
 */
static bool
derive_signing_key(const char *secret, const char *date8, const char *region,
				   const char *service, unsigned char key[SIGV4_KEY_LEN])
{
	size_t		slen = strlen(secret);
	unsigned char *ksecret;
	unsigned char kdate[SIGV4_KEY_LEN];
	unsigned char kregion[SIGV4_KEY_LEN];
	unsigned char kservice[SIGV4_KEY_LEN];
	bool		ok;

	ksecret = malloc(slen + 4);
	if (ksecret == NULL)
	{
		OPENSSL_cleanse(key, SIGV4_KEY_LEN);
		return false;
	}
	memcpy(ksecret, "AWS4", 4);
	memcpy(ksecret + 4, secret, slen);

	ok = hmac_sha256(ksecret, slen + 4, date8, strlen(date8), kdate) &&
		hmac_sha256(kdate, SIGV4_KEY_LEN, region, strlen(region), kregion) &&
		hmac_sha256(kregion, SIGV4_KEY_LEN, service, strlen(service), kservice) &&
		hmac_sha256(kservice, SIGV4_KEY_LEN, SIGV4_TERMINATOR,
					strlen(SIGV4_TERMINATOR), key);

	OPENSSL_cleanse(ksecret, slen + 4);
	free(ksecret);
	OPENSSL_cleanse(kdate, sizeof(kdate));
	OPENSSL_cleanse(kregion, sizeof(kregion));
	OPENSSL_cleanse(kservice, sizeof(kservice));
	if (!ok)
		OPENSSL_cleanse(key, SIGV4_KEY_LEN);
	return ok;
}

/*
 * ddb_sigv4_signing_key
 *		Derives the SigV4 signing key for (secret, date8, region, service).
 *
 * date8 is the "YYYYMMDD" scope date.  The caller owns key and should wipe
 * it when done.  On an internal failure (out of memory inside OpenSSL) the
 * key is all zeros; ddb_sigv4_sign() detects that case itself and reports
 * it, so use this function only where a zero key is harmless (tests).
 */
void
ddb_sigv4_signing_key(const char *secret, const char *date8,
					  const char *region, const char *service,
					  unsigned char key[32])
{
	(void) derive_signing_key(secret, date8, region, service, key);
}

/* ----------------------------------------------------------------
 * Signing
 * ----------------------------------------------------------------
 */


/*
 * Checks everything the caller passed that does not depend on the
 * canonicalisation.  Returns false and fills err on bad input.
 */
static bool
validate_input(const DdbSigv4Input *in, DdbAwsError *err)
{
	if (!is_token(in->method))
	{
		sig_error(err, DDB_AWS_ERR_INVALID, "method is missing or not an HTTP token", NULL);
		return false;
	}
	if (in->path == NULL || !has_no_ctl(in->path))
	{
		sig_error(err, DDB_AWS_ERR_INVALID, "path is missing or contains a control character", NULL);
		return false;
	}
	if (in->path[0] != '\0' && in->path[0] != '/')
	{
		sig_error(err, DDB_AWS_ERR_INVALID, "path does not start with '/'", NULL);
		return false;
	}
	if (in->query != NULL && !has_no_ctl(in->query))
	{
		sig_error(err, DDB_AWS_ERR_INVALID, "query contains a control character", NULL);
		return false;
	}
	if (in->nheaders < 0 || (in->nheaders > 0 && in->headers == NULL))
	{
		sig_error(err, DDB_AWS_ERR_INVALID, "header array is missing", NULL);
		return false;
	}
	if (in->payload == NULL && in->payload_len > 0)
	{
		sig_error(err, DDB_AWS_ERR_INVALID, "payload is NULL but payload_len is not 0", NULL);
		return false;
	}
	if (!is_scope_part(in->access_key_id))
	{
		sig_error(err, DDB_AWS_ERR_INVALID, "access key id is missing or malformed", NULL);
		return false;
	}
	if (in->secret_access_key == NULL || in->secret_access_key[0] == '\0')
	{
		sig_error(err, DDB_AWS_ERR_INVALID, "secret access key is missing", NULL);
		return false;
	}
	if (in->session_token != NULL && !has_no_ctl(in->session_token))
	{
		sig_error(err, DDB_AWS_ERR_INVALID, "session token contains a control character", NULL);
		return false;
	}
	if (!is_scope_part(in->region))
	{
		sig_error(err, DDB_AWS_ERR_INVALID, "region is missing or malformed", NULL);
		return false;
	}
	if (!is_scope_part(in->service))
	{
		sig_error(err, DDB_AWS_ERR_INVALID, "service is missing or malformed", NULL);
		return false;
	}
	if (!is_amz_date(in->amz_date))
	{
		sig_error(err, DDB_AWS_ERR_INVALID, "amz_date is not of the form YYYYMMDDTHHMMSSZ", NULL);
		return false;
	}
	return true;
}

/* Releases everything ddb_sigv4_sign() may have put into out. */
void
ddb_sigv4_output_free(DdbSigv4Output *out)
{
	int			i;

	if (out == NULL)
		return;
	/* the canonical request may hold the session token */
	ddb_free_secret(out->canonical_request);
	free(out->string_to_sign);
	ddb_free_secret(out->authorization);
	for (i = 0; i < out->nadded && i < 3; i++)
		ddb_free_secret((char *) out->added[i].value);
	ddb_wipe(out, sizeof(*out));
}

/*
 * Stage 2: the string to sign,
 *	AWS4-HMAC-SHA256 \n amz_date \n scope \n hex(SHA-256(canonical request))
 * with the credential scope date8/region/service/aws4_request, which goes
 * to scope too (the Authorization value names it).
 */
static bool
string_to_sign(const DdbSigv4Input *in, const char *date8, const DdbBuf *creq,
			   DdbBuf *scope, DdbBuf *sts, DdbAwsError *err)
{
	char		creq_hash[65];

	ddb_buf_printf(scope, "%s/%s/%s/%s", date8, in->region, in->service,
				   SIGV4_TERMINATOR);
	ddb_sha256_hex(creq->data, creq->len, creq_hash);
	ddb_buf_printf(sts, "%s\n%s\n%s\n%s", SIGV4_ALGORITHM, in->amz_date,
				   scope->data ? scope->data : "", creq_hash);
	if (!ddb_buf_ok(scope) || !ddb_buf_ok(sts))
	{
		sig_error(err, DDB_AWS_ERR_OOM, "out of memory", NULL);
		return false;
	}
	return true;
}

/*
 * Stage 4: the signature, hex(HMAC-SHA256(signing key, string to sign)),
 * into out->signature, and the Authorization value into authz.  The
 * signing key (stage 3) and the raw signature live only here and are wiped.
 */
static bool
sign_and_authorize(const DdbSigv4Input *in, const char *date8,
				   const DdbBuf *scope, const DdbBuf *sts,
				   const DdbBuf *signed_names, DdbSigv4Output *out,
				   DdbBuf *authz, DdbAwsError *err)
{
	unsigned char key[SIGV4_KEY_LEN];
	unsigned char sig[SIGV4_KEY_LEN];
	bool		ok;

	if (!derive_signing_key(in->secret_access_key, date8, in->region,
							in->service, key))
	{
		sig_error(err, DDB_AWS_ERR_OOM, "HMAC-SHA256 failed while deriving the signing key", NULL);
		return false;
	}
	ok = hmac_sha256(key, sizeof(key), sts->data, sts->len, sig);
	OPENSSL_cleanse(key, sizeof(key));
	if (ok)
		ddb_hex_encode(sig, sizeof(sig), out->signature);
	OPENSSL_cleanse(sig, sizeof(sig));
	if (!ok)
	{
		sig_error(err, DDB_AWS_ERR_OOM, "HMAC-SHA256 failed while signing", NULL);
		return false;
	}
	ddb_buf_printf(authz, "%s Credential=%s/%s, SignedHeaders=%s, Signature=%s",
				   SIGV4_ALGORITHM, in->access_key_id, scope->data,
				   signed_names->data, out->signature);
	if (!ddb_buf_ok(authz))
	{
		sig_error(err, DDB_AWS_ERR_OOM, "out of memory", NULL);
		return false;
	}
	return true;
}

/* Appends a header the signer added to out (value copied); false on OOM. */
static bool
add_output_header(DdbSigv4Output *out, const char *name, const char *value)
{
	out->added[out->nadded].name = name;
	out->added[out->nadded].value = dup_bytes(value, strlen(value));
	return out->added[out->nadded++].value != NULL;
}

/*
 * Moves the stages into out, with copies of the headers the signer added,
 * in the order X-Amz-Date, X-Amz-Security-Token, x-amz-content-sha256.
 */
static bool
hand_over(const DdbSigv4Input *in, bool have_date, const char *payload_hash,
		  DdbBuf *creq, DdbBuf *sts, DdbBuf *authz, DdbSigv4Output *out,
		  DdbAwsError *err)
{
	bool		add_token = in->session_token != NULL && in->session_token[0] != '\0';

	if ((!have_date && !add_output_header(out, SIGV4_HDR_DATE, in->amz_date)) ||
		(add_token && !add_output_header(out, SIGV4_HDR_TOKEN, in->session_token)) ||
		(in->sign_body_header &&
		 !add_output_header(out, SIGV4_HDR_CONTENT_SHA, payload_hash)))
	{
		sig_error(err, DDB_AWS_ERR_OOM, "out of memory", NULL);
		return false;
	}
	out->canonical_request = ddb_buf_steal(creq);
	out->string_to_sign = ddb_buf_steal(sts);
	out->authorization = ddb_buf_steal(authz);
	if (out->canonical_request == NULL || out->string_to_sign == NULL ||
		out->authorization == NULL)
	{
		sig_error(err, DDB_AWS_ERR_OOM, "out of memory", NULL);
		return false;
	}
	return true;
}

/*
 * ddb_sigv4_sign
 *		Signs one request with SigV4 (Authorization header flavour).
 *
 * Contract:
 *	- in->headers are all signed; names may be in any case and repeat.  A
 *	  "host" header is required (SigV4 always signs it); an "authorization"
 *	  header is refused (it would be signed into itself).
 *	- If the headers hold no X-Amz-Date, the signer adds one with
 *	  in->amz_date; if they hold one, its (trimmed) value must equal
 *	  in->amz_date and appear once.
 *	- session_token (NULL or "" = none) is added as X-Amz-Security-Token,
 *	  signed unless omit_session_token; the headers must not already
 *	  contain that header then.  Likewise sign_body_header adds and signs
 *	  x-amz-content-sha256, which must not be present already.
 *	- The payload hash is SHA-256 of payload (the empty string's hash when
 *	  payload_len is 0).
 *	- On success out holds malloc'd stages, the signature and the added
 *	  headers (in the order X-Amz-Date, X-Amz-Security-Token,
 *	  x-amz-content-sha256, each only when added).  On failure out is
 *	  empty and err (if not NULL) says why: DDB_AWS_ERR_INVALID for bad
 *	  input, DDB_AWS_ERR_OOM when memory or OpenSSL failed.  Call
 *	  ddb_sigv4_output_free() in both cases.
 */
bool
ddb_sigv4_sign(const DdbSigv4Input *in, DdbSigv4Output *out, DdbAwsError *err)
{
	char		payload_hash[65];
	char		date8[9];
	bool		have_date = false;
	DdbBuf		creq;
	DdbBuf		signed_names;
	DdbBuf		scope;
	DdbBuf		sts;
	DdbBuf		authz;
	bool		ok;

	if (out == NULL)
	{
		sig_error(err, DDB_AWS_ERR_INVALID, "no output given", NULL);
		return false;
	}
	memset(out, 0, sizeof(*out));
	if (err)
		ddb_aws_error_clear(err);
	if (in == NULL)
	{
		sig_error(err, DDB_AWS_ERR_INVALID, "no input given", NULL);
		return false;
	}
	if (!validate_input(in, err))
		return false;

	if (in->payload_len > 0)
		ddb_sha256_hex(in->payload, in->payload_len, payload_hash);
	else
		ddb_sha256_hex("", 0, payload_hash);
	memcpy(date8, in->amz_date, 8);
	date8[8] = '\0';

	/* the canonical request may hold the token, authz the signature */
	ddb_buf_init_secret(&creq);
	ddb_buf_init(&signed_names);
	ddb_buf_init(&scope);
	ddb_buf_init(&sts);
	ddb_buf_init_secret(&authz);
	ok = ddb_sigv4_canonical_request(in, payload_hash, &creq, &signed_names,
									 &have_date, err) &&
		string_to_sign(in, date8, &creq, &scope, &sts, err) &&
		sign_and_authorize(in, date8, &scope, &sts, &signed_names, out, &authz, err) &&
		hand_over(in, have_date, payload_hash, &creq, &sts, &authz, out, err);
	ddb_buf_free(&creq);
	ddb_buf_free(&signed_names);
	ddb_buf_free(&scope);
	ddb_buf_free(&sts);
	ddb_buf_free(&authz);
	if (!ok)
		ddb_sigv4_output_free(out);
	return ok;
}
