/*-------------------------------------------------------------------------
 *
 * bind_loopback.c
 *		LD_PRELOAD shim: a bind() to the wildcard address binds to loopback.
 *
 * DynamoDB Local has no option to choose its listen address and binds
 * every interface.  The test stack must listen on 127.0.0.1 only, so the
 * JVM runs with -Djava.net.preferIPv4Stack=true and this shim turns its
 * bind(0.0.0.0) into bind(127.0.0.1).  Test tooling only; never installed.
 *
 * IDENTIFICATION
 *		test/tools/bind_loopback.c
 *
 *-------------------------------------------------------------------------
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

typedef int (*bind_fn) (int, const struct sockaddr *, socklen_t);

int
bind(int fd, const struct sockaddr *addr, socklen_t len)
{
	static bind_fn real_bind = NULL;

	if (real_bind == NULL)
		real_bind = (bind_fn) dlsym(RTLD_NEXT, "bind");

	if (addr != NULL && addr->sa_family == AF_INET &&
		len >= (socklen_t) sizeof(struct sockaddr_in))
	{
		struct sockaddr_in sin;

		memcpy(&sin, addr, sizeof(sin));
		if (sin.sin_addr.s_addr == htonl(INADDR_ANY))
		{
			sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
			return real_bind(fd, (const struct sockaddr *) &sin, sizeof(sin));
		}
	}
	if (addr != NULL && addr->sa_family == AF_INET6 &&
		len >= (socklen_t) sizeof(struct sockaddr_in6))
	{
		struct sockaddr_in6 sin6;

		memcpy(&sin6, addr, sizeof(sin6));
		if (memcmp(&sin6.sin6_addr, &in6addr_any, sizeof(in6addr_any)) == 0)
		{
			sin6.sin6_addr = in6addr_loopback;
			return real_bind(fd, (const struct sockaddr *) &sin6, sizeof(sin6));
		}
	}
	return real_bind(fd, addr, len);
}
