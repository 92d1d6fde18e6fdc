/* SPDX-License-Identifier: GPL-2.0-or-later */
/* IPv4 addresses on group netdevs over rtnetlink: one request, wait for its ACK. */
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "p2p_netif.h"

#include "../protocol/macro.h"

struct addr_req {
        struct nlmsghdr nh;
        struct ifaddrmsg ifa;
        char attrs[64];
};

static void add_attr(struct nlmsghdr *nh, unsigned short type, const void *data, unsigned short len)
{
        struct rtattr *rta = (struct rtattr *) ((char *) nh + NLMSG_ALIGN(nh->nlmsg_len));

        rta->rta_type = type;
        rta->rta_len = RTA_LENGTH(len);
        memcpy(RTA_DATA(rta), data, len);
        nh->nlmsg_len = NLMSG_ALIGN(nh->nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

static int addr_request(int type, int flags, const char *ifname, const uint8_t addr[4], unsigned prefixlen)
{
        struct addr_req req = {};
        struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
        struct timeval tv = { .tv_sec = 2 };
        _cleanup_close_ int fd = -1;
        unsigned idx;
        char buf[4096];
        uint8_t brd[4];
        uint32_t mask;
        ssize_t n;

        if (prefixlen > 32)
                return -EINVAL;
        idx = if_nametoindex(ifname);
        if (idx == 0)
                return -errno;
        mask = prefixlen ? 0xffffffffu << (32 - prefixlen) : 0;
        for (int i = 0; i < 4; i++)
                brd[i] = addr[i] | (uint8_t) ~(mask >> (24 - 8 * i));

        req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg));
        req.nh.nlmsg_type = type;
        req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
        req.nh.nlmsg_seq = 1;
        req.ifa.ifa_family = AF_INET;
        req.ifa.ifa_prefixlen = prefixlen;
        req.ifa.ifa_scope = RT_SCOPE_UNIVERSE;
        req.ifa.ifa_index = idx;
        add_attr(&req.nh, IFA_LOCAL, addr, 4);
        add_attr(&req.nh, IFA_ADDRESS, addr, 4);
        if (type == RTM_NEWADDR && prefixlen < 31)
                add_attr(&req.nh, IFA_BROADCAST, brd, 4);

        fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
        if (fd < 0)
                return -errno;
        (void) setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        if (sendto(fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                return -errno;
        n = recv(fd, buf, sizeof(buf), 0);
        if (n < 0)
                return -errno;
        for (struct nlmsghdr *nh = (struct nlmsghdr *) buf; NLMSG_OK(nh, (size_t) n); nh = NLMSG_NEXT(nh, n)) {
                if (nh->nlmsg_type == NLMSG_ERROR) {
                        struct nlmsgerr *err = NLMSG_DATA(nh);
                        return err->error; /* 0 = ACK */
                }
        }
        return -EPROTO;
}

int p2p_netif_add_ipv4(const char *ifname, const uint8_t addr[4], unsigned prefixlen)
{
        int r = addr_request(RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, ifname, addr, prefixlen);
        return r == -EEXIST ? 0 : r;
}

int p2p_netif_del_ipv4(const char *ifname, const uint8_t addr[4], unsigned prefixlen)
{
        int r = addr_request(RTM_DELADDR, 0, ifname, addr, prefixlen);
        return r == -ENODEV || r == -EADDRNOTAVAIL || r == -ENOENT ? 0 : r;
}

int p2p_netif_get_mac(const char *ifname, uint8_t ret[6])
{
        struct ifreq ifr = {};
        _cleanup_close_ int fd = -1;

        if (strlen(ifname) >= sizeof(ifr.ifr_name))
                return -EINVAL;
        fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        strcpy(ifr.ifr_name, ifname);
        if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
                return -errno;
        memcpy(ret, ifr.ifr_hwaddr.sa_data, 6);
        return 0;
}

int p2p_netif_mask_to_prefix(const uint8_t mask[4], unsigned *ret)
{
        uint32_t m = (uint32_t) mask[0] << 24 | mask[1] << 16 | mask[2] << 8 | mask[3];
        unsigned n = 0;

        while (n < 32 && (m & (0x80000000u >> n)))
                n++;
        if (n < 32 && (m << n) != 0)
                return -EINVAL;
        *ret = n;
        return 0;
}
