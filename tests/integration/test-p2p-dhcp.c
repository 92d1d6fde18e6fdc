/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Our DHCP server and client against real peers across two network
 * namespaces joined by veth: the server with busybox udhcpc (the sink as
 * client when we are GO), the client with dnsmasq (the sink as GO).
 * Runs as root (CI does).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../daemon/dhcp_client.h"
#include "../../daemon/dhcp_server.h"
#include "../../daemon/p2p_netif.h"
#include "../lib/netns-util.h"
#include "../lib/test.h"

static bool ns_ready;
static char tmpdir[] = "/tmp/mcd-dhcp-XXXXXX";

static void setup_once(void)
{
        if (ns_ready)
                return;
        assert_non_null(mkdtemp(tmpdir));
        test_remove_at_exit(tmpdir);
        assert_int_eq(netns_test_setup("mcd-dhcp", "mcdva", "mcdvb"), 0);
        ns_ready = true;
}

struct lease_seen {
        bool done;
        uint8_t mac[6], ip[4];
};

static void on_server_lease(struct dhcp_server *s, const uint8_t mac[6], const uint8_t ip[4], void *userdata)
{
        struct lease_seen *l = userdata;
        memcpy(l->mac, mac, 6);
        memcpy(l->ip, ip, 4);
        l->done = true;
}

struct child_seen {
        bool done;
        int status;
};

static int on_child(sd_event_source *s, const siginfo_t *si, void *userdata)
{
        struct child_seen *c = userdata;
        c->status = si->si_status;
        c->done = true;
        return 0;
}

TEST(server_udhcpc, "/p2p/dhcp/our server gives the sink (busybox udhcpc) the .2 address, no router") {
        const uint8_t ip[4] = { 192, 168, 173, 1 }, mask[4] = { 255, 255, 255, 0 }, pool[4] = { 192, 168, 173, 2 };
        struct dhcp_server *srv = NULL;
        struct lease_seen seen = {};
        sd_event *e = NULL;
        char script[256], out[256], *text = NULL, vbmac[32] = "";
        struct child_seen ch = { .status = -1 };
        sd_event_source *child = NULL;
        FILE *f;

        setup_once();
        assert_int_eq(sd_event_new(&e), 0);
        assert_int_eq(p2p_netif_add_ipv4("mcdva", ip, 24), 0);
        assert_int_eq(dhcp_server_new(e, "mcdva", ip, mask, pool, 1, 3600, on_server_lease, &seen, &srv), 0);

        /* udhcpc runs the script with $ip, $subnet, $router in the environment. */
        snprintf(out, sizeof(out), "%s/udhcpc.out", tmpdir);
        snprintf(script, sizeof(script), "%s/udhcpc.sh", tmpdir);
        f = fopen(script, "w");
        assert_non_null(f);
        fprintf(f, "#!/bin/sh\n[ \"$1\" = bound ] && echo \"ip=$ip subnet=$subnet router=$router serverid=$serverid\" > %s\nexit 0\n", out);
        fclose(f);
        chmod(script, 0755);

        char *argv[] = { "ip", "netns", "exec", netns_name, "busybox", "udhcpc", "-i", "mcdvb", "-f", "-q", "-n",
                         "-t", "10", "-T", "1", "-s", script, NULL };
        sigset_t ss;
        sigemptyset(&ss);
        sigaddset(&ss, SIGCHLD);
        sigprocmask(SIG_BLOCK, &ss, NULL);
        pid_t pid = spawn_argv(argv);
        assert_int_ge(pid, 1);
        assert_int_eq(sd_event_add_child(e, &child, pid, WEXITED, on_child, &ch), 0);
        event_run_until(e, &ch.done, 40);
        assert_true(ch.done);
        assert_int_eq(ch.status, 0);
        assert_true(seen.done);
        assert_mem_eq(seen.ip, pool, 4);
        assert_int_ge(test_read_file(out, &text), 1);
        /* the peer's MAC, as the kernel knows it */
        char cmd[256];
        snprintf(cmd, sizeof(cmd), "ip netns exec %s cat /sys/class/net/mcdvb/address", netns_name);
        f = popen(cmd, "r");
        if (f) {
                if (!fgets(vbmac, sizeof(vbmac), f))
                        vbmac[0] = 0;
                pclose(f);
        }
        char seenmac[32];
        snprintf(seenmac, sizeof(seenmac), "%02x:%02x:%02x:%02x:%02x:%02x\n", seen.mac[0], seen.mac[1], seen.mac[2],
                 seen.mac[3], seen.mac[4], seen.mac[5]);
        assert_str_eq(seenmac, vbmac);
        assert_true(strstr(text, "ip=192.168.173.2 ") != NULL);
        assert_true(strstr(text, "subnet=255.255.255.0 ") != NULL);
        assert_true(strstr(text, "router= ") != NULL);   /* no router: the sink must not route through us */
        assert_true(strstr(text, "serverid=192.168.173.1") != NULL);
        free(text);
        sd_event_source_unref(child);
        dhcp_server_free(srv);
        assert_int_eq(p2p_netif_del_ipv4("mcdva", ip, 24), 0);
        sd_event_unref(e);
}

/*
 * Run busybox udhcpc in the peer namespace, like a sink: it configures the
 * address it gets (a RELEASE is sent from it). With release, it stays until
 * the lease is seen, then SIGTERM makes it release (-R) and quit. Returns
 * its exit status.
 */
static int run_udhcpc(sd_event *e, struct lease_seen *seen, bool release)
{
        char script[256];
        FILE *f;

        snprintf(script, sizeof(script), "%s/udhcpc-conf.sh", tmpdir);
        f = fopen(script, "w");
        assert_non_null(f);
        fprintf(f, "#!/bin/sh\ncase \"$1\" in\n"
                   "bound) ip addr add \"$ip/24\" dev \"$interface\" ;;\n"
                   "deconfig) ip -4 addr flush dev \"$interface\" ;;\nesac\nexit 0\n");
        fclose(f);
        chmod(script, 0755);
        char *argv[] = { "ip", "netns", "exec", netns_name, "busybox", "udhcpc", "-i", "mcdvb", "-f", "-n", "-t", "5",
                         "-T", "1", "-s", script, release ? "-R" : "-q", NULL };
        struct child_seen ch = { .status = -1 };
        sd_event_source *child = NULL;
        sigset_t ss;

        sigemptyset(&ss);
        sigaddset(&ss, SIGCHLD);
        sigprocmask(SIG_BLOCK, &ss, NULL);
        pid_t pid = spawn_argv(argv);
        assert_int_ge(pid, 1);
        assert_int_eq(sd_event_add_child(e, &child, pid, WEXITED, on_child, &ch), 0);
        if (release) {
                event_run_until(e, &seen->done, 40);
                assert_true(seen->done);
                /* bound: its script configured the address */
                bool bound = false;
                for (int i = 0; i < 100 && !bound; i++) {
                        (void) sd_event_run(e, 100 * 1000);
                        bound = netns_sh("ip -n %s -4 addr show dev mcdvb | grep -q 'inet '", netns_name) == 0;
                }
                assert_true(bound);
                (void) kill(pid, SIGTERM);
        }
        event_run_until(e, &ch.done, 40);
        assert_true(ch.done);
        /* the server reads a RELEASE sent at exit */
        for (int i = 0; i < 5; i++)
                (void) sd_event_run(e, 100 * 1000);
        sd_event_source_unref(child);
        return ch.status;
}

TEST(server_release, "/p2p/dhcp/our server forgets a released lease: its only address goes to the next client") {
        const uint8_t ip[4] = { 192, 168, 174, 1 }, mask[4] = { 255, 255, 255, 0 }, pool[4] = { 192, 168, 174, 2 };
        struct dhcp_server *srv = NULL;
        struct lease_seen seen = {};
        sd_event *e = NULL;
        uint8_t first_mac[6];

        setup_once();
        (void) netns_sh("ip netns pids %s | xargs -r kill 2>/dev/null; sleep 0.2", netns_name);
        assert_int_eq(sd_event_new(&e), 0);
        assert_int_eq(p2p_netif_add_ipv4("mcdva", ip, 24), 0);
        /* a pool of one address */
        assert_int_eq(dhcp_server_new(e, "mcdva", ip, mask, pool, 1, 3600, on_server_lease, &seen, &srv), 0);
        (void) run_udhcpc(e, &seen, true); /* leases .2, then releases it as it quits (-R) */
        assert_true(seen.done);
        assert_mem_eq(seen.ip, pool, 4);
        memcpy(first_mac, seen.mac, 6);
        /* another client (new MAC) gets the same, only address */
        assert_int_eq(netns_sh("ip -n %s link set mcdvb address 02:00:00:00:ee:01", netns_name), 0);
        seen.done = false;
        assert_int_eq(run_udhcpc(e, &seen, false), 0);
        assert_true(seen.done);
        assert_mem_eq(seen.ip, pool, 4);
        assert_mem_eq(seen.mac, "\x02\x00\x00\x00\xee\x01", 6);
        assert_true(memcmp(seen.mac, first_mac, 6) != 0);
        dhcp_server_free(srv);
        assert_int_eq(p2p_netif_del_ipv4("mcdva", ip, 24), 0);
        (void) netns_sh("ip -n %s -4 addr flush dev mcdvb", netns_name);
        sd_event_unref(e);
}

struct client_seen {
        bool done;
        int error;
        struct dhcp_lease lease;
};

static void on_client(struct dhcp_client *c, int error, const struct dhcp_lease *lease, void *userdata)
{
        struct client_seen *s = userdata;
        s->error = error;
        if (lease)
                s->lease = *lease;
        s->done = true;
}

TEST(client_dnsmasq, "/p2p/dhcp/our client gets a lease from dnsmasq (the sink as GO) and releases it") {
        struct dhcp_client *c = NULL;
        struct client_seen seen = {};
        sd_event *e = NULL;
        char pidfile[256], leases[256];

        setup_once();
        assert_int_eq(sd_event_new(&e), 0);
        snprintf(pidfile, sizeof(pidfile), "%s/dnsmasq.pid", tmpdir);
        snprintf(leases, sizeof(leases), "%s/dnsmasq.leases", tmpdir);
        assert_int_eq(netns_sh("ip -n %s addr add 192.168.50.1/24 dev mcdvb", netns_name), 0);
        assert_int_eq(netns_sh("ip netns exec %s dnsmasq --port=0 --interface=mcdvb --bind-interfaces "
                               "--dhcp-range=192.168.50.10,192.168.50.20,255.255.255.0,2m --dhcp-leasefile=%s "
                               "--pid-file=%s --no-resolv --no-hosts --conf-file=/dev/null",
                               netns_name, leases, pidfile), 0);
        assert_int_eq(dhcp_client_new(e, "mcdva", on_client, &seen, &c), 0);
        event_run_until(e, &seen.done, 40);
        assert_true(seen.done);
        assert_int_eq(seen.error, 0);
        assert_int_eq(seen.lease.address[0], 192);
        assert_int_eq(seen.lease.address[2], 50);
        assert_int_ge(seen.lease.address[3], 10);
        assert_int_le(seen.lease.address[3], 20);
        assert_mem_eq(seen.lease.server_id, "\xc0\xa8\x32\x01", 4);
        assert_mem_eq(seen.lease.netmask, "\xff\xff\xff\x00", 4);
        assert_int_eq(seen.lease.lease_sec, 120);

        /* The address works: configure it and reach the GO. */
        assert_int_eq(p2p_netif_add_ipv4("mcdva", seen.lease.address, 24), 0);
        assert_int_eq(netns_sh("busybox ping -c 1 -W 5 192.168.50.1 >/dev/null"), 0);

        /* The group ends: the lease goes back and dnsmasq's lease file forgets it. */
        char addr[16], *text = NULL;
        snprintf(addr, sizeof(addr), "%u.%u.%u.%u", seen.lease.address[0], seen.lease.address[1],
                 seen.lease.address[2], seen.lease.address[3]);
        assert_int_ge(test_read_file(leases, &text), 0);
        assert_true(strstr(text, addr) != NULL);
        free(text);
        assert_int_eq(dhcp_client_release(c), 0);
        assert_int_eq(dhcp_client_release(c), -ENOLINK);
        bool released = false;
        for (int i = 0; i < 100 && !released; i++) {
                usleep(100 * 1000);
                text = NULL;
                released = test_read_file(leases, &text) >= 0 && !strstr(text, addr);
                free(text);
        }
        assert_true(released);
        assert_int_eq(p2p_netif_del_ipv4("mcdva", seen.lease.address, 24), 0);
        dhcp_client_free(c);
        (void) netns_sh("kill $(cat %s) 2>/dev/null", pidfile);
        sd_event_unref(e);
}

TEST(client_timeout, "/p2p/dhcp/our client reports -ETIMEDOUT when nobody answers") {
        struct dhcp_client *c = NULL;
        struct client_seen seen = {};
        sd_event *e = NULL;

        setup_once();
        (void) netns_sh("ip netns pids %s | xargs -r kill 2>/dev/null; sleep 0.2", netns_name);
        assert_int_eq(sd_event_new(&e), 0);
        assert_int_eq(dhcp_client_new(e, "mcdva", on_client, &seen, &c), 0);
        dhcp_client_set_timeout(c, 2 * 1000000ULL);
        event_run_until(e, &seen.done, 20);
        assert_true(seen.done);
        assert_int_eq(seen.error, -ETIMEDOUT);
        dhcp_client_free(c);
        sd_event_unref(e);
}

TEST(netif_mask, "/p2p/netif/netmask to prefix length") {
        unsigned p;
        assert_int_eq(p2p_netif_mask_to_prefix((const uint8_t *) "\xff\xff\xff\x00", &p), 0);
        assert_int_eq(p, 24);
        assert_int_eq(p2p_netif_mask_to_prefix((const uint8_t *) "\xff\xff\xff\xff", &p), 0);
        assert_int_eq(p, 32);
        assert_int_eq(p2p_netif_mask_to_prefix((const uint8_t *) "\x00\x00\x00\x00", &p), 0);
        assert_int_eq(p, 0);
        assert_int_eq(p2p_netif_mask_to_prefix((const uint8_t *) "\xff\x00\xff\x00", &p), -EINVAL);
        assert_int_eq(p2p_netif_add_ipv4("nosuchif0", (const uint8_t *) "\x0a\x00\x00\x01", 24), -ENODEV);
}
