// SPDX-License-Identifier: MIT
/*
 * states: the table of the 11 TCP states: names in every spelling, the side
 * and role that hold each one, and the texts that explain them.
 */
#include "states.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>

/*
 * The texts are plain ASCII and stored unwrapped: explain.c wraps them.
 * meaning: one line, at most 70 characters, no trailing period (the legend).
 * Commands inside `backquotes` are kept on one line when wrapped.
 */
const struct state_info tcp_states[SK_STATE_MAX] = {
	[SK_ESTABLISHED] = {
		"ESTABLISHED", "ESTABLISHED", "ESTAB", SIDE_BOTH, ROLE_BOTH,
		"the connection is open; data flows",
		"The three-way handshake is complete: a SYN went one way, a SYN,ACK came back and the ACK for it "
		"arrived. Both ends are in this state at the same time, so it belongs to the client and the server "
		"alike (the active and the passive opener). Data may flow both ways, and the connection stays here "
		"with no time limit until one side closes or an error tears it down (an RST, a retransmission "
		"timeout, a failed keepalive). Recv-Q is the number of bytes received and not yet read by the "
		"application; Send-Q is the number of bytes sent and not yet acknowledged by the peer. An idle "
		"connection sends nothing at all unless keepalive is enabled, so a peer that vanished without a FIN "
		"or an RST can go unnoticed here for hours.",
		"A large count is usually plain concurrency: connection pools, keep-alive, proxies, long-lived "
		"streams. It becomes a problem when it keeps growing under a steady load (a pool that opens "
		"connections and never reuses or closes them, clients that never disconnect), when it approaches a "
		"limit (the process's open-file limit, a database's connection limit, the conntrack table), or when "
		"the queues stay non-zero: a large Recv-Q means the application does not read what arrives (stuck "
		"or overloaded); a large Send-Q means the peer or the network does not take the data fast enough "
		"(a slow reader with a zero window, or packet loss).",
		"See who holds them and towards whom: `sockscope --group-by=process state established` and "
		"`sockscope --group-by=remote state established`. Find stuck queues with "
		"`sockscope -p state established --sort=-recv_q` (and --sort=-send_q), and look at RTT and "
		"retransmissions with `sockscope -i state established`. Compare a process's descriptors with its "
		"limit (`ls /proc/PID/fd | wc -l` against `ulimit -n`). To detect dead peers, enable SO_KEEPALIVE "
		"or application heartbeats; the system default net.ipv4.tcp_keepalive_time is 7200 s.",
	},
	[SK_SYN_SENT] = {
		"SYN-SENT", "SYN_SENT", "SYN-SENT", SIDE_CLIENT, ROLE_ACTIVE_OPENER,
		"connect() sent a SYN and waits for the answer",
		"The application called connect() (or sent data with MSG_FASTOPEN); the kernel chose a local port "
		"if none was bound, sent a SYN and now waits for the peer's SYN,ACK. This side is the active "
		"opener, in the usual reading the client. An RST in reply makes connect() fail at once with "
		"ECONNREFUSED. If nothing comes back, Linux resends the SYN at doubling intervals, starting at 1 s, up "
		"to net.ipv4.tcp_syn_retries times (default 6, about 127 s in all) and then fails connect() with "
		"ETIMEDOUT, unless the application gives up sooner with its own timeout. Normally the state lasts "
		"one round trip; Send-Q shows 1 for the sequence number the SYN takes.",
		"SYN-SENT sockets that stay for seconds mean SYNs go out and nothing comes back. Towards one "
		"destination: that host or port is down, a firewall silently drops the SYNs (one that rejects "
		"would answer with an RST), a route is missing, or the server's listener is so overloaded that it "
		"drops new handshakes. Spread over many destinations: a client retrying against an unreachable "
		"pool, a crawler, or a scan running from this host (worth checking which process it is). Every "
		"stuck attempt holds an application thread or a pool slot for up to the whole retry period.",
		"See where they go and who opens them: `sockscope -p state syn-sent --group-by=remote`. Test the "
		"path from this host (`nc -vz HOST PORT`) and capture whether anything comes back: "
		"`tcpdump -ni any 'host HOST and tcp[tcpflags] & (tcp-syn|tcp-rst) != 0'`. Check firewalls and "
		"security groups on the way, and the target's listener (`sockscope check` on that host). Give "
		"clients a connect timeout of a few seconds instead of relying on net.ipv4.tcp_syn_retries.",
	},
	[SK_SYN_RECV] = {
		"SYN-RECEIVED", "SYN_RECV", "SYN-RECV", SIDE_SERVER, ROLE_PASSIVE_OPENER,
		"a SYN arrived and was answered; waiting for the final ACK",
		"A SYN reached a listener; the kernel replied with a SYN,ACK and now waits for the ACK that "
		"completes the three-way handshake, after which the connection is ESTABLISHED and joins the "
		"listener's accept queue. This side is the passive opener, in the usual reading the server. On "
		"Linux these half-open connections are request sockets (kernel state NEW_SYN_RECV) held in the "
		"listener's SYN queue, not full sockets: they have no inode and no owning process, so attribute them "
		"to the listener on the same local port. The SYN,ACK is resent at doubling intervals up to "
		"net.ipv4.tcp_synack_retries times (default 5, about a minute). A full socket in SYN-RECEIVED, with "
		"an owner, only comes from a simultaneous open, where the SYNs of two connecting sockets cross. "
		"Normally the state lasts one round trip.",
		"Many of them mean handshakes start and do not finish. From many different, often random-looking "
		"addresses: a SYN flood; with net.ipv4.tcp_syncookies=1 the kernel answers with SYN cookies once "
		"the SYN queue overflows and keeps serving real clients. From ordinary clients: their final ACKs "
		"are lost on the way (a lossy or asymmetric path, a firewall that lets SYNs in and drops the rest). "
		"And on Linux, while a listener's accept queue is full the kernel ignores the ACK that would "
		"complete the handshake, so connections wait here because the application does not accept() fast "
		"enough: look at the listener's Recv-Q against its Send-Q.",
		"Group them by source and by listener: `sockscope state syn-recv --group-by=remote-host` and "
		"`sockscope state syn-recv --group-by=local-port`. Run `sockscope check` to see whether that "
		"listener's accept queue is full. Keep net.ipv4.tcp_syncookies=1; "
		"`nstat -az TcpExtSyncookiesSent TcpExtListenDrops` shows whether cookies were needed and SYNs "
		"dropped; net.ipv4.tcp_max_syn_backlog sizes the SYN queue. Against a flood, filter at the edge "
		"(rate limits, upstream scrubbing); on a lossy path, capture at both ends to see where the ACK "
		"disappears.",
	},
	[SK_FIN_WAIT1] = {
		"FIN-WAIT-1", "FIN_WAIT1", "FIN-WAIT-1", SIDE_CLIENT, ROLE_ACTIVE_CLOSER,
		"this side closed; its FIN waits to be acknowledged",
		"The application called close() or shutdown(SHUT_WR): the kernel queued a FIN behind any data not "
		"yet sent and now waits for the peer to acknowledge it. Whoever closes first is the active closer; "
		"the usual reading calls it the client, but a server that closes first (an HTTP server ending a "
		"connection, a proxy dropping an idle client) goes through the same states. The peer's ACK moves "
		"the socket to FIN-WAIT-2; the peer's own FIN arriving first moves it to CLOSING, or straight to "
		"TIME-WAIT when that FIN also acknowledges ours. Because the FIN leaves only after the unsent data, "
		"a socket whose peer stopped reading (a zero receive window) can sit here with a large Send-Q. "
		"After close() the socket is an orphan with no owner, and Linux gives up after "
		"net.ipv4.tcp_orphan_retries retransmissions (0 means the built-in default of 8).",
		"Many FIN-WAIT-1 sockets mean FINs are not being acknowledged: the peers vanished (crashed, "
		"unplugged, or behind a NAT or firewall that already forgot the connection), the path loses "
		"packets, or the peers stopped reading so the remaining data and the FIN cannot be sent. A server "
		"that closes connections to many slow or hostile clients (some stop reading on purpose) collects "
		"them; as orphans they count against net.ipv4.tcp_max_orphans and hold memory until the retries "
		"run out.",
		"Find the peers and the data left over: `sockscope state fin-wait-1 --group-by=remote-host` and "
		"`sockscope -o state fin-wait-1 --sort=-send_q` (a non-zero Send-Q points at a peer that stopped "
		"reading; -o shows the retransmission timers). Compare the orphan count in /proc/net/sockstat with "
		"net.ipv4.tcp_max_orphans. On busy servers a lower net.ipv4.tcp_orphan_retries (e.g. 3) frees them "
		"sooner; if the peers are alive, check firewall and NAT timeouts on the path.",
	},
	[SK_FIN_WAIT2] = {
		"FIN-WAIT-2", "FIN_WAIT2", "FIN-WAIT-2", SIDE_CLIENT, ROLE_ACTIVE_CLOSER,
		"our FIN was acknowledged; waiting for the peer to close (half-closed)",
		"This side closed first (the active closer, usually the client) and the peer acknowledged its FIN. "
		"The connection is half-closed: this side can no longer send but still receives whatever the peer "
		"writes, and the kernel waits for the peer's FIN, which moves the socket to TIME-WAIT. Meanwhile "
		"the peer is in CLOSE-WAIT, waiting for its own application to close. How long this lasts depends "
		"on who still holds the socket: once the application has called close(), the socket is an orphan "
		"and Linux drops it after net.ipv4.tcp_fin_timeout (default 60 s) if no FIN comes; if the "
		"application only called shutdown(SHUT_WR) and keeps the descriptor, there is no limit and it waits "
		"as long as the peer does.",
		"Many FIN-WAIT-2 sockets towards the same peer almost always mirror CLOSE-WAIT sockets on that "
		"peer: its application got the end-of-file and never closed (see CLOSE-WAIT). Orphans disappear "
		"after tcp_fin_timeout, so a large steady count means the peer keeps failing to close at a steady "
		"rate; sockets that stay longer belong to an application here that half-closed with shutdown() and "
		"still holds the descriptor. Peers that vanished right after acknowledging our FIN leave them too.",
		"Find the peers: `sockscope state fin-wait-2 --group-by=remote-host`, then on that host run "
		"`sockscope -p state close-wait` to find the process that does not close. Here, "
		"`sockscope -p state fin-wait-2` tells sockets that still have an owner (half-closed with "
		"shutdown()) from orphans. net.ipv4.tcp_fin_timeout (default 60) bounds the orphans only; lowering "
		"it treats the symptom, not the peer.",
	},
	[SK_TIME_WAIT] = {
		"TIME-WAIT", "TIME_WAIT", "TIME-WAIT", SIDE_CLIENT, ROLE_ACTIVE_CLOSER,
		"the first closer waits 60 s so that stray segments die out",
		"This side closed first (the active closer): its FIN was acknowledged, and the peer's FIN arrived "
		"and was acknowledged, coming from FIN-WAIT-2 or CLOSING. The connection is over, but the kernel "
		"keeps a small record of it for twice the maximum segment lifetime (2MSL), for two reasons: if our "
		"last ACK is lost the peer resends its FIN and must get that ACK again rather than an RST, and late "
		"duplicates of this connection's segments must not be taken for data of a new connection that "
		"reuses the same addresses and ports. On Linux the wait is a fixed 60 s (TCP_TIMEWAIT_LEN): no "
		"sysctl changes it, and net.ipv4.tcp_fin_timeout does not apply. The records are small "
		"minisockets with no inode and no owner, so no process can be shown for them. The usual reading "
		"puts TIME-WAIT on the client, but it lands on whoever closes first: a server that closes "
		"connections itself collects them.",
		"The count follows the rate of closed connections: roughly connections closed per second times "
		"60. Thousands are normal on a busy host and cost little memory; net.ipv4.tcp_max_tw_buckets caps "
		"them (beyond it the kernel skips TIME-WAIT and logs 'time wait bucket table overflow'). The real "
		"risk is on the side that opens many short connections to the same destination address and port: "
		"each TIME-WAIT keeps its local port taken for that destination, and with the default "
		"net.ipv4.ip_local_port_range of about 28,000 ports that runs out near 470 new connections per "
		"second, after which connect() fails with EADDRNOTAVAIL. A server holding many closes first, e.g. "
		"HTTP without keep-alive.",
		"See what causes them: `sockscope state time-wait --group-by=remote` (no owner can be shown, so go "
		"by the remote and the local port). Fix the pattern first: keep-alive and connection pools instead "
		"of one connection per request, and let the client close first where the protocol allows it. For "
		"outgoing connections net.ipv4.tcp_tw_reuse=1 lets new connections take over TIME-WAIT ports "
		"safely (it relies on TCP timestamps), and a wider net.ipv4.ip_local_port_range helps. Do not try "
		"to shorten the 60 s: tcp_tw_recycle was removed in Linux 4.12 because it broke clients behind NAT, "
		"and SO_LINGER with a zero timeout skips TIME-WAIT only by resetting the connection and discarding "
		"unsent data.",
	},
	[SK_CLOSE] = {
		"CLOSED", "CLOSE", "UNCONN", SIDE_BOTH, ROLE_NONE,
		"no connection: a socket bound but never used",
		"There is no connection at all: this is where every TCP connection starts and ends, on the client "
		"and the server alike, and it has no role. A socket that can be seen in CLOSED was created and "
		"bound to a local address or port with bind(), but neither listen() nor connect() has been called "
		"on it yet. Linux reports such bound-only sockets only through sock_diag and only on kernels 6.8 "
		"and later (kernel state BOUND_INACTIVE, which ss labels UNCONN); /proc/net/tcp never lists them, "
		"and sockets that were never bound are invisible everywhere. A socket whose connection has ended "
		"(after TIME-WAIT or LAST-ACK, an RST or a timeout) while the application still holds the "
		"descriptor is CLOSED as well, and normally no dump shows it.",
		"Many bound but unused sockets point at an application that binds ahead of time and then does not "
		"go on, or that leaks sockets, for example after failed connection attempts. Each one reserves its "
		"local port: a leak can make bind() fail with EADDRINUSE for a service that wants that port, or eat "
		"into the ephemeral port range when the sockets bind to port 0 (to pick a source address before "
		"connect()).",
		"Find the owners: `sockscope -p state closed` (needs kernel 6.8 or later; the /proc back end cannot "
		"see them). Compare the process's descriptor count with its limit (`ls /proc/PID/fd | wc -l`). A "
		"program that binds only to choose a source address should set IP_BIND_ADDRESS_NO_PORT before "
		"bind(), so that no port is reserved until connect().",
	},
	[SK_CLOSE_WAIT] = {
		"CLOSE-WAIT", "CLOSE_WAIT", "CLOSE-WAIT", SIDE_SERVER, ROLE_PASSIVE_CLOSER,
		"the peer closed; waiting for this application to call close()",
		"The peer sent a FIN; this kernel acknowledged it at once and handed the application an "
		"end-of-file (read() returns 0). The peer will send nothing more, and the kernel now waits for the "
		"application on this side to call close() (or shutdown()), which sends our FIN and moves the "
		"socket to LAST-ACK. The kernel cannot do that by itself and there is no timer: the socket stays "
		"in CLOSE-WAIT for as long as the application keeps the descriptor open, at worst until the "
		"process exits. This side is the passive closer. The usual reading calls it the server, but any "
		"side whose peer closes first ends here, including a client whose server closes idle keep-alive "
		"connections sitting in its pool. A Recv-Q of 1 means the application has not even read the "
		"end-of-file (the FIN takes one sequence number); more means unread data in front of it.",
		"CLOSE-WAIT is the one state only the local application can end, so a pile of them is about this "
		"application, not the network. The usual causes: (1) a code path that never calls close(): an "
		"error or timeout branch that returns without closing, a connection borrowed from a pool and never "
		"given back, or a close() that is never reached because the thread spins in an endless loop or is "
		"blocked on a lock, a slow call or a full downstream; (2) responses slower than the peer's timeout: "
		"the peer gives up and closes while this side is still working on the request, and the socket is "
		"closed only when the work finishes, if ever; (3) an accept backlog so deep that during a burst "
		"connections wait in the queue longer than the peers are willing to, so the peers close them "
		"before the application even accepts them. A count that grows steadily, especially towards the "
		"same remote, is a leak, and ends with the process running out of descriptors (EMFILE). In a "
		"self-written client or service (a custom crawler, a script built on an HTTP library) it is almost "
		"always a bug that forgets close(); in a widely used server (Tomcat, nginx, a database) slow "
		"responses, too-short client timeouts or a too-large backlog are the more likely story.",
		"Find the owner and the peers: `sockscope -p state close-wait`, "
		"`sockscope --group-by=process state close-wait` and `sockscope --group-by=remote state close-wait`. "
		"Sample over time to tell a leak from a burst: `sockscope check --samples 5 --interval 2`. Then "
		"look inside the process: a thread dump (jstack, py-spy dump, gdb -p PID) shows where threads are "
		"blocked; review every error and timeout path for a close() (finally, defer, with, RAII). Compare "
		"the peers' timeouts with this service's response times, and check the listener's accept queue "
		"(`sockscope -p state listen`). No sysctl clears CLOSE-WAIT; restarting the process releases the "
		"sockets but only buys time. `sockscope kill state close-wait pid = PID` (SOCK_DESTROY, root) is "
		"the same stopgap without a restart: it aborts those connections, so they leave the socket tables "
		"and free their buffers, and the application's next call on them fails with ECONNABORTED; but its "
		"descriptors stay open until it closes them, and the missing close() leaks the next connections "
		"just the same. Fix the code.",
	},
	[SK_LAST_ACK] = {
		"LAST-ACK", "LAST_ACK", "LAST-ACK", SIDE_SERVER, ROLE_PASSIVE_CLOSER,
		"closed after the peer; waiting for the ACK of our FIN",
		"The peer closed first, this side went through CLOSE-WAIT, and now its application has called "
		"close() as well: the kernel sent our FIN and waits for the peer to acknowledge it. When the ACK "
		"arrives the connection is gone at once (CLOSED): the passive closer never enters TIME-WAIT, that "
		"wait is the active closer's job. This side is the passive closer, in the usual reading the "
		"server. If no ACK comes, the FIN is resent at growing intervals until net.ipv4.tcp_orphan_retries "
		"is used up; each resent FIN also restarts the TIME-WAIT of a peer that is already in it.",
		"Many LAST-ACK sockets mean the last ACKs do not arrive: the active closers vanished right after "
		"sending their FIN (a crashed client, a laptop put to sleep, a mobile network gone), a firewall or "
		"NAT in between dropped the connection's state after the first FIN and now discards the ACK, or "
		"the path loses packets. They free themselves when the retries run out; a few are harmless, a "
		"large steady count points at a middle-box or a lossy network.",
		"Group by peer: `sockscope state last-ack --group-by=remote-host`, and see the retransmission "
		"timers with `sockscope -o state last-ack`. If one network or gateway stands out, check its "
		"connection-tracking timeouts (on Linux routers net.netfilter.nf_conntrack_tcp_timeout_last_ack and "
		"nf_conntrack_tcp_timeout_close_wait) and capture on both sides to see where the ACK goes. On busy "
		"servers a lower net.ipv4.tcp_orphan_retries frees them sooner.",
	},
	[SK_LISTEN] = {
		"LISTEN", "LISTEN", "LISTEN", SIDE_SERVER, ROLE_PASSIVE_OPENER,
		"a service waits for connections on this port",
		"The application created a socket, bound it to a local address and port, and called listen(). No "
		"peer is involved and nothing has crossed the wire. From now on the kernel answers incoming SYNs "
		"by itself: it completes handshakes without the application and parks each finished connection in "
		"the accept queue until the application takes it with accept(). That makes this the passive "
		"opener, in the usual reading the server. For a listener, Recv-Q is the number of connections "
		"waiting in the accept queue right now and Send-Q is the queue's limit, min(listen() backlog, "
		"net.core.somaxconn); a Recv-Q equal to Send-Q, or one above, means the queue is full. A listener "
		"on 0.0.0.0 or [::] accepts on every address of the host, one on 127.0.0.1 or [::1] only locally.",
		"Many listeners are normally harmless: every service, address and port has one, and servers using "
		"SO_REUSEPORT open one per worker on the same port. What deserves attention is a listener nobody "
		"expected (a debug or admin port, something on 0.0.0.0 that should be on 127.0.0.1) and, above "
		"all, a listener whose Recv-Q sits near its Send-Q: the application accepts more slowly than "
		"connections arrive, new handshakes are dropped, clients see connect timeouts and retries, and "
		"connections that wait long in the queue may be closed by their peers before they are accepted "
		"(they then show up as CLOSE-WAIT).",
		"List the listeners and their owners with `sockscope -p state listen` and check that each port is "
		"meant to be open on that address. Run `sockscope check` to flag accept queues that are nearly "
		"full; overflows since boot are counted in `nstat -az TcpExtListenOverflows TcpExtListenDrops`. "
		"If the queue fills, find out first why the process accepts slowly (a blocked accept loop, too few "
		"workers); a longer queue, through the listen() backlog together with net.core.somaxconn, absorbs "
		"bursts but also lets clients wait longer before anyone serves them.",
	},
	[SK_CLOSING] = {
		"CLOSING", "CLOSING", "CLOSING", SIDE_CLIENT, ROLE_SIMULTANEOUS_CLOSER,
		"both sides closed at once; waiting for the last ACK",
		"Both ends closed at nearly the same moment: this side sent its FIN (FIN-WAIT-1), and before that "
		"FIN was acknowledged the peer's FIN arrived, which the kernel acknowledged. Each side now waits "
		"for the ACK of its own FIN; when it arrives the socket moves to TIME-WAIT. Both ends are active "
		"closers here (a simultaneous close), so the state has no fixed client or server; the usual "
		"reading files it under the client because it branches off the active close. It lasts about one "
		"round trip and is rarely seen.",
		"CLOSING sockets that do not go away mean the final ACKs are lost: packet loss on the path, or a "
		"peer that vanished right after sending its FIN. They are rare because both FINs must cross in "
		"flight; protocols in which both ends close as soon as an exchange is done see them more often. "
		"The kernel resends the FIN and eventually gives up, as in FIN-WAIT-1 "
		"(net.ipv4.tcp_orphan_retries).",
		"Look at the peers and the path: `sockscope state closing --group-by=remote-host`, then "
		"`sockscope -i -o state closing` for retransmissions and timers, and `nstat -az TcpRetransSegs` "
		"for loss on this host. A handful that come and go need no action.",
	},
};

const uint8_t state_display_order[SK_STATE_MAX - 1] = {
	SK_LISTEN,     SK_SYN_SENT,   SK_SYN_RECV, SK_ESTABLISHED, SK_FIN_WAIT1, SK_FIN_WAIT2,
	SK_CLOSE_WAIT, SK_CLOSING,    SK_LAST_ACK, SK_TIME_WAIT,   SK_CLOSE,
};

static const char *const side_names[SIDE_MAX] = {"client", "server", "both"};
static const char *const role_names[ROLE_MAX] = {
	"active-opener", "passive-opener", "both", "active-closer", "passive-closer", "simultaneous-closer", "none",
};

const struct state_info *state_get(int state)
{
	if (state < 1 || state >= SK_STATE_MAX)
		return NULL;
	return &tcp_states[state];
}

const char *state_name(int state)
{
	const struct state_info *si = state_get(state);

	return si ? si->name : "?";
}

/* Lower-cases s into buf, dropping '-', '_' and spaces: "Close_Wait" -> "closewait". */
static void squash(const char *s, char *buf, size_t len)
{
	size_t j = 0;

	for (; *s && j + 1 < len; s++) {
		if (*s == '-' || *s == '_' || *s == ' ')
			continue;
		buf[j++] = (char)tolower((unsigned char)*s);
	}
	buf[j] = '\0';
}

int state_from_name(const char *s)
{
	static const struct {
		const char *alias;
		int state;
	} aliases[] = {
		{"estab", SK_ESTABLISHED}, {"synrecv", SK_SYN_RECV}, {"synrcvd", SK_SYN_RECV},
		{"unconn", SK_CLOSE},      {"close", SK_CLOSE},      {"finwait1", SK_FIN_WAIT1},
		{"finwait2", SK_FIN_WAIT2},
	};
	char want[32], have[32];

	if (!s || strlen(s) >= sizeof(want))
		return -EINVAL;
	squash(s, want, sizeof(want));
	for (int st = 1; st < SK_STATE_MAX; st++) {
		squash(tcp_states[st].name, have, sizeof(have));
		if (!strcmp(want, have))
			return st;
		squash(tcp_states[st].kernel_name, have, sizeof(have));
		if (!strcmp(want, have))
			return st;
		squash(tcp_states[st].ss_label, have, sizeof(have));
		if (!strcmp(want, have))
			return st;
	}
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (!strcmp(want, aliases[i].alias))
			return aliases[i].state;
	return -EINVAL;
}

const char *side_name(enum state_side side)
{
	return (unsigned)side < SIDE_MAX ? side_names[side] : "?";
}

const char *role_name(enum state_role role)
{
	return (unsigned)role < ROLE_MAX ? role_names[role] : "?";
}

static int lookup(const char *s, const char *const *names, int n)
{
	char want[32], have[32];

	if (!s || strlen(s) >= sizeof(want))
		return -EINVAL;
	squash(s, want, sizeof(want));
	for (int i = 0; i < n; i++) {
		squash(names[i], have, sizeof(have));
		if (!strcmp(want, have))
			return i;
	}
	return -EINVAL;
}

int side_from_name(const char *s)
{
	return lookup(s, side_names, SIDE_MAX);
}

int role_from_name(const char *s)
{
	return lookup(s, role_names, ROLE_MAX);
}
