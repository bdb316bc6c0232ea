/*
 * testinit-serve.c: testinit --serve, the TCP servers that dom0 runs (the guest's binary,
 * through IA32 emulation) for the guest's checks: sink (net-tcp), time (sleep-clock), and
 * echo and ctl (the lifecycle run's echo stream and control channel).
 */
#include "testinit.h"

/* ------------------------------------------------------------------------------------- */
/* dom0's servers for net-tcp (sink) and sleep-clock (time)                               */
/* ------------------------------------------------------------------------------------- */

int serve(const char *mode, int port, const char *file)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	static unsigned char buf[65536];
	int one = 1, ls, c, fd;
	unsigned long long n;
	char line[64];
	ssize_t r;

	signal(SIGPIPE, SIG_IGN);
	ls = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof(a)) || listen(ls, 8)) {
		fprintf(stderr, "testinit --serve %s: port %d: %s\n", mode, port, strerror(errno));
		return 1;
	}
	for (;;) {
		c = accept(ls, NULL, NULL);
		if (c < 0)
			continue;
		if (!strcmp(mode, "time")) {
			snprintf(line, sizeof(line), "%lld\n", mono_ns());
			if (write(c, line, strlen(line)) < 0)
				fprintf(stderr, "testinit --serve time: write: %s\n", strerror(errno));
		} else {
			fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
			n = 0;
			while ((r = read(c, buf, sizeof(buf))) > 0) {
				if (fd < 0 || write(fd, buf, r) != r)
					break;
				n += r;
			}
			if (fd < 0 || close(fd))
				fprintf(stderr, "testinit --serve sink: %s: %s\n", file, strerror(errno));
			snprintf(line, sizeof(line), "RECEIVED %llu\n", n);
			if (write(c, line, strlen(line)) < 0)
				fprintf(stderr, "testinit --serve sink: write: %s\n", strerror(errno));
		}
		close(c);
	}
}

/* a listening TCP socket on PORT, or -1 */
static int serve_listen(const char *mode, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int one = 1, ls = socket(AF_INET, SOCK_STREAM, 0);

	if (ls >= 0)
		setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof(a)) || listen(ls, 8)) {
		fprintf(stderr, "testinit --serve %s: port %d: %s\n", mode, port, strerror(errno));
		return -1;
	}
	return ls;
}

/* (dom0, lifecycle) echoes every byte of each connection back, a process per connection */
int serve_echo(int port)
{
	static unsigned char buf[65536];
	int ls = serve_listen("echo", port), c;
	ssize_t r, w, k;

	if (ls < 0)
		return 1;
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_IGN);
	for (;;) {
		c = accept(ls, NULL, NULL);
		if (c < 0)
			continue;
		if (fork() == 0) {
			close(ls);
			while ((r = read(c, buf, sizeof(buf))) > 0)
				for (k = 0; k < r; k += w) {
					w = write(c, buf + k, r - k);
					if (w <= 0)
						_exit(1);
				}
			_exit(0);
		}
		close(c);
	}
}

/*
 * (dom0, lifecycle) the control channel: what dom0-lifecycle writes into FIFO (its "DONE ..."
 * lines) goes to the newest connection; held back while there is none.
 */
int serve_ctl(int port, const char *fifo)
{
	static char pend[8192];
	size_t np = 0;
	int ls = serve_listen("ctl", port), f = open(fifo, O_RDWR), c = -1, n;
	struct pollfd p[3];
	char buf[4096];
	ssize_t r;

	if (ls < 0 || f < 0) {
		fprintf(stderr, "testinit --serve ctl: %s: %s\n", fifo, strerror(errno));
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		p[0] = (struct pollfd){ .fd = ls, .events = POLLIN };
		p[1] = (struct pollfd){ .fd = f, .events = POLLIN };
		p[2] = (struct pollfd){ .fd = c, .events = POLLIN };
		n = poll(p, c >= 0 ? 3 : 2, -1);
		if (n < 0)
			continue;
		if (p[0].revents & POLLIN) {
			int nc = accept(ls, NULL, NULL);

			if (nc >= 0) {
				if (c >= 0)
					close(c);
				c = nc;
			}
		}
		if (c >= 0 && p[2].revents) {
			r = read(c, buf, sizeof(buf));
			if (r <= 0) {
				close(c);
				c = -1;
			}
		}
		if (p[1].revents & POLLIN) {
			r = read(f, buf, sizeof(buf));
			if (r > 0 && np + r <= sizeof(pend)) {
				memcpy(pend + np, buf, r);
				np += r;
			}
		}
		if (c >= 0 && np) {
			r = write(c, pend, np);
			if (r > 0) {
				memmove(pend, pend + r, np - r);
				np -= r;
			}
		}
	}
}

