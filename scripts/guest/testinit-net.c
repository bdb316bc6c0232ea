/*
 * testinit-net.c: testinit's network checks, against dom0 (DOM0_IP): net (net-ping: eth0 up,
 * an ICMP echo), tcp (net-tcp: TCP_LEN bytes to dom0's sink, their sha256 for dom0 to
 * compare) and clock (sleep-clock: a sleep measured by the guest's clock and by dom0's time
 * server); and their helpers net_up(), dom0_connect() and dom0_time(), which the lifecycle
 * items and iret-window use too.
 */
#include "testinit.h"
#include "sha256.h"

#define TCP_PORT 5001		/* dom0's sink (testinit --serve sink) */
#define TIME_PORT 5002		/* dom0's clock (testinit --serve time) */
#define TCP_LEN (8u << 20)	/* net-tcp: 8 MiB */
#define SLEEP_S 5		/* sleep-clock: the interval slept */
#define SLEEP_SLACK_S 20	/* ... and how much longer dom0 may see it (TCG, loaded host) */

/* ------------------------------------------------------------------------------------- */
/* net: eth0 up as 10.0.0.2/24, ICMP echo to dom0 (10.0.0.1), reply verified               */
/* ------------------------------------------------------------------------------------- */

static int set_addr(int s, const char *ifname, unsigned long req, const char *addr)
{
	struct ifreq ifr = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;

	strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, addr, &sin->sin_addr);
	return ioctl(s, req, &ifr);
}

static int link_up(int s, const char *ifname)
{
	struct ifreq ifr = { 0 };

	strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
	if (ioctl(s, SIOCGIFFLAGS, &ifr))
		return -1;
	ifr.ifr_flags |= IFF_UP;
	return ioctl(s, SIOCSIFFLAGS, &ifr);
}

static uint16_t csum(const void *data, size_t len)
{
	const uint16_t *w = data;
	uint32_t sum = 0;

	for (; len > 1; len -= 2)
		sum += *w++;
	if (len)
		sum += *(const uint8_t *)w;
	sum = (sum >> 16) + (sum & 0xffff);
	sum += sum >> 16;
	return ~sum;
}

/* eth0 up as GUEST_IP/24 (waits up to 20 s for netfront's eth0); 0, or -1 with why set */
int net_up(char *why, size_t n)
{
	struct ifreq ifr = { 0 };
	double t0 = now_ms();
	int s, r = 0;

	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0) {
		snprintf(why, n, "socket: %s", strerror(errno));
		return -1;
	}
	strcpy(ifr.ifr_name, "eth0");
	while (ioctl(s, SIOCGIFINDEX, &ifr)) {
		if (now_ms() - t0 > 20000) {
			snprintf(why, n, "no eth0 after 20 s (netfront not probed?)");
			close(s);
			return -1;
		}
		usleep(100000);
	}
	link_up(s, "lo");
	if (set_addr(s, "eth0", SIOCSIFADDR, GUEST_IP) ||
	    set_addr(s, "eth0", SIOCSIFNETMASK, "255.255.255.0") || link_up(s, "eth0")) {
		snprintf(why, n, "configuring eth0 %s/24: %s", GUEST_IP, strerror(errno));
		r = -1;
	}
	close(s);
	return r;
}

/* a TCP connection to dom0's PORT, retried for up to 30 s (the vif may still be joining the
 * bridge); the socket, or -1 with why set */
int dom0_connect(int port, char *why, size_t n)
{
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct timeval tv = { .tv_sec = 10 };
	double t0 = now_ms();
	int s, tries = 0;

	inet_pton(AF_INET, DOM0_IP, &dst.sin_addr);
	for (;;) {
		s = socket(AF_INET, SOCK_STREAM, 0);
		if (s < 0) {
			snprintf(why, n, "socket: %s", strerror(errno));
			return -1;
		}
		/* bounds connect() and every later send/recv on it */
		setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		tries++;
		if (!connect(s, (struct sockaddr *)&dst, sizeof(dst)))
			return s;
		snprintf(why, n, "connect to %s:%d: %s (%d tries in %.0f ms)", DOM0_IP, port,
			 strerror(errno), tries, now_ms() - t0);
		close(s);
		if (now_ms() - t0 > 30000)
			return -1;
		usleep(500000);
	}
}

void check_net(void)
{
	struct sockaddr_in dst = { .sin_family = AF_INET };
	unsigned char pkt[64], buf[1500];
	struct icmphdr *icmp = (struct icmphdr *)pkt;
	uint16_t id = (uint16_t)random_seed();
	double t0 = now_ms(), deadline, sent;
	int s, r, seq, got = 0;
	char why[160];

	if (net_up(why, sizeof(why))) {
		FAIL("net-ping", "%s", why);
		return;
	}

	s = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	if (s < 0) {
		FAIL("net-ping", "raw ICMP socket: %s", strerror(errno));
		return;
	}
	inet_pton(AF_INET, DOM0_IP, &dst.sin_addr);
	/* one echo request a second for up to 30 s: the vif may take a while to join the bridge */
	for (seq = 1; seq <= 30 && !got; seq++) {
		memset(pkt, 0, sizeof(pkt));
		icmp->type = ICMP_ECHO;
		icmp->un.echo.id = htons(id);
		icmp->un.echo.sequence = htons(seq);
		fill_pattern(pkt + 8, sizeof(pkt) - 8, random_seed() ^ seq);
		icmp->checksum = csum(pkt, sizeof(pkt));
		sent = now_ms();
		if (sendto(s, pkt, sizeof(pkt), 0, (struct sockaddr *)&dst, sizeof(dst)) < 0) {
			if (errno != EHOSTUNREACH && errno != ENETUNREACH && errno != ENOBUFS) {
				FAIL("net-ping", "sendto: %s", strerror(errno));
				break;
			}
		}
		deadline = sent + 1000;
		while (!got && now_ms() < deadline) {
			struct pollfd pfd = { .fd = s, .events = POLLIN };
			struct sockaddr_in from;
			socklen_t fl = sizeof(from);
			struct iphdr *ip = (struct iphdr *)buf;
			struct icmphdr *rep;
			size_t hl;

			if (poll(&pfd, 1, (int)(deadline - now_ms()) + 1) <= 0)
				continue;
			r = recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
			if (r < (int)sizeof(*ip))
				continue;
			hl = ip->ihl * 4;
			if ((size_t)r != hl + sizeof(pkt))
				continue;
			rep = (struct icmphdr *)(buf + hl);
			if (ip->saddr != dst.sin_addr.s_addr || rep->type != ICMP_ECHOREPLY ||
			    rep->un.echo.id != htons(id) || rep->un.echo.sequence != htons(seq))
				continue;
			if (memcmp(buf + hl + 8, pkt + 8, sizeof(pkt) - 8)) {
				FAIL("net-ping", "echo reply %d from %s with a wrong payload", seq, DOM0_IP);
				close(s);
				return;
			}
			got = 1;
			PASS("net-ping", "echo reply from %s, seq %d, %.1f ms (eth0 up after %.0f ms)",
			     DOM0_IP, seq, now_ms() - sent, sent - t0);
		}
	}
	if (!got && seq > 30)
		FAIL("net-ping", "no echo reply from %s to 30 requests in 30 s", DOM0_IP);
	close(s);
}

/*
 * net-tcp: 8 MiB of a fresh seeded pattern to dom0's sink (testinit --serve sink) over TCP;
 * the sink must acknowledge every byte, and dom0 later compares its file's sha256 with the one
 * printed here (net-tcp-dom0, after the guest is gone).
 */
void check_tcp(void)
{
	unsigned char *buf = malloc(TCP_LEN);
	uint64_t seed = random_seed();
	unsigned long long acked = 0;
	struct sha256 sha;
	char why[160], hex[65], reply[64] = "";
	size_t done = 0;
	ssize_t r;
	double t0, t1;
	int s;

	if (!buf) {
		FAIL("net-tcp", "out of memory");
		return;
	}
	if (net_up(why, sizeof(why))) {
		FAIL("net-tcp", "%s", why);
		goto out;
	}
	fill_pattern(buf, TCP_LEN, seed);
	sha256_init(&sha);
	sha256_update(&sha, buf, TCP_LEN);
	sha256_hex(&sha, hex);
	if (fault("tcp-corrupt"))
		buf[TCP_LEN / 2 + 3] ^= 0x10;	/* after hashing: dom0 must notice */
	s = dom0_connect(TCP_PORT, why, sizeof(why));
	if (s < 0) {
		FAIL("net-tcp", "%s", why);
		goto out;
	}
	t0 = now_ms();
	while (done < TCP_LEN) {
		r = send(s, buf + done, TCP_LEN - done > 65536 ? 65536 : TCP_LEN - done, MSG_NOSIGNAL);
		if (r <= 0) {
			FAIL("net-tcp", "send after %zu of %u bytes: %s", done, TCP_LEN,
			     r ? strerror(errno) : "sent nothing");
			close(s);
			goto out;
		}
		done += r;
	}
	shutdown(s, SHUT_WR);
	/* the sink answers "RECEIVED n" once it has read our EOF */
	done = 0;
	while (done < sizeof(reply) - 1 && (r = recv(s, reply + done, sizeof(reply) - 1 - done, 0)) > 0)
		done += r;
	reply[done] = 0;
	t1 = now_ms();
	close(s);
	if (sscanf(reply, "RECEIVED %llu", &acked) != 1)
		FAIL("net-tcp", "sent %u bytes, no acknowledgement from dom0's sink (got \"%.*s\"%s%s)",
		     TCP_LEN, (int)strcspn(reply, "\n"), reply, r < 0 ? ": " : "", r < 0 ? strerror(errno) : "");
	else if (acked != TCP_LEN)
		FAIL("net-tcp", "sent %u bytes, dom0's sink received %llu", TCP_LEN, acked);
	else
		PASS("net-tcp", "%u bytes to %s:%d in %.0f ms (%.1f MiB/s), all acknowledged by dom0; sha256 %.16s...",
		     TCP_LEN, DOM0_IP, TCP_PORT, t1 - t0, TCP_LEN / 1048576.0 / ((t1 - t0) / 1e3), hex);
	/* for dom0 (net-tcp-dom0): what it must have received */
	printf("XTEST-TCP: len=%u sha256=%s seed=0x%016llx\n", TCP_LEN, hex, (unsigned long long)seed);
	fflush(stdout);
out:
	free(buf);
}

/* dom0's CLOCK_MONOTONIC in ns, from its time server; the round trip in ms; 0 or -1 */
int dom0_time(long long *ns, double *rtt, char *why, size_t n)
{
	char reply[64];
	size_t done = 0;
	ssize_t r;
	double t0;
	int s;

	s = dom0_connect(TIME_PORT, why, n);
	if (s < 0)
		return -1;
	t0 = now_ms();
	while (done < sizeof(reply) - 1 && (r = recv(s, reply + done, sizeof(reply) - 1 - done, 0)) > 0)
		done += r;
	*rtt = now_ms() - t0;
	close(s);
	reply[done] = 0;
	if (sscanf(reply, "%lld", ns) != 1) {
		snprintf(why, n, "dom0's time server sent \"%.*s\"", (int)strcspn(reply, "\n"), reply);
		return -1;
	}
	return 0;
}

/*
 * sleep-clock: a SLEEP_S clock_nanosleep, measured by the guest's CLOCK_MONOTONIC and by dom0's
 * (asked over TCP before and after): both must see at least the interval (a guest clock that
 * runs fast, or a sleep that ends early, shows up in dom0's delta), and dom0 at most
 * SLEEP_SLACK_S more (a lost timer or wakeup; generous, as TCG on a loaded host is slow).
 */
void check_clock(void)
{
	long long d0, d1, g0, g1, want = SLEEP_S * 1000000000LL;
	long long slept = fault("clock-short") ? want / 5 : want;
	double rtt0, rtt1, dd, gd;
	struct timespec until;
	char why[160];
	int r;

	if (net_up(why, sizeof(why)) || dom0_time(&d0, &rtt0, why, sizeof(why))) {
		FAIL("sleep-clock", "%s", why);
		return;
	}
	g0 = mono_ns();
	until.tv_sec = (g0 + slept) / 1000000000LL;
	until.tv_nsec = (g0 + slept) % 1000000000LL;
	while ((r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL)) == EINTR)
		;
	g1 = mono_ns();
	if (r) {
		FAIL("sleep-clock", "clock_nanosleep: %s", strerror(r));
		return;
	}
	if (dom0_time(&d1, &rtt1, why, sizeof(why))) {
		FAIL("sleep-clock", "after the sleep: %s", why);
		return;
	}
	dd = (d1 - d0) / 1e9;
	gd = (g1 - g0) / 1e9;
	if (d1 - d0 < want)
		FAIL("sleep-clock", "dom0's clock advanced %.3f s across a %d s sleep (guest's CLOCK_MONOTONIC %.3f s): the sleep ended early or the guest's clock runs ahead",
		     dd, SLEEP_S, gd);
	else if (g1 - g0 < want)
		FAIL("sleep-clock", "CLOCK_MONOTONIC advanced %.3f s across a %d s clock_nanosleep", gd, SLEEP_S);
	else if (dd > SLEEP_S + SLEEP_SLACK_S)
		FAIL("sleep-clock", "dom0's clock advanced %.3f s across a %d s sleep (more than %d s late; guest's CLOCK_MONOTONIC %.3f s)",
		     dd, SLEEP_S, SLEEP_SLACK_S, gd);
	else
		PASS("sleep-clock", "%d s clock_nanosleep: guest CLOCK_MONOTONIC +%.3f s, dom0 +%.3f s (round trips to dom0 %.1f/%.1f ms)",
		     SLEEP_S, gd, dd, rtt0, rtt1);
}

